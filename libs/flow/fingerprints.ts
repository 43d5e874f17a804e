/**
 * Fingerprints (DESIGN.md step 4): each appearance is
 * `concat(face / |face| * w_face, cloth / |cloth| * w_cloth)`.
 *
 * |v| is the Euclidean norm (sequential sum of squares). A zero vector (norm 0) stays zero rather than
 * becoming NaN: an appearance without a usable crop simply carries no evidence in that half.
 * face[i] and cloth[i] describe the same appearance; every face must have the same length, and every
 * cloth vector too (the halves may differ from each other).
 */
export function fingerprints(face: ArrayLike<number>[], cloth: ArrayLike<number>[], weights: readonly [number, number]): Float64Array[] {
  if (face.length !== cloth.length) throw new RangeError(`fingerprints: ${face.length} faces but ${cloth.length} cloth vectors`);
  const [wFace, wCloth] = weights;
  const out: Float64Array[] = [];
  const df = face[0]?.length ?? 0;
  const dc = cloth[0]?.length ?? 0;
  for (let i = 0; i < face.length; i++) {
    const f = face[i],
      c = cloth[i];
    if (f.length !== df || c.length !== dc) throw new RangeError(`fingerprints: row ${i} has lengths ${f.length}/${c.length}, expected ${df}/${dc}`);
    const v = new Float64Array(df + dc);
    writeScaled(v, 0, f, wFace);
    writeScaled(v, df, c, wCloth);
    out.push(v);
  }
  return out;
}

function writeScaled(dst: Float64Array, at: number, src: ArrayLike<number>, weight: number): void {
  let ss = 0;
  for (let k = 0; k < src.length; k++) ss += src[k] * src[k];
  const norm = Math.sqrt(ss);
  if (norm === 0) return; // stays zero
  for (let k = 0; k < src.length; k++) dst[at + k] = (src[k] / norm) * weight;
}

/** The face half of a fingerprint: its first `faceDim` values (a view, not a copy, for typed arrays). */
export function faceHalf(x: Float64Array, faceDim = 128): Float64Array {
  return x.subarray(0, faceDim);
}

/** The cloth half of a fingerprint: the values after the first `faceDim` (a view, not a copy). */
export function clothHalf(x: Float64Array, faceDim = 128): Float64Array {
  return x.subarray(faceDim);
}
