/** Fingerprint vectors are stored as raw little-endian float32 bytes (128 floats = 512 bytes). */

export function float32ToBytes(v: Float32Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(v.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < v.length; i++) view.setFloat32(i * 4, v[i], true);
  return out;
}

export function bytesToFloat32(b: Uint8Array): Float32Array {
  if (b.byteLength % 4 !== 0) throw new Error(`vector bytes length ${b.byteLength} is not a multiple of 4`);
  const out = new Float32Array(b.byteLength / 4);
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

export function float64ToBytes(v: Float64Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(v.length * 8);
  const view = new DataView(out.buffer);
  for (let i = 0; i < v.length; i++) view.setFloat64(i * 8, v[i], true);
  return out;
}

export function bytesToFloat64(b: Uint8Array): Float64Array {
  if (b.byteLength % 8 !== 0) throw new Error(`bytes length ${b.byteLength} is not a multiple of 8`);
  const out = new Float64Array(b.byteLength / 8);
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat64(i * 8, true);
  return out;
}
