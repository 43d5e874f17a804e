import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clothHalf, faceHalf, fingerprints } from '../../../libs/flow/index.js';
import { loadFingerprints, maxAbsDiff } from '../clustering/fixtures.js';

test('fingerprints: face/|face|*w_face ++ cloth/|cloth|*w_cloth, zero vectors stay zero (vs numpy)', () => {
  const f = loadFingerprints();
  for (const c of f.cases) {
    const X = fingerprints(f.face, f.cloth, c.weights);
    assert.equal(X.length, c.expected.length);
    for (let i = 0; i < X.length; i++) assert.ok(maxAbsDiff(X[i], c.expected[i]) <= 1e-12, `w=${c.weights} row ${i}`);
  }
  assert.deepEqual(Array.from(fingerprints([[3, 4]], [[0, 0]], [1, 1])[0]), [0.6, 0.8, 0, 0]);
  assert.throws(() => fingerprints([[1]], [], [1, 1]), /1 faces but 0 cloth/);
});

test('faceHalf / clothHalf split at faceDim', () => {
  const x = Float64Array.from([1, 2, 3, 4, 5]);
  assert.deepEqual(Array.from(faceHalf(x, 2)), [1, 2]);
  assert.deepEqual(Array.from(clothHalf(x, 2)), [3, 4, 5]);
  assert.equal(faceHalf(new Float64Array(256)).length, 128);
});
