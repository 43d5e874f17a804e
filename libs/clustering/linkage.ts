import { mstSingleLinkage } from './mst-single.js';
import { nnChain } from './nn-chain.js';
import { numObsCondensed } from './pdist.js';
import { relabel } from './relabel.js';
import { lowerTriangle } from './triangles.js';
import type { LinkageMatrix, LinkageMethod } from './types.js';
import { LINKAGE_METHODS } from './types.js';

export interface LinkageOptions {
  /**
   * Let average/complete use `condensed` as working memory (it is destroyed) instead of a copy:
   * saves n(n-1)/2 doubles (400 MB at n = 10,000). 'single' never writes to its input.
   */
  overwrite?: boolean;
  /**
   * 'fast' (default) adds a lower-triangle mirror of the distances (n(n-1)/2 doubles) so that all
   * scans read memory in order: about 2x faster at n = 5,000-10,000. 'low' does without it.
   * Working memory beyond the input, in n(n-1)/2 doubles: average/complete 2 (fast) or 1 (low), one
   * less with `overwrite`; single 1 (fast) or 0 (low). Same result either way.
   */
  memory?: 'fast' | 'low';
}

/**
 * Hierarchical agglomerative clustering of a condensed distance matrix, as scipy's
 * `linkage(condensed, method)` (scipy 1.17), returning the same Z, bit for bit:
 *
 * - 'average' and 'complete': the nearest-neighbour chain algorithm (scipy's `nn_chain`, see
 *   nn-chain.ts), Lance-Williams updates (n_x d(x,i) + n_y d(y,i)) / (n_x + n_y) and max(d(x,i), d(y,i)).
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
 */
export function linkage(condensed: Float64Array, n: number, method: LinkageMethod, opts: LinkageOptions = {}): LinkageMatrix {
  if (!LINKAGE_METHODS.includes(method)) throw new RangeError(`linkage: unknown method ${JSON.stringify(method)}`);
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`linkage: n must be a non-negative integer, got ${n}`);
  const m = (n * (n - 1)) / 2;
  if (condensed.length !== m) throw new RangeError(`linkage: ${condensed.length} distances for n = ${n} (expected ${m})`);
  for (let q = 0; q < m; q++) {
    if (!Number.isFinite(condensed[q])) throw new RangeError('linkage: the condensed distance matrix must contain only finite values');
  }
  if (n < 2) return new Float64Array(0);
  const fast = (opts.memory ?? 'fast') === 'fast';
  let Z: Float64Array;
  if (method === 'single') {
    Z = mstSingleLinkage(condensed, fast ? lowerTriangle(condensed, n) : null, n);
  } else {
    const U = opts.overwrite ? condensed : condensed.slice();
    Z = nnChain(U, fast ? lowerTriangle(U, n) : null, n, method === 'average');
  }
  return relabel(Z, n);
}

/** {@link linkage} when only the condensed matrix is at hand: n is derived from its length. */
export function linkageCondensed(condensed: Float64Array, method: LinkageMethod, opts: LinkageOptions = {}): LinkageMatrix {
  return linkage(condensed, numObsCondensed(condensed.length), method, opts);
}
