/** One byte range of a file, both ends inclusive (as Content-Range writes them). */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * What a Range header asks of a file of `size` bytes (RFC 9110 §14): `null` for the whole file (no header, another
 * unit, or several ranges: a server may ignore Range, and one 200 is simpler than multipart/byteranges for a
 * <video> that only ever asks for one range), a range, or `'unsatisfiable'` (malformed bytes ranges, a start past
 * the end, an empty suffix: 416). An end past the file is clipped, as the RFC says.
 */
export function parseByteRange(header: string | undefined, size: number): ByteRange | null | 'unsatisfiable' {
  if (header === undefined) return null;
  const m = /^\s*bytes\s*=\s*(.*)$/i.exec(header);
  if (!m) return null;
  const specs = m[1]
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (specs.length !== 1) return specs.length === 0 ? 'unsatisfiable' : null;
  const r = /^(\d*)-(\d*)$/.exec(specs[0]);
  if (!r || (r[1] === '' && r[2] === '')) return 'unsatisfiable';
  if (r[1] === '') {
    // A suffix: the last N bytes.
    const n = Number(r[2]);
    if (n === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(r[1]);
  const end = r[2] === '' ? size - 1 : Math.min(Number(r[2]), size - 1);
  if (!Number.isSafeInteger(start) || start >= size || Number(r[2] || start) < start) return 'unsatisfiable';
  return { start, end };
}

/**
 * Whether a Range header may be honoured under `If-Range` (RFC 9110 §13.1.5): always without one; with an entity tag,
 * only when it is strongly equal to the file's current one (a weak tag never matches); with a date, only when it is
 * exactly the file's Last-Modified. Otherwise the client's partial copy is of another version: the whole file (200).
 */
export function ifRangeHolds(ifRange: string | undefined, current: { etag: string; lastModified: string }): boolean {
  if (ifRange === undefined) return true;
  const v = ifRange.trim();
  if (v.startsWith('"')) return v === current.etag;
  if (v.startsWith('W/')) return false;
  const at = Date.parse(v);
  return Number.isFinite(at) && at === Date.parse(current.lastModified);
}
