import { availableParallelism } from 'node:os';
import { genericLinkage } from './generic-linkage.js';
import { mstSingleLinkage } from './mst-single.js';
import { nnChain } from './nn-chain.js';
import { NN_PAIR_MIN_LIVE, NnPair, type NnPairStats } from './nn-chain-pair.js';
import { relabel } from './relabel.js';
import { scratchLike, type ScratchPool } from './scratch.js';
import { lowerTriangle } from './triangles.js';
import type { Condensed, LinkageMatrix, LinkageMethod } from './types.js';
import { LINKAGE_METHODS } from './types.js';

export interface LinkageOptions {
  /**
   * Let average/complete use `condensed` as working memory (it is destroyed) instead of a copy:
   * saves n(n-1)/2 doubles (400 MB at n = 10,000). 'single' never writes to its input.
   */
  overwrite?: boolean;
  /**
   * 'fast' adds a lower-triangle mirror of the distances (n(n-1)/2 values) so that all scans read
   * memory in order: about 2x faster at n = 5,000-10,000 on a quiet machine. 'low' does without it.
   * 'auto' (default): the mirror when it takes at most {@link MIRROR_MAX_BYTES} (float64: n <= 23,170;
   * float32: n <= 32,768), else none.
   * Working memory beyond the input, in n(n-1)/2 values: average/complete 2 (fast) or 1 (low), one
   * less with `overwrite`; single 1 (fast) or 0 (low). Same result either way with the same
   * `algorithm` (a float32 matrix without the mirror runs 'generic' under 'auto').
   */
  memory?: 'fast' | 'low' | 'auto';
  /**
   * nn-chain without the mirror (float64, or `algorithm` 'nn-chain'): 2 shares every nearest-neighbour scan and Lance-Williams
   * update with one worker thread (nn-chain-pair.ts), 1 keeps everything on the calling thread; the
   * same Z either way, bit for bit. 'auto' (default): the worker when the machine has 2 cores or more,
   * n >= `pairMinLive` and the working matrix is backed by a SharedArrayBuffer (the copy made without
   * `overwrite` is; an `overwrite` input must already be, as pdist's and the flow's large matrices
   * are), and rounds shared only while that measures faster than one thread (on a loaded machine
   * waiting for a descheduled worker costs more than it saves; nn-chain-pair.ts). At n = 50,000 (float32, 5 GB) each step is
   * bound by memory latency (a page per value on the strided half), which two threads overlap. With
   * the mirror (or 'single') this is ignored.
   */
  threads?: 1 | 2 | 'auto';
  /** Live slots below which a round stays on the calling thread (default {@link NN_PAIR_MIN_LIVE}); for tests. */
  pairMinLive?: number;
  /** For tests: wait (up to 10 s) for the worker to start, so that it takes part even in a short linkage. */
  pairWaitForWorker?: boolean;
  /**
   * For benches, with `threads` 'auto': alternate shared and single-thread windows of rounds
   * throughout (instead of keeping the faster way), so that `stats` compare both under the same load.
   */
  pairAlternate?: boolean;
  /**
   * average/complete: 'nn-chain' (scipy's algorithm, the same Z bit for bit) or 'generic' (Müllner's
   * generic algorithm, generic-linkage.ts: the same merges where distances are distinct, heights
   * equal up to the rounding of another summation order, tie order its own). 'auto' (default):
   * 'generic' for a Float32Array without the mirror, where the result is not bit-exact anyway and
   * nn-chain's repeated column walks dominate (n = 50,000: 27.6 s instead of 110-120 s estimated on a
   * quiet machine, bench/RESULTS.md); 'nn-chain' everywhere else.
   */
  algorithm?: 'nn-chain' | 'generic' | 'auto';
  /**
   * Where the mirror (`memory` 'fast') comes from and goes back to when the linkage ends, instead of a fresh
   * allocation each time (scratch.ts): the same values are written into it either way, so the same Z.
   */
  scratch?: ScratchPool;
  /** Filled in with what ran: the algorithm, and what the two-thread path did (threads 1 when it did not run). */
  stats?: LinkageStats;
}

/** What a linkage ran: the algorithm and the two-thread nn-chain's figures. */
export interface LinkageStats extends NnPairStats {
  algorithm?: 'nn-chain' | 'generic' | 'mst';
}

/** The largest mirror memory 'auto' adds (2 GiB). */
export const MIRROR_MAX_BYTES = 2 ** 31;

