import { condensedBuffer, openPdist, resolvePrecision, resolveThreads, type Condensed, type Precision } from '../clustering/index.js';

/**
 * Pairs per chunk: the face and cloth distances of a chunk are two float64 buffers of this many values
 * (32 MB each). Small, because every fresh page costs a fault (on this VM ~4 µs per 4 KiB, 1.5 s for
 * 400 MB under load) and the chunks are streamed once anyway.
 */
const CHUNK_PAIRS = 1 << 22;
/** At most this many pairs are looked at to estimate the typical cloth/face distance ratio. */
export const RATIO_SAMPLE = 200_000;

/** Rows (one vector each) packed row-major into one array. */
export function packRows(rows: readonly ArrayLike<number>[]): { data: Float64Array; d: number } {
  const d = rows.length > 0 ? rows[0].length : 0;
  const data = new Float64Array(rows.length * d);
  rows.forEach((r, i) => data.set(r, i * d));
  return { data, d };
}

/**
 * The condensed result buffer for n points: float64 up to EXACT_MAX_N points (exact), float32 above
 * (each value computed in float64 and stored rounded to float32: 5 GB instead of 10 GB at n = 50,000).
 * Large ones are shared memory, which linkage's worker uses in place (condensedBuffer).
 */
export function resultBuffer(n: number, precision: Precision | 'auto' = 'auto'): Condensed {
  return condensedBuffer((n * (n - 1)) / 2, resolvePrecision(precision, n));
}

/**
 * The face distances (and the cloth distances when `C` is given) of every pair, one chunk of condensed
 * rows at a time, so that neither matrix is ever held whole: `visit(r0, r1, base, df, dc)` gets rows
 * r0 <= i < r1, where df[p - base] (dc[p - base]) is the distance of the pair at condensed index p.
 * The same values as pdist's (bit for bit), computed by the same threaded kernel.
 *
 * With `into` (a float64 condensed matrix of n points) the face distances are written straight into it
 * (df is then `into` from index base on), where the caller wants its result anyway: no chunk buffer
 * and no copy for them. Ignored when `into` is not shared memory and the kernel runs threads.
 */
export function forEachDistanceChunk(
  n: number,
  F: { data: Float64Array; d: number },
  C: { data: Float64Array; d: number } | null,
  visit: (r0: number, r1: number, base: number, df: Condensed, dc: Condensed | null) => void,
  chunkPairs = CHUNK_PAIRS,
  into?: Float64Array,
): void {
  const ef = openPdist(F.data, n, F.d, resolveThreads(undefined, n, F.d));
  const ec = C ? openPdist(C.data, n, C.d, resolveThreads(undefined, n, C.d)) : null;
  try {
    const cap = Math.min(chunkPairs, (n * (n - 1)) / 2);
    const direct = into !== undefined && (!ef.shared || into.buffer instanceof SharedArrayBuffer) ? into : null;
    if (direct && direct.length !== (n * (n - 1)) / 2) throw new RangeError(`forEachDistanceChunk: into holds ${direct.length} values for n = ${n}`);
    const df = direct ?? condensedBuffer(Math.max(cap, n), 'float64', ef.shared);
    const dc = ec ? condensedBuffer(Math.max(cap, n), 'float64', ec.shared) : null;
    let r0 = 0;
    while (r0 < n - 1) {
      let r1 = r0,
        pairs = 0;
      while (r1 < n - 1 && (r1 === r0 || pairs + (n - 1 - r1) <= cap)) pairs += n - 1 - r1++;
      const base = n * r0 - (r0 * (r0 + 1)) / 2;
      if (direct) ef.rows(r0, r1, direct, 0);
      else ef.rows(r0, r1, df, base);
      if (ec && dc) ec.rows(r0, r1, dc, base);
      visit(r0, r1, base, direct ? direct.subarray(base) : df, dc);
      r0 = r1;
    }
  } finally {
    ef.close();
    ec?.close();
  }
}

/** |X_i - X_j| summed in order over the coordinates: pdist's value for that pair, bit for bit. */
export function pairDistance(X: { data: Float64Array; d: number }, i: number, j: number): number {
  const { data, d } = X;
  let s = 0;
  for (let k = 0; k < d; k++) {
    const t = data[i * d + k] - data[j * d + k];
    s += t * t;
  }
  return Math.sqrt(s);
}

/**
 * appearance-distances.ts's medianClothRatio without the matrices: the median of dc / df over the
 * pairs at condensed indexes 0, stride, 2 stride, ... (stride = max(1, floor(pairs / RATIO_SAMPLE)))
 * where both faces show clothing and df > 0, each pair's distances computed as pdist does: the same
 * value. 1 when there is no such pair (it may be 0).
 */
export function sampledClothRatio(n: number, F: { data: Float64Array; d: number }, C: { data: Float64Array; d: number }, dressed: readonly boolean[]): number {
  const total = (n * (n - 1)) / 2;
  const stride = Math.max(1, Math.floor(total / RATIO_SAMPLE));
  const values: number[] = [];
  let i = 0,
    rowStart = 0;
  for (let p = 0; p < total; p += stride) {
    while (p >= rowStart + (n - 1 - i)) rowStart += n - 1 - i++;
    const j = p - rowStart + i + 1;
    if (!dressed[i] || !dressed[j]) continue;
    const fd = pairDistance(F, i, j);
    if (fd > 0) values.push(pairDistance(C, i, j) / fd);
  }
  if (values.length === 0) return 1;
  values.sort((a, b) => a - b);
  return values[Math.floor(values.length / 2)];
}
