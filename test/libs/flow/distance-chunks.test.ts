// The flow's distances a chunk of rows at a time (memory-safe at n = 50,000): the same values as the
// whole-matrix computation they replace, float32 above EXACT_MAX_N.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pdist } from '../../../libs/clustering/index.js';
import { appearanceDistances, faceShare, fingerprints, medianClothRatio, NEUTRAL_SHARE, pairDistances } from '../../../libs/flow/index.js';
import { forEachDistanceChunk, packRows, sampledClothRatio } from '../../../libs/flow/distance-chunks.js';

function rand(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/** n faces (d-dim) and cloth vectors (a third of them missing: zero), clustered around a few people. */
function appearances(n: number, d: number, seed: number): { F: number[][]; C: number[][]; q: (number | null)[] } {
  const r = rand(seed);
  const centres = Array.from({ length: 6 }, () => Array.from({ length: d }, () => r() - 0.5));
  const F: number[][] = [],
    C: number[][] = [],
    q: (number | null)[] = [];
  for (let i = 0; i < n; i++) {
    const c = centres[i % 6];
    F.push(c.map((v) => v + 0.1 * (r() - 0.5)));
    C.push(i % 3 === 0 ? new Array<number>(d).fill(0) : c.map((v) => -v + 0.3 * (r() - 0.5)));
    q.push(i % 7 === 0 ? null : r());
  }
  return { F, C, q };
}

function mismatches(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let bad = 0;
  for (let p = 0; p < a.length; p++) if (!Object.is(a[p], b[p])) bad++;
  return a.length === b.length ? bad : Infinity;
}

const unit = (v: ArrayLike<number>) => {
  let ss = 0;
  for (let k = 0; k < v.length; k++) ss += v[k] * v[k];
  const norm = Math.sqrt(ss);
  return Float64Array.from(v, (x) => (norm === 0 ? 0 : x / norm));
};

/** pairDistances as it was before chunking: the whole face and cloth matrices, then the fusion. */
function wholeMatrixPairDistances(
  face: number[][],
  cloth: number[][],
  [wf, wc]: [number, number],
  scale: 'fingerprint' | 'face-units',
  q: (number | null)[] | undefined,
  clothCounts: ((i: number, j: number) => boolean) | undefined,
): Float64Array {
  const n = face.length;
  const F = face.map(unit),
    C = cloth.map(unit);
  const dressed = C.map((c) => c.some((v) => v !== 0));
  const df = pdist(F),
    dc = pdist(C);
  const r0 = medianClothRatio(df, dc, dressed);
  const rho = r0 > 0 ? r0 : 1;
  const out = new Float64Array(df.length);
  let p = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++, p++) {
      const A = q ? faceShare(q[i], q[j]) : NEUTRAL_SHARE;
      const fd = df[p];
      const cd = dressed[i] && dressed[j] ? dc[p] : rho * fd;
      const a = 2 * A * wf * wf,
        b = 2 * (1 - A) * wc * wc;
      if (scale === 'fingerprint') out[p] = Math.sqrt(a * fd * fd + b * cd * cd);
      else {
        const cn = cd / rho;
        out[p] = a + b > 0 ? Math.sqrt((a * fd * fd + b * cn * cn) / (a + b)) : wf > 0 ? fd : cn;
      }
      if (wf > 0 && clothCounts && !clothCounts(i, j)) {
        const faceOnly = scale === 'fingerprint' ? Math.sqrt(2 * wf * wf) * fd : fd;
        if (faceOnly < out[p]) out[p] = faceOnly;
      }
    }
  }
  return out;
}

test('forEachDistanceChunk: chunks of any size tile the condensed matrix with pdist values, bit for bit', () => {
  const { F, C } = appearances(150, 12, 1);
  const Fp = packRows(F.map(unit)),
    Cp = packRows(C.map(unit));
  const wantF = pdist(F.map(unit)),
    wantC = pdist(C.map(unit));
  for (const chunk of [149, 500, 3000, 1 << 24]) {
    const gotF = new Float64Array(wantF.length),
      gotC = new Float64Array(wantC.length);
    let next = 0;
    forEachDistanceChunk(
      150,
      Fp,
      Cp,
      (r0, r1, base, df, dc) => {
        assert.equal(base, next, 'chunks follow each other');
        const len = 150 * r1 - (r1 * (r1 + 1)) / 2 - base;
        assert.ok(len <= Math.max(chunk, 149));
        gotF.set(df.subarray(0, len), base);
        gotC.set(dc!.subarray(0, len), base);
        next = base + len;
      },
      chunk,
    );
    assert.equal(next, wantF.length);
    assert.equal(mismatches(gotF, wantF) + mismatches(gotC, wantC), 0, `chunk ${chunk}`);
  }
});

