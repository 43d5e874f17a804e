/**
 * Index helpers for the two triangular layouts used by the linkage algorithms.
 *
 * Upper (scipy's condensed order): entry (i, j), i < j, at rowStart[i] + j, so row i (its j > i) is
 * contiguous. Lower: entry (i, j), i < j, at lowStart[j] + i, so "column" j (its i < j) is contiguous.
 * Keeping both lets every scan of a point's distances read memory in order: in the upper layout
 * alone, the i < x half of x's distances is a stride-(n - i) walk, one cache line and one 4 KiB page
 * per value, which made linkage 2-2.5x slower than scipy (numpy asks for huge pages, V8 does not).
 */
export function upperRowStarts(n: number): Float64Array {
  const r = new Float64Array(n);
  for (let i = 0; i < n; i++) r[i] = n * i - (i * (i + 1)) / 2 - i - 1;
  return r;
}

export function lowerRowStarts(n: number): Float64Array {
  const r = new Float64Array(n);
  for (let j = 0; j < n; j++) r[j] = (j * (j - 1)) / 2;
  return r;
}

/**
 * The lower-layout copy of an upper (condensed) matrix, same element type, by 64 x 64 tiles to stay in cache; into
 * `L` when given (U's type and length: every value is written), else a new array.
 */
export function lowerTriangle<T extends Float64Array | Float32Array>(U: T, n: number, into?: T): T {
  const rowStart = upperRowStarts(n),
    lowStart = lowerRowStarts(n);
  if (into && (into.length !== U.length || into instanceof Float32Array !== U instanceof Float32Array))
    throw new RangeError("lowerTriangle: the mirror must have the matrix's type and length");
  const L = into ?? ((U instanceof Float32Array ? new Float32Array(U.length) : new Float64Array(U.length)) as T);
  const B = 64;
  for (let I = 0; I < n; I += B) {
    const Iend = Math.min(n, I + B);
    for (let J = I; J < n; J += B) {
      const Jend = Math.min(n, J + B);
      for (let i = I; i < Iend; i++) {
        const ri = rowStart[i];
        for (let j = Math.max(J, i + 1); j < Jend; j++) L[lowStart[j] + i] = U[ri + j];
      }
    }
  }
  return L;
}
