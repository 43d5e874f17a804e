import { numObsCondensed } from './pdist.js';
import type { LinkageMatrix, LinkageMethod } from './types.js';
import { LINKAGE_METHODS } from './types.js';

export interface LinkageOptions {
  /**
   * Let the algorithm use `condensed` as its working memory (it is destroyed) instead of copying it:
   * saves n(n-1)/2 doubles (400 MB at n = 10,000). Ignored for 'single', which never writes to it.
   */
  overwrite?: boolean;
}

/**
 * Hierarchical agglomerative clustering of a condensed distance matrix, as scipy's
 * `linkage(condensed, method)` (scipy 1.17), returning the same Z, bit for bit:
 *
 * - 'average' and 'complete': the nearest-neighbour chain algorithm (scipy's `nn_chain`), with
 *   Lance-Williams updates d(xy, i) = (n_x d(x,i) + n_y d(y,i)) / (n_x + n_y) (average, UPGMA) and
 *   max(d(x,i), d(y,i)) (complete). Ties: a chain prefers its previous element, then the lowest index.
 * - 'single': Prim's minimum spanning tree over the condensed matrix (scipy's `mst_single_linkage`).
 *
 * Then, as scipy does, the n - 1 merges are stably sorted by distance (merges at equal distance keep
 * the order in which they were found) and relabelled with a union-find: row k merges the clusters
 * `Z[4k] < Z[4k+1]` (ids < n are points, n + r is the cluster made at row r) at height `Z[4k+2]` into
 * a cluster of `Z[4k+3]` points. O(n^2) time; memory: one copy of `condensed` for average/complete
 * unless `overwrite`.
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
  const Z = method === 'single'
    ? mstSingleLinkage(condensed, n)
    : nnChain(opts.overwrite ? condensed : condensed.slice(), n, method === 'average');
  return sortAndRelabel(Z, n);
}

/** {@link linkage} when only the condensed matrix is at hand: n is derived from its length. */
export function linkageCondensed(condensed: Float64Array, method: LinkageMethod, opts: LinkageOptions = {}): LinkageMatrix {
  return linkage(condensed, numObsCondensed(condensed.length), method, opts);
}

/**
 * scipy's `nn_chain` before sorting: Z rows in merge order, left/right being working slots (x < y),
 * not yet cluster ids. D is the working copy (destroyed). Slot y holds the merged cluster afterwards.
 */
function nnChain(D: Float64Array, n: number, average: boolean): Float64Array {
  const Z = new Float64Array((n - 1) * 4);
  const size = new Int32Array(n).fill(1);
  const chain = new Int32Array(n);
  let chainLength = 0;
  // Row offsets: entry (i, j), i < j, lives at rowStart[i] + j, rowStart[i] = n*i - i*(i+1)/2 - i - 1.
  const rowStart = new Float64Array(n);
  for (let i = 0; i < n; i++) rowStart[i] = n * i - (i * (i + 1)) / 2 - i - 1;
  let y = 0;

  for (let k = 0; k < n - 1; k++) {
    if (chainLength === 0) {
      chainLength = 1;
      for (let i = 0; i < n; i++) if (size[i] > 0) { chain[0] = i; break; }
    }
    let x = 0;
    let currentMin = Infinity;
    for (;;) {
      x = chain[chainLength - 1];
      if (chainLength > 1) {
        y = chain[chainLength - 2];
        currentMin = D[x < y ? rowStart[x] + y : rowStart[y] + x];
      } else {
        currentMin = Infinity;
      }
      // scan i = 0..n-1 in order (i < x: column x of row i; i > x: row x, contiguous)
      for (let i = 0; i < x; i++) {
        if (size[i] === 0) continue;
        const dist = D[rowStart[i] + x];
        if (dist < currentMin) { currentMin = dist; y = i; }
      }
      const rx = rowStart[x];
      for (let i = x + 1; i < n; i++) {
        if (size[i] === 0) continue;
        const dist = D[rx + i];
        if (dist < currentMin) { currentMin = dist; y = i; }
      }
      if (chainLength > 1 && y === chain[chainLength - 2]) break;
      chain[chainLength] = y;
      chainLength++;
    }
    chainLength -= 2;
    if (x > y) { const t = x; x = y; y = t; }
    const nx = size[x], ny = size[y];
    Z[4 * k] = x;
    Z[4 * k + 1] = y;
    Z[4 * k + 2] = currentMin;
    Z[4 * k + 3] = nx + ny;
    size[x] = 0;
    size[y] = nx + ny;
    // Lance-Williams update of the distances to slot y (x < y): entries (i, x) and (i, y).
    const rx = rowStart[x], ry = rowStart[y];
    for (let i = 0; i < n; i++) {
      if (size[i] === 0 || i === y) continue;
      const ix = i < x ? rowStart[i] + x : rx + i;
      const iy = i < y ? rowStart[i] + y : ry + i;
      const dxi = D[ix], dyi = D[iy];
      D[iy] = average ? (nx * dxi + ny * dyi) / (nx + ny) : (dxi > dyi ? dxi : dyi);
    }
  }
  return Z;
}

