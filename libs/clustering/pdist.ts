import { availableParallelism } from 'node:os';
import { openPdist } from './pdist-engine.js';
import type { Condensed, PdistOptions, Precision } from './types.js';

/** Below this many multiply-adds (about 50 ms of work) starting a worker costs more than it saves. */
const PARALLEL_MIN_WORK = 1e8;

/** Index of the pair (i, j), i != j, in a condensed distance matrix of n points (scipy's order). */
export function condensedIndex(n: number, i: number, j: number): number {
  if (i === j) throw new RangeError('condensedIndex: i == j has no entry');
  if (i > j) {
    const t = i;
    i = j;
    j = t;
  }
  return n * i - (i * (i + 1)) / 2 + (j - i - 1);
}

/** Number of points n of a condensed matrix of length m = n(n-1)/2; throws if m is not such a length. */
export function numObsCondensed(m: number): number {
  const n = Math.round((1 + Math.sqrt(1 + 8 * m)) / 2);
  if ((n * (n - 1)) / 2 !== m) throw new RangeError(`a condensed distance matrix cannot have length ${m}`);
  return m === 0 ? 1 : n;
}

/**
 * Pairwise Euclidean distances, condensed, as scipy's `pdist(X, 'euclidean')`: entry
 * n*i - i*(i+1)/2 + (j - i - 1) holds |X[i] - X[j]| for i < j (row-major upper triangle), length
 * n(n-1)/2. Bit-identical to scipy (same per-pair summation order, see pdist-wasm.ts), which matters:
 * cuts and merge orders are decided by exact comparisons and ties.
 *
 * All rows must have the same length. With several threads the result is backed by a
 * SharedArrayBuffer (it is still an ordinary typed array to the caller). With `precision: 'float32'`
 * it is a Float32Array of the same distances rounded to float32.
 */
export function pdist(X: ArrayLike<number>[], opts: PdistOptions & { precision: 'float32' }): Float32Array;
export function pdist(X: ArrayLike<number>[], opts?: PdistOptions & { precision?: 'float64' }): Float64Array;
export function pdist(X: ArrayLike<number>[], opts?: PdistOptions): Condensed;
export function pdist(X: ArrayLike<number>[], opts: PdistOptions = {}): Condensed {
  const n = X.length;
  const d = n > 0 ? X[0].length : 0;
  const data = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    if (X[i].length !== d) throw new RangeError(`pdist: row ${i} has ${X[i].length} values, expected ${d}`);
    data.set(X[i], i * d);
  }
  return pdistPacked(data, n, d, opts);
}

/**
 * {@link pdist} on points packed row-major in one array (`data[i*d + k]` is coordinate k of point i).
 */
export function pdistPacked(data: Float64Array, n: number, d: number, opts: PdistOptions & { precision: 'float32' }): Float32Array;
export function pdistPacked(data: Float64Array, n: number, d: number, opts?: PdistOptions & { precision?: 'float64' }): Float64Array;
export function pdistPacked(data: Float64Array, n: number, d: number, opts?: PdistOptions): Condensed;
export function pdistPacked(data: Float64Array, n: number, d: number, opts: PdistOptions = {}): Condensed {
  if (data.length < n * d) throw new RangeError(`pdistPacked: ${data.length} values for ${n} x ${d}`);
  for (let q = 0; q < n * d; q++) if (!Number.isFinite(data[q])) throw new RangeError('pdist: points must be finite');
  const precision = checkPrecision(opts.precision);
  const m = (n * (n - 1)) / 2;
  const engine = openPdist(data, n, d, resolveThreads(opts.threads, n, d));
  try {
    const out = condensedBuffer(m, precision, engine.shared || 'auto');
    engine.rows(0, n, out, 0);
    return out;
  } finally {
    engine.close();
  }
}

/**
 * From this size on (n >= about 4,100 in float64, 5,800 in float32) 'auto' puts a condensed matrix in
 * a SharedArrayBuffer: linkage can then share it with its worker thread (nn-chain-pair.ts) in place,
 * where a copy would double the largest allocation (5 GB at n = 50,000).
 */
export const SHARED_MIN_BYTES = 2 ** 26;

/**
 * A zeroed condensed buffer of m values, in a SharedArrayBuffer when `shared` (for worker threads);
 * 'auto': when it takes at least {@link SHARED_MIN_BYTES}.
 */
export function condensedBuffer(m: number, precision: Precision, shared: boolean | 'auto' = 'auto'): Condensed {
  const bytes = m * (precision === 'float32' ? 4 : 8);
  const buf = shared === true || (shared === 'auto' && bytes >= SHARED_MIN_BYTES) ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
  return precision === 'float32' ? new Float32Array(buf) : new Float64Array(buf);
}

function checkPrecision(p: PdistOptions['precision']): Precision {
  if (p === undefined || p === 'float64' || p === 'float32') return p ?? 'float64';
  throw new RangeError(`pdist: precision must be float64 or float32, got ${JSON.stringify(p)}`);
}

/** Threads for pdist: a positive integer as given, or 'auto' (up to 2 when the work repays starting a worker). */
export function resolveThreads(t: PdistOptions['threads'], n: number, d: number): number {
  if (typeof t === 'number') {
    if (!Number.isInteger(t) || t < 1) throw new RangeError(`pdist: threads must be a positive integer, got ${t}`);
    return t;
  }
  const work = ((n * (n - 1)) / 2) * d;
  return work >= PARALLEL_MIN_WORK ? Math.max(1, Math.min(2, availableParallelism())) : 1;
}

/** The largest value of a condensed distance matrix (0 when it is empty). */
export function maxDistance(condensed: ArrayLike<number>): number {
  let mx = 0;
  for (let q = 0; q < condensed.length; q++) if (condensed[q] > mx) mx = condensed[q];
  return mx;
}
