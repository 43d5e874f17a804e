/**
 * The pdist inner kernel in plain JS (the fallback where WebAssembly SIMD is unavailable, and the
 * reference the wasm kernel is tested against, pdist-wasm.ts).
 *
 * Writes the condensed Euclidean distances of rows i0 <= i < i1 against every j > i into `out`
 * (scipy's order: entry (i, j) at n*i - i*(i+1)/2 + (j - i - 1), less `base`).
 *
 * Exactness: each distance is sqrt(sum_k (x_ik - x_jk)^2) with the sum taken sequentially over k,
 * exactly as scipy's `pdist(X, 'euclidean')` (transform_reduce_2d_ accumulates each pair in order),
 * so both give bit-identical distances and therefore identical ties and cuts. Speed comes from
 * computing 2 rows x 4 columns of pairs per pass (8 independent accumulators: instruction-level
 * parallelism, without changing any pair's summation order) and from column tiles of 128 rows so
 * the rows being read stay in cache. A Float32Array `out` stores each float64 distance rounded to float32.
 */
export function pdistRows(X: Float64Array, n: number, d: number, out: Float64Array | Float32Array, i0: number, i1: number, base = 0): void {
  const TILE = 128;
  for (let J = i0 + 1; J < n; J += TILE) {
    const Jend = Math.min(n, J + TILE);
    for (let i = i0; i < i1; i += 2) {
      const o0 = i * d;
      let j = J > i + 1 ? J : i + 1;
      if (j >= Jend) continue;
      let p0 = n * i - (i * (i + 1)) / 2 + (j - i - 1) - base;
      if (i + 1 >= i1) {
        // a lone last row of the block
        for (; j < Jend; j++) {
          const oj = j * d;
          let s = 0;
          for (let k = 0; k < d; k++) {
            const t = X[o0 + k] - X[oj + k];
            s += t * t;
          }
          out[p0++] = Math.sqrt(s);
        }
        continue;
      }
      const i2 = i + 1,
        o1 = o0 + d;
      if (j === i2) {
        let s = 0;
        for (let k = 0; k < d; k++) {
          const t = X[o0 + k] - X[o1 + k];
          s += t * t;
        }
        out[p0++] = Math.sqrt(s);
        j++;
      }
      let p1 = n * i2 - (i2 * (i2 + 1)) / 2 + (j - i2 - 1) - base;
      for (; j + 3 < Jend; j += 4) {
        const a = j * d,
          b = a + d,
          c = b + d,
          e = c + d;
        let s0 = 0,
          s1 = 0,
          s2 = 0,
          s3 = 0,
          u0 = 0,
          u1 = 0,
          u2 = 0,
          u3 = 0;
        for (let k = 0; k < d; k++) {
          const x = X[o0 + k],
            y = X[o1 + k];
          const xa = X[a + k],
            xb = X[b + k],
            xc = X[c + k],
            xe = X[e + k];
          let t = x - xa;
          s0 += t * t;
          t = x - xb;
          s1 += t * t;
          t = x - xc;
          s2 += t * t;
          t = x - xe;
          s3 += t * t;
          t = y - xa;
          u0 += t * t;
          t = y - xb;
          u1 += t * t;
          t = y - xc;
          u2 += t * t;
          t = y - xe;
          u3 += t * t;
        }
        out[p0] = Math.sqrt(s0);
        out[p0 + 1] = Math.sqrt(s1);
        out[p0 + 2] = Math.sqrt(s2);
        out[p0 + 3] = Math.sqrt(s3);
        out[p1] = Math.sqrt(u0);
        out[p1 + 1] = Math.sqrt(u1);
        out[p1 + 2] = Math.sqrt(u2);
        out[p1 + 3] = Math.sqrt(u3);
        p0 += 4;
        p1 += 4;
      }
      for (; j < Jend; j++) {
        const oj = j * d;
        let s = 0,
          u = 0;
        for (let k = 0; k < d; k++) {
          const xj = X[oj + k];
          let t = X[o0 + k] - xj;
          s += t * t;
          t = X[o1 + k] - xj;
          u += t * t;
        }
        out[p0++] = Math.sqrt(s);
        out[p1++] = Math.sqrt(u);
      }
    }
  }
}
