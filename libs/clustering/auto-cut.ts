import { maxDistPerNode } from './fcluster.js';
import type { LinkageMatrix } from './types.js';
import { assertLinkageFits } from './linkage-shape.js';

/** A band of plausible cut heights, in the units of the distances the linkage was built from. */
export interface CutBand {
  lo: number;
  hi: number;
}

/**
 * The band of {@link autoCutHeight} for distances in face-descriptor units (libs/pipeline's
 * `face-units` distances): two appearances of one person described by face-api's 128-d descriptors
 * are typically closer than 0.3-0.45, two people further than 0.4-0.6 (docs/QUALITY.md measures it
 * on every labelled set). Average-linkage merge heights between those two regimes fall in this band.
 */
export const FACE_UNITS_BAND: Readonly<CutBand> = Object.freeze({ lo: 0.3, hi: 0.5 });

/**
 * Merges that join a group smaller than this (in points) are not read by {@link autoCutHeight}: a
 * stray point joining a cluster says little about where people separate, and such merges, at every
 * height, would split the band at random.
 */
export const AUTO_MIN_SIDE = 3;

export interface AutoCutOptions {
  /** Points per observation of Z (e.g. faces per track); default 1 each. */
  sizes?: ArrayLike<number>;
  /** Only merges whose two sides both hold at least this many points count. Default AUTO_MIN_SIDE. */
  minSide?: number;
}

/**
 * Automatic cut height of a dendrogram: the middle of the widest empty stretch of merge heights
 * inside a band, reading only the merges of two groups of some size.
 *
 * Parameters
 * ----------
 * Z : the linkage matrix (scipy layout, n - 1 rows).
 * n : the number of observations.
 * band : {lo, hi}, 0 <= lo < hi.
 * opts.sizes : points per observation (e.g. faces per track), default 1 each.
 * opts.minSide : default AUTO_MIN_SIDE (3).
 *
 * Returns
 * -------
 * t : the cut height for `fcluster(Z, t, 'distance')`.
 *
 * Notes
 * -----
 * A merge node counts when both its children hold at least minSide points (sums of `sizes` over
 * their observations). Let h_1 <= ... <= h_m be the heights of the counted nodes that lie strictly
 * inside (lo, hi), where a node's height is the largest merge distance in its subtree (the quantity
 * `fcluster(..., 'distance')` compares with t, so non-monotone trees are read as scipy reads them).
 * With the points p = [lo, h_1, ..., h_m, hi], the widest gap is the first k (lowest) maximising
 * p_{k+1} - p_k, and t = (p_k + p_{k+1}) / 2. Flat clusters are then the subtrees joined below the
 * gap: merges of groups inside the band but below it are "same person", above it are not.
 *
 * - No counted merge inside the band: t = (lo + hi) / 2 (an absolute threshold).
 * - Merges at exactly lo or hi are outside the band: they do not split it.
 * - Deterministic: it depends only on the multiset of counted heights (ties go to the lowest gap),
 *   not on the order of the observations.
 *
 * The band is what makes this free of per-video tuning: it is fixed by what a distance means
 * (for face units, {@link FACE_UNITS_BAND}), not by the largest distance of the video as the
 * reference's relative `sim` is. Within it the gap adapts to the video: people photographed in many
 * settings sit further apart from themselves than near-duplicate shots of one photo do.
 */
export function autoCutHeight(Z: LinkageMatrix, n: number, band: CutBand = FACE_UNITS_BAND, opts: AutoCutOptions = {}): number {
  const { lo, hi } = band;
  if (!(lo >= 0 && hi > lo && Number.isFinite(hi))) throw new RangeError(`autoCutHeight: band must satisfy 0 <= lo < hi < Infinity, got [${lo}, ${hi}]`);
  assertLinkageFits(Z, n, 'autoCutHeight');
  if (opts.sizes && opts.sizes.length !== n) throw new RangeError(`autoCutHeight: ${opts.sizes.length} sizes for n = ${n}`);
  const minSide = opts.minSide ?? AUTO_MIN_SIDE;
  const heights: number[] = [];
  if (n >= 2) {
    const md = maxDistPerNode(Z, n);
    const size = new Float64Array(2 * n - 1);
    for (let i = 0; i < n; i++) size[i] = opts.sizes ? opts.sizes[i] : 1;
    for (let r = 0; r < n - 1; r++) {
      const a = size[Z[4 * r]],
        b = size[Z[4 * r + 1]];
      size[n + r] = a + b;
      if (Math.min(a, b) >= minSide && md[r] > lo && md[r] < hi) heights.push(md[r]);
    }
    heights.sort((x, y) => x - y);
  }
  const p = [lo, ...heights, hi];
  let best = 0;
  for (let k = 1; k < p.length - 1; k++) if (p[k + 1] - p[k] > p[best + 1] - p[best]) best = k;
  return (p[best] + p[best + 1]) / 2;
}
