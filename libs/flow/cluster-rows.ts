import type { ClusterOptions } from '../config/index.js';
import {
  linkage,
  maxDistance,
  pdist,
  resolvePrecision,
  singletonUnits,
  type CachedLinkage,
  type ClusterLabel,
  type Condensed,
  type Precision,
} from '../clustering/index.js';
import { cutTree } from './cut-tree.js';

/** The options of {@link clusterRows}: the method and those that cut. */
export type RowClusterOptions = Pick<ClusterOptions, 'sim' | 'min_csize' | 'method' | 'merge' | 'face_threshold' | 'cloth_threshold' | 'iterations'>;

export interface RowClusterInput {
  /** Length of the face half of each row (merging compares the halves). Default 128. */
  faceDim?: number;
  /** A tree computed earlier for the same rows and method: only the cut runs. */
  cache?: CachedLinkage;
  /** The rows' condensed distances, when the caller has them (destroyed: the linkage works in them). Default: pdist. */
  distances?: Condensed;
  /** Of pdist: 'auto' (default) is float64 up to EXACT_MAX_N rows, float32 above. */
  precision?: Precision | 'auto';
  /** pdist's threads (default 'auto'). */
  threads?: number;
}

/**
 * The reference method (DESIGN.md steps 5-6) on rows used as given, already fingerprints (`keycast cluster`):
 * Euclidean pdist → maxDist → linkage(method) → cutTree (cut at maxDist·(1 − sim), or the auto cut; min_csize;
 * merging on the rows' halves). Up to EXACT_MAX_N rows the distances and the linkage are float64 and the result is
 * scipy's. Returns the labels and the tree, to be cached by the caller.
 */
export function clusterRows(X: ArrayLike<number>[], opts: RowClusterOptions, input: RowClusterInput = {}): { labels: ClusterLabel[] } & CachedLinkage {
  const n = X.length;
  let tree = input.cache;
  if (!tree) {
    const d = input.distances ?? pdist(X, { threads: input.threads ?? 'auto', precision: resolvePrecision(input.precision, n) });
    const maxDist = maxDistance(d);
    tree = { Z: linkage(d, n, opts.method, { overwrite: true }), maxDist };
  }
  const labels = cutTree(tree, X, opts, { units: singletonUnits(n), unitGroups: null, faceDim: input.faceDim ?? 128 });
  return { labels, ...tree };
}
