import type { LinkageMatrix } from './types.js';

/**
 * A linkage matrix as bytes for a database column: the (n-1) x 4 values, row-major, each an IEEE-754
 * float64 little-endian (8 * 4 * (n-1) bytes; exact, so a cached tree cuts exactly as a fresh one).
 */
export function linkageToBuffer(Z: LinkageMatrix): Buffer {
  if (Z.length % 4 !== 0) throw new RangeError(`linkageToBuffer: length ${Z.length} is not a multiple of 4`);
  const buf = Buffer.alloc(Z.length * 8);
  for (let q = 0; q < Z.length; q++) buf.writeDoubleLE(Z[q], q * 8);
  return buf;
}

/** Inverse of {@link linkageToBuffer}; checks the length and returns the number of points n too. */
export function linkageFromBuffer(buf: Uint8Array): { Z: LinkageMatrix; n: number } {
  if (buf.byteLength % 32 !== 0) throw new RangeError(`linkageFromBuffer: ${buf.byteLength} bytes is not a whole number of rows`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const Z = new Float64Array(buf.byteLength / 8);
  for (let q = 0; q < Z.length; q++) Z[q] = view.getFloat64(q * 8, true);
  return { Z, n: Z.length / 4 + 1 };
}
