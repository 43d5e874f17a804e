/**
 * Structural types of libs/clustering. This lib imports nothing of the project (not even libs/config):
 * callers pass plain objects that happen to match these shapes.
 */

/** Linkage criteria supported by {@link linkage} (scipy's names). */
export type LinkageMethod = 'average' | 'single' | 'complete';

export const LINKAGE_METHODS: readonly LinkageMethod[] = ['average', 'single', 'complete'];

/**
 * A condensed distance matrix (scipy's order, n(n-1)/2 entries). Float64Array is the exact path
 * (bit-identical to scipy); Float32Array halves memory and bandwidth for large n (see
 * {@link PdistOptions.precision} and linkage.ts for what it changes).
 */
export type Condensed = Float64Array | Float32Array;

/** Storage precision of a condensed matrix. */
export type Precision = 'float64' | 'float32';

/** A cluster label after min_csize: 0..k-1, or null for a point left unclustered. */
export type ClusterLabel = number | null;

/** A ground-truth or predicted identity for the quality metrics (any number or string; null = none). */
export type MetricLabel = number | string | null;

/**
 * A linkage matrix as scipy returns it, flattened row-major: row k (0-based) is
 * `[Z[4k], Z[4k+1], Z[4k+2], Z[4k+3]] = [left id, right id, distance, count]`, n - 1 rows.
 * Ids < n are observations, id n + k is the cluster formed at row k.
 */
export type LinkageMatrix = Float64Array;

/**
 * Largest n clustered in float64 by default: its condensed matrix is 1.6 GB (3.2 GB with the linkage's
 * mirror). Above it the default is float32 (at n = 50,000: 5 GB, no mirror, instead of 20 GB).
 */
export const EXACT_MAX_N = 20_000;

/** The precision 'auto' resolves to for n points. */
export function resolvePrecision(p: Precision | 'auto' | undefined, n: number): Precision {
  if (p === 'float64' || p === 'float32') return p;
  if (p !== undefined && p !== 'auto') throw new RangeError(`precision must be float64, float32 or auto, got ${JSON.stringify(p)}`);
  return n > EXACT_MAX_N ? 'float32' : 'float64';
}

/** A linkage computed earlier for the same fingerprints, method and weights: makes a new cut cheap. */
export interface CachedLinkage {
  Z: LinkageMatrix;
  /** max(pdist) of the same fingerprints. */
  maxDist: number;
}

export interface PdistOptions {
  /**
   * Threads to use (the calling thread included). Default: 'auto' = up to 2 (or the available
   * parallelism if lower) when the work is large enough to repay starting workers, else 1.
   */
  threads?: number | 'auto';
  /**
   * 'float64' (default): scipy's values bit for bit. 'float32': each distance is computed exactly as
   * in float64 (same summation) and then rounded to the nearest float32 (relative error <= 2^-24).
   */
  precision?: Precision;
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
