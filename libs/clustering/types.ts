/**
 * Structural types of libs/clustering. This lib imports nothing of the project (not even libs/config):
 * callers pass plain objects that happen to match these shapes.
 */

/** Linkage criteria supported by {@link linkage} (scipy's names). */
export type LinkageMethod = 'average' | 'single' | 'complete';

export const LINKAGE_METHODS: readonly LinkageMethod[] = ['average', 'single', 'complete'];

/** A cluster label after min_csize / merging: 0..k-1, or null for a point left unclustered. */
export type ClusterLabel = number | null;

/** A ground-truth or predicted identity for the quality metrics (any number or string; null = none). */
export type MetricLabel = number | string | null;

/**
 * A linkage matrix as scipy returns it, flattened row-major: row k (0-based) is
 * `[Z[4k], Z[4k+1], Z[4k+2], Z[4k+3]] = [left id, right id, distance, count]`, n - 1 rows.
 * Ids < n are observations, id n + k is the cluster formed at row k.
 */
export type LinkageMatrix = Float64Array;

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
  /** Cannot-link groups per point (cannot-link.ts): clusters sharing a group are never merged. Not in the reference. */
  groupsOf?: ArrayLike<ArrayLike<number>>;
}

/** Options of {@link clusterFingerprints}: the cluster-time options of the method (DESIGN.md steps 5-6). */
export interface ClusterParams {
  /**
   * Relative similarity in [0, 1]: cut height t = maxDist * (1 - sim) (the reference's); or 'auto':
   * t = autoCutHeight(Z, n, band) (auto-cut.ts), an absolute height for distances of known scale.
   */
  sim: number | 'auto';
  /** The band of the 'auto' cut. Default FACE_UNITS_BAND. */
  band?: { lo: number; hi: number };
  /** Clusters with fewer members become unclustered (null). */
  min_csize: number;
  method: LinkageMethod;
  /** Run {@link mergeClusters} after the cut. */
  merge: boolean;
  face_threshold: number;
  cloth_threshold: number;
  iterations: number;
  /** Face half length for merging. Default 128. */
  faceDim?: number;
  /** Worker threads for pdist (see {@link PdistOptions.threads}). */
  threads?: number;
}

/** A linkage computed earlier for the same fingerprints, method and weights: makes a new cut cheap. */
export interface CachedLinkage {
  Z: LinkageMatrix;
  /** max(pdist) of the same fingerprints. */
  maxDist: number;
}

export interface ClusterResult {
  /** One label per fingerprint: 0..k-1 numbered by descending cluster size, or null (unclustered). */
  labels: ClusterLabel[];
  Z: LinkageMatrix;
  maxDist: number;
}

export interface PdistOptions {
  /**
   * Threads to use (the calling thread included). Default: 'auto' = up to 2 (or the available
   * parallelism if lower) when the work is large enough to repay starting workers, else 1.
   */
  threads?: number | 'auto';
}

export interface PairwiseScores {
  precision: number;
  recall: number;
  f1: number;
}

/**
 * What the metrics do with a null prediction (an unclustered point):
 * - 'singletons': each null is its own one-member cluster (score.py's `nmi_all` and pairwise scores);
 * - 'drop': points predicted null are left out (score.py's `nmi_kept` and `purity_kept`).
 * Points whose truth is null are always left out (score.py ignores unlabelled faces).
 */
export type UnclusteredPolicy = 'singletons' | 'drop';

export interface MetricOptions {
  unclustered?: UnclusteredPolicy;
}
