import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cutAtSim, EXACT_MAX_N, linkage, LINKAGE_METHODS, maxDistance, pdist, resolvePrecision } from '../../../libs/clustering/index.js';
import { blobPoints, countMismatches, flatZ, loadBlobs, SIMS } from './fixtures.js';

// The float32 path (large n): distances rounded to float32, linkage on float32 working memory.
const f = loadBlobs();
const X = blobPoints(f);

test('pdist float32 = every float64 distance rounded to float32, 1 and 2 threads alike', () => {
  const y64 = pdist(X, { threads: 1 });
  for (const threads of [1, 2]) {
    const y32 = pdist(X, { threads, precision: 'float32' });
    assert.ok(y32 instanceof Float32Array);
    assert.equal(y32.length, y64.length);
    assert.equal(countMismatches(y32, Float32Array.from(y64)), 0, `${threads} thread(s)`);
  }
  assert.throws(() => pdist(X.slice(0, 3), { precision: 'float16' as never }), /precision/);
});

test("float32 linkage: single and complete equal the float64 linkage of the same rounded distances bit for bit; average within 1e-6 with scipy's partitions", () => {
  const y32 = pdist(X, { precision: 'float32' });
  const y64of32 = Float64Array.from(y32);
  for (const method of LINKAGE_METHODS) {
    const Z32 = linkage(y32, f.n, method);
    assert.deepEqual(
      Array.from(linkage(y32, f.n, method, { memory: 'low', algorithm: 'nn-chain' })),
      Array.from(Z32),
      `${method}: the mirror changes nothing to nn-chain`,
    );
    const Z64 = linkage(y64of32, f.n, method);
    if (method !== 'average') {
      assert.equal(countMismatches(Z32, Z64), 0, `${method} only compares and takes maxima: exact`);
    } else {
      let worst = 0;
      for (let r = 0; r < f.n - 1; r++) worst = Math.max(worst, Math.abs(Z32[4 * r + 2] - Z64[4 * r + 2]) / Z64[4 * r + 2]);
      assert.ok(worst < 1e-6, `average heights within 1e-6 relative (got ${worst})`);
    }
    // against scipy's float64 result on the unrounded distances: same flat clusters at every sim tested
    const Zs = flatZ(f.methods[method].Z);
    let heightDiff = 0;
    for (let r = 0; r < f.n - 1; r++) heightDiff = Math.max(heightDiff, Math.abs(Z32[4 * r + 2] - Zs[4 * r + 2]));
    assert.ok(heightDiff < 1e-6, `${method}: heights within 1e-6 of scipy's (got ${heightDiff})`);
    const maxDist = maxDistance(y32);
    for (const sim of SIMS.filter((s) => s > 0 && s < 1)) {
      assert.equal(countMismatches(cutAtSim(Z32, f.n, sim, maxDist), f.methods[method].labels[String(sim)]), 0, `${method} sim=${sim}`);
    }
  }
});

test('linkage overwrites a float32 input only when asked', () => {
  const y32 = pdist(X.slice(0, 300), { precision: 'float32' });
  const copy = y32.slice();
  linkage(y32, 300, 'average');
  assert.equal(countMismatches(y32, copy), 0);
  linkage(y32, 300, 'average', { overwrite: true });
  assert.ok(countMismatches(y32, copy) > 0);
});

test("precision 'auto': float64 up to EXACT_MAX_N points, float32 above", () => {
  assert.equal(resolvePrecision(undefined, EXACT_MAX_N), 'float64');
  assert.equal(resolvePrecision('auto', EXACT_MAX_N + 1), 'float32');
  assert.equal(resolvePrecision('float64', 10 * EXACT_MAX_N), 'float64');
  assert.throws(() => resolvePrecision('half' as never, 10), /precision/);
});