/**
 * Hierarchical agglomerative clustering of a condensed distance matrix, as scipy's
 * `linkage(condensed, method)` (scipy 1.17), returning the same Z, bit for bit:
 *
 * - 'average' and 'complete': the nearest-neighbour chain algorithm (scipy's `nn_chain`, see
 *   nn-chain.ts), Lance-Williams updates (n_x d(x,i) + n_y d(y,i)) / (n_x + n_y) and max(d(x,i), d(y,i)).
 *   Without the mirror (large n, see `memory`) each of its O(n) scans and updates can be shared with
 *   a worker thread (`threads`, nn-chain-pair.ts): chunks of the live slots, folded in ascending
 *   order with the same strict `<`, so the same Z bit for bit, ties included. A float32 matrix
 *   without the mirror runs Müllner's generic algorithm instead (`algorithm`, see the float32 note).
 * - 'single': Prim's minimum spanning tree (scipy's `mst_single_linkage`, see mst-single.ts).
 *
 * Then, as scipy does, the n - 1 merges are stably sorted by distance (merges at equal distance keep
 * the order in which they were found) and relabelled (relabel.ts): row k merges the clusters
 * `Z[4k] < Z[4k+1]` (ids < n are points, n + r is the cluster made at row r) at height `Z[4k+2]` into
 * a cluster of `Z[4k+3]` points. O(n^2) time.
 *
 * `n` is the number of points; `condensed` must hold n(n-1)/2 finite values (a precomputed custom
 * distance is fine as long as it is symmetric and non-negative). Unlike scipy, n = 1 (and n = 0) are
 * accepted and give an empty Z.
 *
 * A Float32Array `condensed` (half the memory, for large n) runs the same algorithms on float32
 * working memory. 'single' stays exact for the float32 distances it is given (it only compares them).
 * 'average'/'complete': complete only takes maxima (exact too); average rounds each Lance-Williams
 * update to float32, so its heights may differ from float64's by a few ulps of float32 (relative
 * ~1e-7), and where two candidate distances are that close (or become equal after rounding) the
 * merge order, and rarely the tree, can differ from the float64 linkage of the same distances.
 * Distances that are themselves rounded to float32 (pdist with precision 'float32') add the same kind
 * of near-tie difference for every method. Without the mirror, float32 average/complete run Müllner's
 * generic algorithm (`algorithm`), which adds differences of the same kind: heights summed in another
 * order, ties taken in another order. bench/clustering.ts measures the agreement.
 */
export function linkage(condensed: Condensed, n: number, method: LinkageMethod, opts: LinkageOptions = {}): LinkageMatrix {
  if (!LINKAGE_METHODS.includes(method)) throw new RangeError(`linkage: unknown method ${JSON.stringify(method)}`);
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`linkage: n must be a non-negative integer, got ${n}`);
  const m = (n * (n - 1)) / 2;
  if (condensed.length !== m) throw new RangeError(`linkage: ${condensed.length} distances for n = ${n} (expected ${m})`);
  for (let q = 0; q < m; q++) {
    if (!Number.isFinite(condensed[q])) throw new RangeError('linkage: the condensed distance matrix must contain only finite values');
  }
  if (n < 2) return new Float64Array(0);
  const memory = opts.memory ?? 'auto';
  const fast = memory === 'fast' || (memory === 'auto' && m * condensed.BYTES_PER_ELEMENT <= MIRROR_MAX_BYTES);
  const algorithm = opts.algorithm ?? 'auto';
  if (algorithm !== 'nn-chain' && algorithm !== 'generic' && algorithm !== 'auto') {
    throw new RangeError(`linkage: algorithm must be 'nn-chain', 'generic' or 'auto', got ${JSON.stringify(algorithm)}`);
  }
  let Z: Float64Array;
  if (method === 'single') {
    Z = withMirror(fast ? condensed : null, n, opts.scratch, (L) => mstSingleLinkage(condensed, L, n));
    if (opts.stats) Object.assign(opts.stats, { algorithm: 'mst', threads: 1, sharedRounds: 0, workerChunks: 0 });
  } else if (algorithm === 'generic' || (algorithm === 'auto' && !fast && condensed instanceof Float32Array)) {
    Z = genericLinkage(opts.overwrite ? condensed : condensed.slice(), n, method === 'average');
    if (opts.stats) Object.assign(opts.stats, { algorithm: 'generic', threads: 1, sharedRounds: 0, workerChunks: 0 });
  } else {
    const minLive = opts.pairMinLive ?? NN_PAIR_MIN_LIVE;
    const threads = opts.threads ?? 'auto';
    if (threads !== 1 && threads !== 2 && threads !== 'auto') throw new RangeError(`linkage: threads must be 1, 2 or 'auto', got ${JSON.stringify(threads)}`);
    const two = !fast && n >= minLive && (threads === 2 || (threads === 'auto' && availableParallelism() >= 2));
    const U = opts.overwrite ? condensed : two ? sharedCopy(condensed) : condensed.slice();
    if (two && U.buffer instanceof SharedArrayBuffer) {
      const pair = new NnPair(U, n, method === 'average', minLive, 2, threads === 'auto' && (opts.pairAlternate ? 'alternate' : true));
      try {
        if (opts.pairWaitForWorker) pair.waitReady(10_000);
        Z = nnChain(U, null, n, method === 'average', pair);
      } finally {
        pair.close();
        if (opts.stats) Object.assign(opts.stats, { algorithm: 'nn-chain' }, pair.stats);
      }
    } else {
      Z = withMirror(fast ? U : null, n, opts.scratch, (L) => nnChain(U, L, n, method === 'average'));
      if (opts.stats) Object.assign(opts.stats, { algorithm: 'nn-chain', threads: 1, sharedRounds: 0, workerChunks: 0 });
    }
  }
  return relabel(Z, n);
}

/** Runs `run` with U's mirror (none when U is null), built in a buffer of `scratch` when it lends one, given back after. */
function withMirror<T extends Float64Array | Float32Array>(
  U: T | null,
  n: number,
  scratch: ScratchPool | undefined,
  run: (L: T | null) => Float64Array,
): Float64Array {
  if (!U) return run(null);
  const L = lowerTriangle(U, n, scratch ? scratchLike(scratch, U) : undefined);
  try {
    return run(L);
  } finally {
    scratch?.give(L.buffer);
  }
}

/** A copy of a condensed matrix in a SharedArrayBuffer (for the two-thread nn-chain). */
function sharedCopy(c: Condensed): Condensed {
  const out = c instanceof Float32Array ? new Float32Array(new SharedArrayBuffer(c.byteLength)) : new Float64Array(new SharedArrayBuffer(c.byteLength));
  out.set(c);
  return out;
}