test('sampledClothRatio = medianClothRatio of the whole matrices (stride > 1 here: 244,650 pairs)', () => {
  const n = 700;
  const { F, C } = appearances(n, 6, 2);
  const Fu = F.map(unit),
    Cu = C.map(unit);
  const dressed = Cu.map((c) => c.some((v) => v !== 0));
  const want = medianClothRatio(pdist(Fu), pdist(Cu), dressed);
  assert.ok(want > 0);
  assert.equal(sampledClothRatio(n, packRows(Fu), packRows(Cu), dressed), want);
});

test('pairDistances equals the whole-matrix computation bit for bit (quality, shot-aware rule, missing clothing, both scales); float32 = its rounding', () => {
  const n = 240;
  const { F, C, q } = appearances(n, 16, 3);
  const rule = (i: number, j: number) => (i * 7 + j) % 5 !== 0;
  for (const scale of ['fingerprint', 'face-units'] as const) {
    for (const weights of [
      [1, 1],
      [1, 0.5],
      [0, 1],
    ] as [number, number][]) {
      const want = wholeMatrixPairDistances(F, C, weights, scale, q, rule);
      const got = pairDistances(F, C, weights, { scale, quality: q, clothCounts: rule });
      assert.ok(got instanceof Float64Array, 'float64 up to EXACT_MAX_N');
      assert.equal(mismatches(got, want), 0, `${scale} ${weights.join('/')}`);
      const g32 = pairDistances(F, C, weights, { scale, quality: q, clothCounts: rule, precision: 'float32' });
      assert.ok(g32 instanceof Float32Array);
      assert.equal(mismatches(g32, Float32Array.from(want)), 0, `${scale} ${weights.join('/')} float32`);
    }
  }
  // nobody dressed: the cloth matrix is never computed, same values
  const bare = C.map((c) => c.map(() => 0));
  assert.equal(
    mismatches(pairDistances(F, bare, [1, 1], { scale: 'face-units' }), wholeMatrixPairDistances(F, bare, [1, 1], 'face-units', undefined, undefined)),
    0,
  );
});

test('appearanceDistances: chunked, the same values as |face|^2 + |cloth or imputed|^2 over whole matrices', () => {
  const n = 200;
  const { F, C } = appearances(n, 8, 4);
  const X = fingerprints(F, C, [1, 1]);
  const faceD = pdist(X.map((x) => x.subarray(0, 8))),
    clothD = pdist(X.map((x) => x.subarray(8)));
  const dressed = X.map((x) => x.subarray(8).some((v) => v !== 0));
  const r = medianClothRatio(faceD, clothD, dressed);
  const want = new Float64Array(faceD.length);
  let p = 0;
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++, p++) {
      const c = dressed[i] && dressed[j] ? clothD[p] : r * faceD[p];
      want[p] = Math.sqrt(faceD[p] * faceD[p] + c * c);
    }
  assert.equal(mismatches(appearanceDistances(X, 8)!, want), 0);
});

test('pairDistances at n = 5,000 (two threads, each chunk written straight into the shared result) equals the whole-matrix computation', () => {
  const n = 5000;
  const { F, C, q } = appearances(n, 24, 5);
  const rule = (i: number, j: number) => (i * 7 + j) % 5 !== 0;
  const got = pairDistances(F, C, [1, 1], { scale: 'face-units', quality: q, clothCounts: rule });
  assert.ok(got.buffer instanceof SharedArrayBuffer, 'a result this large is shared memory, which the threads write into');
  assert.equal(mismatches(got, wholeMatrixPairDistances(F, C, [1, 1], 'face-units', q, rule)), 0);
});
