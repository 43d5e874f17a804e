import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { pdistRows } from './pdist-kernel.js';
import type { Condensed, PdistOptions, Precision } from './types.js';

/** Rows per scheduling block: small enough to balance two threads, large enough to reuse cached rows. */
const BLOCK_ROWS = 64;
/** Below this many multiply-adds (about 50 ms of work) starting a worker costs more than it saves. */
const PARALLEL_MIN_WORK = 1e8;
/** A worker that claimed a block and made no progress for this long is presumed dead: redo its blocks. */
const STALL_MS = 10_000;

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
 * n(n-1)/2. Bit-identical to scipy (same per-pair summation order, see pdist-kernel.ts), which matters:
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
  const threads = resolveThreads(opts.threads, n, d);
  const data = new Float64Array(threads > 1 ? new SharedArrayBuffer(n * d * 8) : new ArrayBuffer(n * d * 8));
  for (let i = 0; i < n; i++) {
    if (X[i].length !== d) throw new RangeError(`pdist: row ${i} has ${X[i].length} values, expected ${d}`);
    data.set(X[i], i * d);
  }
  return pdistPacked(data, n, d, { threads, precision: opts.precision });
}

/**
 * {@link pdist} on points packed row-major in one array (`data[i*d + k]` is coordinate k of point i).
 * Passing a SharedArrayBuffer-backed array saves one copy when threads are used.
 */
export function pdistPacked(data: Float64Array, n: number, d: number, opts: PdistOptions & { precision: 'float32' }): Float32Array;
export function pdistPacked(data: Float64Array, n: number, d: number, opts?: PdistOptions & { precision?: 'float64' }): Float64Array;
export function pdistPacked(data: Float64Array, n: number, d: number, opts?: PdistOptions): Condensed;
export function pdistPacked(data: Float64Array, n: number, d: number, opts: PdistOptions = {}): Condensed {
  if (data.length < n * d) throw new RangeError(`pdistPacked: ${data.length} values for ${n} x ${d}`);
  for (let q = 0; q < n * d; q++) if (!Number.isFinite(data[q])) throw new RangeError('pdist: points must be finite');
  const precision = checkPrecision(opts.precision);
  const m = (n * (n - 1)) / 2;
  const threads = resolveThreads(opts.threads, n, d);
  if (threads <= 1 || n < 2 * BLOCK_ROWS) {
    const out = precision === 'float32' ? new Float32Array(m) : new Float64Array(m);
    pdistRows(data, n, d, out, 0, n);
    return out;
  }
  return pdistThreaded(data, n, d, threads, precision);
}

function checkPrecision(p: PdistOptions['precision']): Precision {
  if (p === undefined || p === 'float64' || p === 'float32') return p ?? 'float64';
  throw new RangeError(`pdist: precision must be float64 or float32, got ${JSON.stringify(p)}`);
}

function resolveThreads(t: PdistOptions['threads'], n: number, d: number): number {
  if (typeof t === 'number') {
    if (!Number.isInteger(t) || t < 1) throw new RangeError(`pdist: threads must be a positive integer, got ${t}`);
    return t;
  }
  const work = ((n * (n - 1)) / 2) * d;
  return work >= PARALLEL_MIN_WORK ? Math.max(1, Math.min(2, availableParallelism())) : 1;
}

const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const pdistRows = (${pdistRows.toString()});
const X = new Float64Array(workerData.X), out = workerData.f32 ? new Float32Array(workerData.out) : new Float64Array(workerData.out);
const ctrl = new Int32Array(workerData.ctrl), state = new Int32Array(workerData.state);
const { n, d, block, nBlocks } = workerData;
for (;;) {
  const b = Atomics.add(ctrl, 0, 1);
  if (b >= nBlocks) break;
  pdistRows(X, n, d, out, b * block, Math.min(n, (b + 1) * block));
  Atomics.store(state, b, 2);
  Atomics.add(ctrl, 1, 1);
  Atomics.notify(ctrl, 1);
}
`;

/**
 * The calling thread and threads-1 workers claim blocks of rows from a shared counter (largest rows
 * first, so the tail balances). The call stays synchronous: the calling thread works too, then waits
 * on an Atomics counter. If workers cannot start, the calling thread simply does every block.
 */
function pdistThreaded(data: Float64Array, n: number, d: number, threads: number, precision: Precision): Condensed {
  const m = (n * (n - 1)) / 2;
  const shared = data.buffer instanceof SharedArrayBuffer ? data : copyToShared(data, n * d);
  const f32 = precision === 'float32';
  const outBuf = new SharedArrayBuffer(m * (f32 ? 4 : 8));
  const out = f32 ? new Float32Array(outBuf) : new Float64Array(outBuf);
  const nBlocks = Math.ceil(n / BLOCK_ROWS);
  const ctrlBuf = new SharedArrayBuffer(8);
  const stateBuf = new SharedArrayBuffer(nBlocks * 4);
  const ctrl = new Int32Array(ctrlBuf); // [next block to claim, blocks done]
  const state = new Int32Array(stateBuf); // 2 = done
  const workerData = { X: shared.buffer, out: outBuf, f32, ctrl: ctrlBuf, state: stateBuf, n, d, block: BLOCK_ROWS, nBlocks };
  const workers: Worker[] = [];
  for (let w = 1; w < threads; w++) {
    try {
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData, execArgv: [] });
      worker.on('error', () => {
        /* its blocks are redone below if it stalls */
      });
      worker.unref();
      workers.push(worker);
    } catch {
      break;
    }
  }
  for (;;) {
    const b = Atomics.add(ctrl, 0, 1);
    if (b >= nBlocks) break;
    pdistRows(shared, n, d, out, b * BLOCK_ROWS, Math.min(n, (b + 1) * BLOCK_ROWS));
    Atomics.store(state, b, 2);
    Atomics.add(ctrl, 1, 1);
  }
  let lastDone = Atomics.load(ctrl, 1);
  let lastProgress = Date.now();
  while (lastDone < nBlocks) {
    Atomics.wait(ctrl, 1, lastDone, 200);
    const done = Atomics.load(ctrl, 1);
    if (done !== lastDone) {
      lastDone = done;
      lastProgress = Date.now();
      continue;
    }
    if (Date.now() - lastProgress > STALL_MS) {
      for (let b = 0; b < nBlocks; b++) {
        if (Atomics.load(state, b) !== 2) pdistRows(shared, n, d, out, b * BLOCK_ROWS, Math.min(n, (b + 1) * BLOCK_ROWS));
      }
      break;
    }
  }
  for (const w of workers) void w.terminate();
  return out;
}

function copyToShared(data: Float64Array, len: number): Float64Array {
  const s = new Float64Array(new SharedArrayBuffer(len * 8));
  s.set(data.subarray(0, len));
  return s;
}

/** The largest value of a condensed distance matrix (0 when it is empty). */
export function maxDistance(condensed: ArrayLike<number>): number {
  let mx = 0;
  for (let q = 0; q < condensed.length; q++) if (condensed[q] > mx) mx = condensed[q];
  return mx;
}
