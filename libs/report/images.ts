import { readFile } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { KeycastError } from '../config/index.js';
import type { AnalysisResult, ThumbnailSource } from './types.js';

/** MIME type from magic bytes for the formats browsers show inline; null for anything else. */
export function imageMime(buf: Buffer): 'image/jpeg' | 'image/png' | 'image/webp' | 'image/gif' | null {
  if (buf.length >= 3 && buf[0] === 0xff && buf[1] === 0xd8 && buf[2] === 0xff) return 'image/jpeg';
  if (buf.length >= 8 && buf.readUInt32BE(0) === 0x89504e47 && buf.readUInt32BE(4) === 0x0d0a1a0a) return 'image/png';
  if (buf.length >= 12 && buf.toString('latin1', 0, 4) === 'RIFF' && buf.toString('latin1', 8, 12) === 'WEBP') return 'image/webp';
  if (buf.length >= 6 && /^GIF8[79]a$/.test(buf.toString('latin1', 0, 6))) return 'image/gif';
  return null;
}

/** Calls the source and wraps failures so the message names the face. */
export async function loadThumbnail(source: ThumbnailSource, faceId: number): Promise<Buffer> {
  let buf: Buffer;
  try {
    buf = await source(faceId);
  } catch (e) {
    if (e instanceof KeycastError) throw e;
    throw new KeycastError('INVALID_FILE', `thumbnail of face ${faceId}: ${(e as Error)?.message ?? String(e)}`);
  }
  if (!Buffer.isBuffer(buf) || buf.length === 0) throw new KeycastError('INVALID_FILE', `thumbnail of face ${faceId} is empty`);
  return buf;
}

/**
 * A ThumbnailSource over result.json's relative `thumbnail` paths, read from `outDir` (the directory
 * holding result.json). A path that is absolute or leaves outDir is refused (INVALID_FILE): a
 * result file must not make the report read arbitrary files. An unknown face id is NOT_FOUND.
 */
export function thumbnailsFromDir(result: Pick<AnalysisResult, 'faces'>, outDir: string): ThumbnailSource {
  const root = resolve(outDir);
  const paths = new Map(result.faces.map((f) => [f.id, f.thumbnail]));
  return async (faceId: number) => {
    const rel = paths.get(faceId);
    if (rel === undefined) throw new KeycastError('NOT_FOUND', `no face ${faceId} in the result`);
    const full = resolve(root, rel);
    const r = relative(root, full);
    if (isAbsolute(rel) || r === '' || r === '..' || r.startsWith(`..${sep}`) || isAbsolute(r)) {
      throw new KeycastError('INVALID_FILE', `thumbnail path of face ${faceId} leaves the output directory: ${JSON.stringify(rel)}`);
    }
    return readFile(full);
  };
}

/** Maps with at most `limit` calls in flight, keeping order (thumbnail decoding is CPU and I/O bound). */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
