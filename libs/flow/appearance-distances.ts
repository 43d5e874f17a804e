import type { Condensed } from '../clustering/index.js';
import { forEachDistanceChunk, packRows, RATIO_SAMPLE, resultBuffer, sampledClothRatio } from './distance-chunks.js';

/**
 * Condensed distances between fingerprints when some appearances have no clothing evidence (their
 * cloth half is zero: close-ups, faces at the frame's bottom edge). The plain Euclidean distance
 * would put such an appearance at distance w_cloth from every dressed one, as if it wore different
 * clothes, and split close-ups from wide shots of the same person. Here a missing cloth half is
 * unknown, not different: the cloth term is assumed to agree as well as the faces do, scaled by the
 * typical ratio r = median(|cloth_i − cloth_j| / |face_i − face_j|) over pairs that both show clothing:
 *   d(i, j)² = |face_i − face_j|² + (both dressed ? |cloth_i − cloth_j|² : (r · |face_i − face_j|)²)
 * When every appearance (or none) shows clothing this is the plain Euclidean distance of the
 * fingerprints (scipy-identical results are kept there), and null is returned so the caller can take
 * the plain path. Float64 up to EXACT_MAX_N appearances, float32 above; computed a chunk of rows at a
 * time (distance-chunks.ts), never holding the face or cloth matrix whole.
 */
export function appearanceDistances(X: Float64Array[], faceDim: number): Condensed | null {
  const n = X.length;
  const dressed = X.map((x) => x.subarray(faceDim).some((v) => v !== 0));
  const count = dressed.filter(Boolean).length;
  if (count === 0 || count === n) return null;
  const F = packRows(X.map((x) => x.subarray(0, faceDim)));
  const C = packRows(X.map((x) => x.subarray(faceDim)));
  const r = sampledClothRatio(n, F, C, dressed);
  const out = resultBuffer(n);
  forEachDistanceChunk(n, F, C, (r0, r1, base, faceD, clothD) => {
    let p = base;
    for (let i = r0; i < r1; i++) {
      for (let j = i + 1; j < n; j++, p++) {
        const f = faceD[p - base];
        const c = clothD !== null && dressed[i] && dressed[j] ? clothD[p - base] : r * f;
        out[p] = Math.sqrt(f * f + c * c);
      }
    }
  });
  return out;
}

/**
 * The median of clothD / faceD over pairs where both faces show clothing and faceD > 0, sampled with a
 * fixed stride (at most RATIO_SAMPLE pairs); 1 when there is no such pair. It may be 0 (identical clothing).
 */
export function medianClothRatio(faceD: Float64Array, clothD: Float64Array, dressed: readonly boolean[]): number {
  const n = dressed.length;
  const total = (n * (n - 1)) / 2;
  const stride = Math.max(1, Math.floor(total / RATIO_SAMPLE));
  const values: number[] = [];
  let p = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++, p++) {
      if (p % stride === 0 && dressed[i] && dressed[j] && faceD[p] > 0) values.push(clothD[p] / faceD[p]);
    }
  }
  if (values.length === 0) return 1;
  values.sort((a, b) => a - b);
  return values[Math.floor(values.length / 2)];
}