/** scipy's `mst_single_linkage` before sorting: Prim's algorithm from point 0, edges in the order found. */
function mstSingleLinkage(dists: Float64Array, n: number): Float64Array {
  const Z = new Float64Array((n - 1) * 4);
  const merged = new Uint8Array(n);
  const D = new Float64Array(n).fill(Infinity);
  const rowStart = new Float64Array(n);
  for (let i = 0; i < n; i++) rowStart[i] = n * i - (i * (i + 1)) / 2 - i - 1;
  let x = 0, y = 0;
  for (let k = 0; k < n - 1; k++) {
    let currentMin = Infinity;
    merged[x] = 1;
    const rx = rowStart[x];
    for (let i = 0; i < n; i++) {
      if (merged[i] === 1) continue;
      const dist = dists[i < x ? rowStart[i] + x : rx + i];
      if (D[i] > dist) D[i] = dist;
      if (D[i] < currentMin) { y = i; currentMin = D[i]; }
    }
    Z[4 * k] = x;
    Z[4 * k + 1] = y;
    Z[4 * k + 2] = currentMin;
    x = y;
  }
  return Z;
}

/**
 * scipy's final step: `Z[argsort(Z[:, 2], kind='mergesort')]` (stable), then `label()`: replace each
 * row's working slots by the ids of the clusters that currently contain them (union-find), smaller id
 * on the left, and the merged size in column 4.
 */
function sortAndRelabel(Zu: Float64Array, n: number): Float64Array {
  const rows = n - 1;
  const order = Array.from({ length: rows }, (_, r) => r);
  order.sort((a, b) => Zu[4 * a + 2] - Zu[4 * b + 2] || a - b);
  const Z = new Float64Array(rows * 4);
  const parent = new Int32Array(2 * n - 1);
  for (let i = 0; i < parent.length; i++) parent[i] = i;
  const csize = new Int32Array(2 * n - 1).fill(1);
  const find = (v: number): number => {
    let root = v;
    while (parent[root] !== root) root = parent[root];
    while (parent[v] !== root) { const next = parent[v]; parent[v] = root; v = next; }
    return root;
  };
  for (let r = 0; r < rows; r++) {
    const src = 4 * order[r];
    const a = find(Zu[src]), b = find(Zu[src + 1]);
    const label = n + r;
    Z[4 * r] = a < b ? a : b;
    Z[4 * r + 1] = a < b ? b : a;
    Z[4 * r + 2] = Zu[src + 2];
    parent[a] = label;
    parent[b] = label;
    csize[label] = csize[a] + csize[b];
    Z[4 * r + 3] = csize[label];
  }
  return Z;
}
