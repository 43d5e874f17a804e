/** Face descriptors: face-api's 128-d vectors, compared as unit vectors (dot product = cosine). */
export const FACE_DIM = 128;

/** v / |v| as float32 (a zero vector stays zero: it matches nothing). */
export function unitVector(v: ArrayLike<number>): Float32Array {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  const out = new Float32Array(v.length);
  if (s === 0) return out;
  const inv = 1 / Math.sqrt(s);
  for (let i = 0; i < v.length; i++) out[i] = v[i] * inv;
  return out;
}

/** Mean of the unit vectors of `faces`, not re-normalised: a loose cluster scores lower against everyone. */
export function meanUnit(faces: readonly ArrayLike<number>[], dim = FACE_DIM): Float32Array {
  const out = new Float32Array(dim);
  if (faces.length === 0) return out;
  for (const f of faces) {
    const u = unitVector(f);
    for (let i = 0; i < dim; i++) out[i] += u[i];
  }
  for (let i = 0; i < dim; i++) out[i] /= faces.length;
  return out;
}
