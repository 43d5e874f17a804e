import type { LinkageMatrix } from './types.js';
import { assertLinkageFits } from './linkage-shape.js';

/**
 * Flat clusters from a linkage, as scipy's `fcluster(Z, t, criterion='distance')`, same numbers:
 * points i and j share a cluster iff their cophenetic distance is <= t, where a node's height is the
 * largest merge distance in its subtree (so non-monotone trees are handled as scipy does).
 *
 * Numbering (scipy's): a depth-first walk from the root, left child before right child, numbers each
 * flat cluster 1, 2, ... as it is first reached. Every point of a cluster gets that cluster's number;
 * a point whose parent node is above t is a singleton numbered when reached. The comparison is
 * `height <= t`: a merge exactly at t joins (so t = 0 still merges exact duplicates).
 *
 * `n` is the number of points (Z has n - 1 rows). n = 1 gives [1]; n = 0 gives [].
 */
export function fcluster(Z: LinkageMatrix, n: number, t: number): Int32Array {
  return fclusterMonocrit(Z, n, t, (md) => md);
}

/**
 * {@link fcluster} with the node criterion adjusted: `adjust(maxDists)` receives each merge node's
 * height (the largest merge distance in its subtree) and returns the criterion compared with t
 * (scipy's `fcluster(Z, t, 'monocrit', monocrit=MC)`; MC must not decrease from a child to its parent,
 * e.g. +Infinity on a node and all its ancestors keeps that node from ever being one flat cluster).
 */
export function fclusterMonocrit(Z: LinkageMatrix, n: number, t: number, adjust: (maxDists: Float64Array) => Float64Array): Int32Array {
  assertLinkageFits(Z, n, 'fcluster');
  const T = new Int32Array(n);
  if (n === 0) return T;
  if (n === 1) {
    T[0] = 1;
    return T;
  }
  clusterMonocrit(Z, adjust(maxDistPerNode(Z, n)), T, t, n);
  return T;
}

/** For each merge node r: the largest Z distance in its subtree (scipy's get_max_dist_for_each_cluster). */
export function maxDistPerNode(Z: LinkageMatrix, n: number): Float64Array {
  const md = new Float64Array(n - 1);
  // children rows come before parents in a valid Z, so one forward pass suffices
  for (let r = 0; r < n - 1; r++) {
    let m = Z[4 * r + 2];
    const l = Z[4 * r],
      rc = Z[4 * r + 1];
    if (l >= n && md[l - n] > m) m = md[l - n];
    if (rc >= n && md[rc - n] > m) m = md[rc - n];
    md[r] = m;
  }
  return md;
}

/** scipy's cluster_monocrit, iterative DFS with an explicit stack and a visited set. */
function clusterMonocrit(Z: LinkageMatrix, MC: Float64Array, T: Int32Array, cutoff: number, n: number): void {
  const stack = new Int32Array(n);
  const visited = new Uint8Array(2 * n - 1);
  let k = 0;
  let nCluster = 0;
  let leader = -1;
  stack[0] = 2 * n - 2;
  while (k >= 0) {
    const root = stack[k] - n;
    const lc = Z[4 * root],
      rc = Z[4 * root + 1];
    if (leader === -1 && MC[root] <= cutoff) {
      leader = root;
      nCluster++;
    }
    if (lc >= n && !visited[lc]) {
      visited[lc] = 1;
      stack[++k] = lc;
      continue;
    }
    if (rc >= n && !visited[rc]) {
      visited[rc] = 1;
      stack[++k] = rc;
      continue;
    }
    if (lc < n) {
      if (leader === -1) nCluster++;
      T[lc] = nCluster;
    }
    if (rc < n) {
      if (leader === -1) nCluster++;
      T[rc] = nCluster;
    }
    if (leader === root) leader = -1;
    k--;
  }
}

/**
 * The method's relative cut (DESIGN.md step 5): fcluster at t = maxDist * (1 - sim), where maxDist is
 * the largest pairwise distance of the clustered points.
 *
 * Edge behaviour (scipy's, kept on purpose so partitions stay identical to the reference):
 * - sim = 1 gives t = 0, which still joins points at distance exactly 0 (duplicates): "all
 *   singletons" holds only for distinct points.
 * - sim = 0 gives t = maxDist. 'single' and 'complete' never merge above maxDist: one cluster.
 *   'average' can: its update (n_x d_x + n_y d_y) / (n_x + n_y) may round an ulp above the largest
 *   distance, e.g. 4 points at mutual distance 0.1 merge last at 0.1 + 1.4e-17, so sim = 0 gives
 *   2 clusters there, exactly as scipy does (test/fixtures/clustering/small.json, condensedSets).
 * A merge exactly at t joins (<=).
 */
export function cutAtSim(Z: LinkageMatrix, n: number, sim: number, maxDist: number): Int32Array {
  if (!(sim >= 0 && sim <= 1)) throw new RangeError(`cutAtSim: sim must be in [0, 1], got ${sim}`);
  return fcluster(Z, n, maxDist * (1 - sim));
}
