import type { Condensed, Precision } from '../clustering/index.js';
import { NEUTRAL_SHARE, faceShare } from './face-quality.js';
import { forEachDistanceChunk, packRows, resultBuffer, sampledClothRatio } from './distance-chunks.js';

export type DistanceScale = 'fingerprint' | 'face-units';

export interface PairDistanceOptions {
  /**
   * 'fingerprint': the scale of the reference's fingerprints (distances grow with the weights);
   * 'face-units': a weighted mean of the two halves with the cloth half rescaled to the face
   * descriptor's scale, so a fixed height means the same on every video (the 'auto' cut needs it).
   */
  scale: DistanceScale;
  /** Per-face quality in [0, 1], or null (unknown: neutral). Omitted: every pair is neutral. */
  quality?: readonly (number | null)[];
  /**
   * Shot-aware fusion (shots.ts): false for a pair across a cut, whose clothing may bring it together
   * but never push it apart. Omitted: clothing counts the same for every pair.
   */
  clothCounts?: ((i: number, j: number) => boolean) | null;
  /** 'auto' (default): float64 up to EXACT_MAX_N faces, float32 above (libs/clustering's rule). */
  precision?: Precision | 'auto';
}

/**
 * Condensed distances between appearances, for the 'auto' cut and face quality weighting.
 *
 * With f, c the L2-normalised face and cloth vectors (a zero vector stays zero), (w_f, w_c) the
 * face_cloth_weights, for a pair (i, j):
 *   df = |f_i − f_j|, dc = |c_i − c_j|;
 *   ρ  = median(dc / df) over pairs where both show clothing and df > 0 (≤ 200,000 pairs sampled
 *        with a fixed stride; 1 when there is none): the typical scale of the cloth half against the face half;
 *   a missing cloth half (zero vector) is unknown, not different: if i or j shows none, dc := ρ · df
 *   (as appearance-distances.ts);
 *   A  = faceShare(q_i, q_j) (face-quality.ts) with quality, else 0.5: the face half's share;
 *   with `clothCounts(i, j)` false (shot-aware fusion: a pair across a cut, where people may have
 *   changed clothes), d := min(d, d_face), d_face being d at A = 1 (the face half alone): a clothing
 *   change cannot split the pair (the face decides how far apart it is), while clothing that matches
 *   may still bring it closer, as within a shot. Only with w_f > 0 (a cloth-only fingerprint has no
 *   face to decide).
 * Then
 *   'fingerprint': d² = 2A·w_f²·df² + 2(1 − A)·w_c²·dc²  (A = 0.5: the reference's Euclidean distance
 *                  of the fingerprints, with missing clothing imputed);
 *   'face-units':  d² = (2A·w_f²·df² + 2(1 − A)·w_c²·(dc/ρ)²) / (2A·w_f² + 2(1 − A)·w_c²),
 *                  a weighted mean of the face distance and the rescaled cloth distance: same-person
 *                  pairs land below ~0.4 whatever the encoder or the weights' scale. When the
 *                  denominator is 0 (one weight 0 and A at the other extreme) the half with a
 *                  non-zero weight alone counts.
 * Returns the condensed matrix (scipy order), length n(n-1)/2: float64 up to EXACT_MAX_N faces, float32
 * above (each value computed in float64, then rounded once). Memory: the result plus two chunks of
 * face/cloth distances (distance-chunks.ts); the face and cloth matrices are never held whole, so
 * n = 50,000 needs 5 GB, not the 30 GB of three float64 matrices.
 */
export function pairDistances(
  face: readonly ArrayLike<number>[],
  cloth: readonly ArrayLike<number>[],
  weights: readonly [number, number],
  opts: PairDistanceOptions,
): Condensed {
  const n = face.length;
  if (cloth.length !== n) throw new RangeError(`pairDistances: ${n} faces but ${cloth.length} cloth vectors`);
  if (opts.quality && opts.quality.length !== n) throw new RangeError(`pairDistances: ${opts.quality.length} qualities for ${n} faces`);
  const F = packRows(face.map(normalised));
  const C = packRows(cloth.map(normalised));
  const dressed: boolean[] = [];
  for (let i = 0; i < n; i++) dressed.push(C.data.subarray(i * C.d, (i + 1) * C.d).some((v) => v !== 0));
  const anyDressed = dressed.some(Boolean);
  const rho = anyDressed ? positiveRatio(sampledClothRatio(n, F, C, dressed)) : 1;
  const [wf, wc] = weights;
  const wf2 = wf * wf,
    wc2 = wc * wc;
  const q = opts.quality;
  const out = resultBuffer(n, opts.precision);
  forEachDistanceChunk(n, F, anyDressed ? C : null, (r0, r1, base, df, dc) => {
    let p = base;
    for (let i = r0; i < r1; i++) {
      for (let j = i + 1; j < n; j++, p++) {
        const A = q ? faceShare(q[i], q[j]) : NEUTRAL_SHARE;
        const fd = df[p - base];
        const cd = dc !== null && dressed[i] && dressed[j] ? dc[p - base] : rho * fd;
        const a = 2 * A * wf2,
          b = 2 * (1 - A) * wc2;
        let v: number;
        if (opts.scale === 'fingerprint') {
          v = Math.sqrt(a * fd * fd + b * cd * cd);
        } else {
          const cn = cd / rho;
          const den = a + b;
          v = den > 0 ? Math.sqrt((a * fd * fd + b * cn * cn) / den) : wf > 0 ? fd : cn;
        }
        if (wf > 0 && opts.clothCounts && !opts.clothCounts(i, j)) {
          // The face half alone (A = 1): in face units that is the face distance itself.
          const faceOnly = opts.scale === 'fingerprint' ? Math.sqrt(2 * wf2) * fd : fd;
          if (faceOnly < v) v = faceOnly;
        }
        out[p] = v;
      }
    }
  });
  return out;
}

/** v / |v| as float64; a zero vector stays zero. */
export function normalised(v: ArrayLike<number>): Float64Array {
  let ss = 0;
  for (let k = 0; k < v.length; k++) ss += v[k] * v[k];
  const norm = Math.sqrt(ss);
  const out = new Float64Array(v.length);
  if (norm === 0) return out;
  for (let k = 0; k < v.length; k++) out[k] = v[k] / norm;
  return out;
}

function positiveRatio(r: number): number {
  return r > 0 ? r : 1;
}
