import { resolvePrecision, type Condensed, type Precision } from '../clustering/index.js';
import { NEUTRAL_SHARE } from './face-quality.js';
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
 * n = 50,000 needs 5 GB, not the 30 GB of three float64 matrices. With `out` (a condensed matrix of the result's
 * type and length, e.g. a reused buffer) the result is written there, every value.
 */
export function pairDistances(
  face: readonly ArrayLike<number>[],
  cloth: readonly ArrayLike<number>[],
  weights: readonly [number, number],
  opts: PairDistanceOptions,
  into?: Condensed,
): Condensed {
  return pairDistancesAndMax(face, cloth, weights, opts, into).d;
}

/**
 * {@link pairDistances} and the largest of them (libs/clustering maxDistance of the result: the same value), taken in
 * the loop that computes them instead of another pass over the matrix.
 */
export function pairDistancesAndMax(
  face: readonly ArrayLike<number>[],
  cloth: readonly ArrayLike<number>[],
  weights: readonly [number, number],
  opts: PairDistanceOptions,
  into?: Condensed,
): { d: Condensed; maxDist: number } {
  const out = into ?? resultBuffer(face.length, opts.precision);
  const f32 = resolvePrecision(opts.precision ?? 'auto', face.length) === 'float32';
  if (out.length !== (face.length * (face.length - 1)) / 2 || out instanceof Float32Array !== f32)
    throw new RangeError("pairDistances: `into` must have the result's type and length");
  // A float64 result holds each chunk's fused distances already (the chunk is `out` itself).
  const direct = out instanceof Float64Array ? out : undefined;
  const max = forEachPairDistanceChunk(
    face,
    cloth,
    weights,
    opts,
    (r0, r1, base, v, count) => {
      if (v.buffer !== out.buffer) out.set(v.subarray(0, count), base);
    },
    direct,
  );
  // Rounding to float32 is monotonic: the largest rounded value is the rounded largest.
  return { d: out, maxDist: f32 ? Math.fround(max) : max };
}

/**
 * {@link pairDistances} a chunk of condensed rows at a time, never holding the whole matrix:
 * `visit(r0, r1, base, v, count)` gets rows r0 <= i < r1, where v[p - base] (p - base < count) is the
 * distance of the pair at condensed index p, in float64 (pairDistances stores them, rounded to float32
 * above EXACT_MAX_N; clusterFaces averages them into tracks' distances as they come). `v` is a working
 * buffer reused for the next chunk: the visitor may change it (cannot-links), not keep it. Returns the largest
 * distance (float64, before any rounding; 0 when there is none), taken as each is computed.
 */
export function forEachPairDistanceChunk(
  face: readonly ArrayLike<number>[],
  cloth: readonly ArrayLike<number>[],
  weights: readonly [number, number],
  opts: PairDistanceOptions,
  visit: (r0: number, r1: number, base: number, v: Float64Array, count: number) => void,
  into?: Float64Array,
): number {
  const n = face.length;
  if (cloth.length !== n) throw new RangeError(`pairDistances: ${n} faces but ${cloth.length} cloth vectors`);
  if (opts.quality && opts.quality.length !== n) throw new RangeError(`pairDistances: ${opts.quality.length} qualities for ${n} faces`);
  const F = packRows(face.map(normalised));
  const C = packRows(cloth.map(normalised));
  const dressed = new Uint8Array(n);
  for (let i = 0; i < n; i++) dressed[i] = C.data.subarray(i * C.d, (i + 1) * C.d).some((v) => v !== 0) ? 1 : 0;
  const anyDressed = dressed.includes(1);
  const rho = anyDressed ? positiveRatio(sampledClothRatio(n, F, C, Array.from(dressed, Boolean))) : 1;
  const [wf, wc] = weights;
  const wf2 = wf * wf,
    wc2 = wc * wc;
  // The qualities as typed arrays for the pair loop, which applies faceShare's rule (face-quality.ts) inline:
  // the minimum of two known qualities, else NEUTRAL_SHARE.
  const qv = new Float64Array(n);
  const qKnown = new Uint8Array(n);
  opts.quality?.forEach((x, i) => {
    if (x !== null) {
      qv[i] = x;
      qKnown[i] = 1;
    }
  });
  const fingerprint = opts.scale === 'fingerprint';
  const clothCounts = wf > 0 ? (opts.clothCounts ?? null) : null;
  // The face half alone (A = 1): in face units that is the face distance itself.
  const faceOnlyScale = fingerprint ? Math.sqrt(2 * wf2) : 1;
  let max = 0;
  forEachDistanceChunk(
    n,
    F,
    anyDressed ? C : null,
    (r0, r1, base, df, dc) => {
      // Each pair's face distance is read, then overwritten by its fused distance at the same index.
      const v = df as Float64Array;
      let p = 0;
      for (let i = r0; i < r1; i++) {
        const di = dressed[i] === 1 && dc !== null;
        const qi = qv[i],
          ki = qKnown[i];
        for (let j = i + 1; j < n; j++, p++) {
          const A = ki === 1 && qKnown[j] === 1 ? Math.min(qi, qv[j]) : NEUTRAL_SHARE;
          const fd = v[p];
          const cd = di && dressed[j] === 1 ? dc[p] : rho * fd;
          const a = 2 * A * wf2,
            b = 2 * (1 - A) * wc2;
          let x: number;
          if (fingerprint) {
            x = Math.sqrt(a * fd * fd + b * cd * cd);
          } else {
            const cn = cd / rho;
            const den = a + b;
            x = den > 0 ? Math.sqrt((a * fd * fd + b * cn * cn) / den) : wf > 0 ? fd : cn;
          }
          if (clothCounts !== null && !clothCounts(i, j)) {
            const faceOnly = faceOnlyScale * fd;
            if (faceOnly < x) x = faceOnly;
          }
          v[p] = x;
          if (x > max) max = x;
        }
      }
      visit(r0, r1, base, v, p);
    },
    undefined,
    into,
  );
  return max;
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
