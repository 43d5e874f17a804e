import { renumberBySize, type ClusterLabel } from '../clustering/index.js';

/** Options of {@link mergeClusters}. */
export interface MergeOptions {
  /** Length of the face half at the start of each fingerprint (the cloth half is the rest). Default 128. */
  faceDim?: number;
  /** Merge when the mean face halves are closer than this (strictly). */
  face_threshold: number;
  /** Merge when the mean cloth halves are closer than this (strictly). */
  cloth_threshold: number;
  /** Number of passes (0 = no merging). */
  iterations: number;
  /** Cannot-link groups per point (libs/clustering cannot-link.ts): clusters sharing a group are never merged. Not in the reference. */
  groupsOf?: ArrayLike<ArrayLike<number>>;
}

/**
 * Cluster merging (DESIGN.md step 6), the reference's OR rule. Each pass:
 * 1. the current clusters are ordered by descending size (ties: smallest member index first) and
 *    each one's mean fingerprint is computed, split into the face half (the first `faceDim` values)
 *    and the cloth half (the rest); these are means of the weighted halves as stored in X;
 * 2. for each cluster i in that order that has not been merged into another one, every later cluster
 *    j not yet merged whose mean face half is at Euclidean distance < face_threshold from i's, OR whose
 *    mean cloth half is at distance < cloth_threshold from i's, is merged into i.
 * As in the reference, i's mean is NOT updated within a pass (j is compared with i's mean from the
 * start of the pass), and a cluster absorbed into i neither absorbs others nor is compared again in
 * that pass. Means are recomputed between passes; passes stop early once one merges nothing (later
 * passes would change nothing). Null labels (unclustered points) stay null and never contribute.
 *
 * Deliberate guards: a cluster whose mean cloth half is zero carries no clothing evidence and is
 * never merged by the cloth test; and a half that is the same in every fingerprint (its weight is
 * 0, faceDim equals the fingerprint length, or every chip shows the same padding) carries no
 * evidence, and its test is skipped; otherwise every pair of means would be at distance 0 in it and
 * everything would merge.
 *
 * With `groupsOf` (cannot-link, not part of the reference): a cluster j is not merged into i when a
 * point of j shares a group (a frame) with a point of i or of a cluster already merged into i in
 * this pass.
 *
 * Returns labels renumbered 0..k-1 by descending size (ties: smallest member index).
 */
export function mergeClusters(X: ArrayLike<number>[], labels: ArrayLike<number | null>, opts: MergeOptions): ClusterLabel[] {
  const faceDim = opts.faceDim ?? 128;
  const { face_threshold, cloth_threshold, iterations } = opts;
  if (X.length !== labels.length) throw new RangeError(`mergeClusters: ${X.length} fingerprints but ${labels.length} labels`);
  let current = renumberBySize(labels);
  if (X.length === 0) return current;
  const dim = X[0].length;
  if (faceDim < 0 || faceDim > dim) throw new RangeError(`mergeClusters: faceDim ${faceDim} outside 0..${dim}`);
  const useFace = faceDim > 0 && halfHasSignal(X, current, 0, faceDim);
  const useCloth = dim > faceDim && halfHasSignal(X, current, faceDim, dim);

  for (let pass = 0; pass < iterations; pass++) {
    // after renumberBySize, label order == descending size, ties by smallest member
    let k = 0;
    for (const l of current) if (l !== null && l + 1 > k) k = l + 1;
    if (k < 2) break;
    const means = clusterMeans(X, current, k, dim);
    // A cluster whose mean cloth half is zero (its clothing was never visible: close-ups, face
    // chips) has no clothing evidence; two of them would sit at cloth distance 0 and merge.
    const hasCloth = Array.from({ length: k }, (_, c) => norm(means, c, dim, faceDim, dim) > 1e-9);
    const into = new Int32Array(k).fill(-1); // cluster j merged into into[j]
    const groups = opts.groupsOf ? clusterGroups(opts.groupsOf, current, k) : null;
    let merges = 0;
    for (let i = 0; i < k; i++) {
      if (into[i] !== -1) continue;
      for (let j = i + 1; j < k; j++) {
        if (into[j] !== -1) continue;
        const close =
          (useFace && distance(means, i, j, dim, 0, faceDim) < face_threshold) ||
          (useCloth && hasCloth[i] && hasCloth[j] && distance(means, i, j, dim, faceDim, dim) < cloth_threshold);
        if (close && groups) {
          // cannot-link: j may not bring a group (frame) that i already holds
          const gi = groups[i],
            gj = groups[j];
          let clash = false;
          for (const g of gj)
            if (gi.has(g)) {
              clash = true;
              break;
            }
          if (clash) continue;
          for (const g of gj) gi.add(g);
        }
        if (close) {
          into[j] = i;
          merges++;
        }
      }
    }
    if (merges === 0) break;
    current = renumberBySize(current.map((l) => (l === null ? null : into[l] === -1 ? l : into[l])));
  }
  return current;
}

function clusterGroups(groupsOf: NonNullable<MergeOptions['groupsOf']>, labels: ClusterLabel[], k: number): Set<number>[] {
  const out = Array.from({ length: k }, () => new Set<number>());
  labels.forEach((l, p) => {
    if (l !== null) for (const g of Array.from(groupsOf[p])) out[l].add(g);
  });
  return out;
}

function clusterMeans(X: ArrayLike<number>[], labels: ClusterLabel[], k: number, dim: number): Float64Array {
  const sums = new Float64Array(k * dim);
  const counts = new Float64Array(k);
  for (let p = 0; p < X.length; p++) {
    const l = labels[p];
    if (l === null) continue;
    counts[l]++;
    const row = X[p],
      at = l * dim;
    for (let q = 0; q < dim; q++) sums[at + q] += row[q];
  }
  for (let c = 0; c < k; c++) for (let q = 0; q < dim; q++) sums[c * dim + q] /= counts[c];
  return sums;
}

function norm(means: Float64Array, c: number, dim: number, from: number, to: number): number {
  let s = 0;
  for (let q = from; q < to; q++) s += means[c * dim + q] ** 2;
  return Math.sqrt(s);
}

function distance(means: Float64Array, i: number, j: number, dim: number, from: number, to: number): number {
  let s = 0;
  for (let q = from; q < to; q++) {
    const t = means[i * dim + q] - means[j * dim + q];
    s += t * t;
  }
  return Math.sqrt(s);
}

/**
 * Whether a half varies across the clustered fingerprints. A half that is the same everywhere
 * (zero weight, or the same black padding in every face chip) carries no evidence: its test would
 * find every pair of means at distance 0 and merge everything.
 */
function halfHasSignal(X: ArrayLike<number>[], labels: ClusterLabel[], from: number, to: number): boolean {
  let ref: ArrayLike<number> | null = null;
  for (let p = 0; p < X.length; p++) {
    if (labels[p] === null) continue;
    const row = X[p];
    if (ref === null) {
      ref = row;
      continue;
    }
    for (let q = from; q < to; q++) if (Math.abs(row[q] - ref[q]) > 1e-12) return true;
  }
  return false;
}
