import { test } from 'node:test';
import assert from 'node:assert/strict';
import { condensedBuffer, openPdist, pdist } from '../../../libs/clustering/index.js';
import { pdistRows } from '../../../libs/clustering/pdist-kernel.js';

function points(n: number, d: number, seed: number): Float64Array {
  const X = new Float64Array(n * d);
  for (let q = 0; q < X.length; q++) X[q] = Math.sin((q + 1) * 1.37 * seed) * Math.cos(q * 0.11 + seed);
  return X;
}

function mismatches(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let bad = 0;
  for (let p = 0; p < a.length; p++) if (!Object.is(a[p], b[p])) bad++;
  return a.length === b.length ? bad : Infinity;
}

test('wasm SIMD kernel = the sequential JS kernel bit for bit, for odd and even n and d (padding, lone rows, tiles)', () => {
  for (const [n, d] of [
    [2, 1],
    [3, 5],
    [9, 2],
    [17, 3],
    [130, 7],
    [257, 64],
  ]) {
    const X = points(n, d, n + d);
    const ref = new Float64Array((n * (n - 1)) / 2);
    pdistRows(X, n, d, ref, 0, n);
    for (const threads of [1, 2]) {
      const engine = openPdist(X, n, d, threads);
      try {
        assert.equal(engine.kernel, 'wasm', 'WebAssembly SIMD is available on Node 20+');
        const out = condensedBuffer(ref.length, 'float64', engine.shared);
        engine.rows(0, n, out, 0);
        assert.equal(mismatches(out, ref), 0, `n=${n} d=${d} threads=${threads}`);
      } finally {
        engine.close();
      }
    }
  }
});

test('rows(r0, r1, out, base): any row range (odd r0 too) into a buffer of just those rows, jobs one after another on the same workers', () => {
  const n = 301,
    d = 33;
  const X = points(n, d, 3);
  const full = pdist(
    Array.from({ length: n }, (_, i) => X.subarray(i * d, (i + 1) * d)),
    { threads: 1 },
  );
  for (const threads of [1, 2]) {
    const engine = openPdist(X, n, d, threads);
    try {
      for (const [r0, r1] of [
        [0, 64],
        [1, 2],
        [63, 200],
        [201, 301],
        [7, 300],
      ]) {
        const base = n * r0 - (r0 * (r0 + 1)) / 2;
        const end = n * r1 - (r1 * (r1 + 1)) / 2;
        for (const precision of ['float64', 'float32'] as const) {
          const out = condensedBuffer(end - base, precision, engine.shared);
          engine.rows(r0, r1, out, base);
          const want = precision === 'float32' ? Float32Array.from(full.subarray(base, end)) : full.subarray(base, end);
          assert.equal(mismatches(out, want), 0, `rows ${r0}..${r1} ${precision} threads=${threads}`);
        }
      }
    } finally {
      engine.close();
    }
  }
});
