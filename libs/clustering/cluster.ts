import { autoCutHeight } from './auto-cut.js';
import { cutAtSim, fcluster } from './fcluster.js';
import { linkage } from './linkage.js';
import { mergeClusters } from './merge.js';
import { applyMinSize, renumberBySize } from './min-size.js';
import { maxDistance, pdist } from './pdist.js';
import type { CachedLinkage, ClusterParams, ClusterResult, Condensed } from './types.js';
import { LINKAGE_METHODS, resolvePrecision } from './types.js';
import { assertLinkageFits } from './linkage-shape.js';

/**
 * The whole clustering of the method (DESIGN.md steps 5-6) on fingerprints X:
 * pdist → maxDist → linkage(method) → cut at t = maxDist * (1 - sim) (scipy's fcluster 'distance';
 * sim 'auto': t = autoCutHeight(Z, n, band))
 * → min_csize (small clusters become null) → merging (if `merge`, `iterations` passes)
 * → labels 0..k-1 by descending size (ties: smallest member index).
 *
 * With `cached` (Z and maxDist computed earlier for the same X and method) neither pdist nor linkage
 * runs: a new sim / min_csize / merge setting is a cheap cut of the cached tree. Returns the labels and
 * the Z / maxDist used, to be cached by the caller.
 *
 * Precision ({@link ClusterParams.precision}): up to EXACT_MAX_N points the distances and the linkage
 * are float64 and the result is scipy's; above, float32 (see linkage.ts for where that can differ).
 */
export function clusterFingerprints(X: ArrayLike<number>[], params: ClusterParams, cached?: CachedLinkage): ClusterResult {
  const n = X.length;
  if (cached) return finish(X, n, params, cached.Z, cached.maxDist);
  const condensed = pdist(X, { threads: params.threads ?? 'auto', precision: resolvePrecision(params.precision, n) });
  const maxDist = maxDistance(condensed);
  const Z = linkage(condensed, n, checkMethod(params.method), { overwrite: true });
  return finish(X, n, params, Z, maxDist);
}

export interface DistanceClusterInput {
  /** The fingerprints, needed only when `params.merge` is on (merging compares mean halves). */
  X?: ArrayLike<number>[];
  cached?: CachedLinkage;
  /** Let linkage destroy `condensed` instead of copying it. */
  overwrite?: boolean;
}

/**
 * {@link clusterFingerprints} on a precomputed condensed distance matrix of n points (e.g. a custom
 * distance). maxDist is the largest of these distances. Merging still works on fingerprints, so pass
 * `X` when `params.merge` is true and iterations > 0.
 */
export function clusterDistances(condensed: Condensed, n: number, params: ClusterParams, input: DistanceClusterInput = {}): ClusterResult {
  const needX = params.merge && params.iterations > 0;
  if (needX && (!input.X || input.X.length !== n)) throw new RangeError('clusterDistances: merging needs the n fingerprints X');
  const X = input.X ?? [];
  if (input.cached) return finish(X, n, params, input.cached.Z, input.cached.maxDist);
  const maxDist = maxDistance(condensed);
  const Z = linkage(condensed, n, checkMethod(params.method), { overwrite: input.overwrite ?? false });
  return finish(X, n, params, Z, maxDist);
}

function finish(X: ArrayLike<number>[], n: number, params: ClusterParams, Z: Float64Array, maxDist: number): ClusterResult {
  assertLinkageFits(Z, n, 'cached linkage');
  const flat = params.sim === 'auto' ? fcluster(Z, n, autoCutHeight(Z, n, params.band)) : cutAtSim(Z, n, params.sim, maxDist);
  let labels = applyMinSize(flat, params.min_csize);
  if (params.merge && params.iterations > 0) {
    labels = mergeClusters(X, labels, {
      faceDim: params.faceDim ?? 128,
      face_threshold: params.face_threshold,
      cloth_threshold: params.cloth_threshold,
      iterations: params.iterations,
    });
  }
  return { labels: renumberBySize(labels), Z, maxDist };
}

function checkMethod(m: ClusterParams['method']): ClusterParams['method'] {
  if (!LINKAGE_METHODS.includes(m)) throw new RangeError(`unknown linkage method ${JSON.stringify(m)}`);
  return m;
}
