import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cutAtSim, fcluster, linkage, LINKAGE_METHODS, maxDistance, pdist } from '../../../libs/clustering/index.js';
import { blobPoints, countMismatches, flatZ, loadBlobs, loadSmall, maxAbsDiff, SIMS } from './fixtures.js';

const small = loadSmall();

for (const [name, set] of Object.entries(small.sets)) {
  test(`small set ${name} (n=${set.n}, d=${set.d}): pdist, Z and fcluster labels equal scipy ${small.meta.scipy}`, () => {
    const y = pdist(set.points);
    assert.equal(y.length, set.pdist.length);
    assert.equal(countMismatches(y, set.pdist), 0, 'pdist must be bit-identical to scipy');
    assert.equal(maxDistance(y), set.maxDist);
    for (const method of LINKAGE_METHODS) {
      const expected = set.methods[method];
      const Z = linkage(y, set.n, method);
      const Zs = flatZ(expected.Z);
      assert.ok(maxAbsDiff(Z, Zs) <= 1e-9, `${method}: Z differs from scipy by ${maxAbsDiff(Z, Zs)}`);
      // ids and counts must be exactly equal (columns 0, 1, 3)
      for (let r = 0; r < set.n - 1; r++) {
        assert.deepEqual([Z[4 * r], Z[4 * r + 1], Z[4 * r + 3]], [Zs[4 * r], Zs[4 * r + 1], Zs[4 * r + 3]], `${method} row ${r}`);
      }
      for (const sim of SIMS) {
        const labels = Array.from(cutAtSim(Z, set.n, sim, maxDistance(y)));
        assert.deepEqual(labels, expected.labels[String(sim)], `${method} sim=${sim}`);
      }
    }
  });
}

test('small sets: Z is in fact bit-identical to scipy (not just within 1e-9), in both memory modes', () => {
  let mismatches = 0,
    compared = 0;
  for (const set of Object.values(small.sets)) {
    const y = pdist(set.points);
    for (const method of LINKAGE_METHODS) {
      for (const memory of ['fast', 'low'] as const) {
        mismatches += countMismatches(linkage(y, set.n, method, { memory }), flatZ(set.methods[method].Z));
        compared++;
      }
    }
  }
  assert.equal(compared, Object.keys(small.sets).length * 6);
  assert.equal(mismatches, 0);
});

for (const [name, set] of Object.entries(small.condensedSets)) {
  test(`precomputed condensed ${name}: Z and labels equal scipy; sim = 0 is 2 clusters for average, as in scipy`, () => {
    const y = Float64Array.from(set.condensed);
    for (const method of LINKAGE_METHODS) {
      const Z = linkage(y, set.n, method);
      assert.equal(countMismatches(Z, flatZ(set.methods[method].Z)), 0, method);
      for (const sim of SIMS)
        assert.deepEqual(Array.from(cutAtSim(Z, set.n, sim, set.maxDist)), set.methods[method].labels[String(sim)], `${method} sim=${sim}`);
    }
    // the documented edge: average merge heights round an ulp above maxDist
    assert.equal(new Set(cutAtSim(linkage(y, set.n, 'average'), set.n, 0, set.maxDist)).size, 2);
  });
}

test('linkage leaves its input alone unless overwrite is asked for', () => {
  const set = small.sets.normal256_n60;
  const y = pdist(set.points);
  const copy = y.slice();
  linkage(y, set.n, 'average');
  assert.equal(countMismatches(y, copy), 0);
  const Z = linkage(y, set.n, 'complete', { overwrite: true });
  assert.equal(countMismatches(Z, flatZ(set.methods.complete.Z)), 0);
  assert.ok(countMismatches(y, copy) > 0, 'overwrite uses the input as working memory');
});

test('fcluster edge cases: t = 0 joins exact duplicates; ties at t join; n = 1 and n = 0', () => {
  const set = small.sets.duplicates_2d;
  const y = pdist(set.points);
  const Z = linkage(y, set.n, 'average');
  const distinct = new Set(set.points.map((p) => p.join(','))).size;
  assert.equal(new Set(fcluster(Z, set.n, 0)).size, distinct, 'duplicates merge at t = 0 (sim = 1)');
  // square grid: all nearest-neighbour distances are exactly 1; a cut at exactly 1 joins them
  const sq = small.sets.square_n16;
  const Zs = linkage(pdist(sq.points), sq.n, 'single');
  assert.equal(new Set(fcluster(Zs, sq.n, 1)).size, 1);
  assert.equal(new Set(fcluster(Zs, sq.n, 1 - 1e-12)).size, 16);
  assert.deepEqual(Array.from(fcluster(new Float64Array(0), 1, 0)), [1]);
  assert.deepEqual(Array.from(fcluster(new Float64Array(0), 0, 0)), []);
  assert.equal(linkage(new Float64Array(0), 1, 'average').length, 0);
});

test('linkage rejects non-finite distances and wrong lengths', () => {
  assert.throws(() => linkage(Float64Array.from([1, NaN, 2]), 3, 'average'), /finite/);
  assert.throws(() => linkage(Float64Array.from([1, 2]), 3, 'single'), /expected 3/);
});

test('blobs n=2000 x 256-d: pdist, Z and labels at every sim equal scipy, 1 and 2 threads alike', () => {
  const f = loadBlobs();
  const X = blobPoints(f);
  const y1 = pdist(X, { threads: 1 });
  const y2 = pdist(X, { threads: 2 });
  assert.equal(countMismatches(y1, y2), 0, 'threaded pdist must equal single-threaded');
  let bad = 0;
  for (const [i, j, v] of f.pdistSamples) if (y1[f.n * i - (i * (i + 1)) / 2 + (j - i - 1)] !== v) bad++;
  assert.equal(bad, 0, 'pdist samples must be bit-identical to scipy');
  const maxDist = maxDistance(y1);
  assert.equal(maxDist, f.maxDist);
  for (const method of LINKAGE_METHODS) {
    const Z = linkage(y1, f.n, method);
    const Zs = flatZ(f.methods[method].Z);
    assert.equal(countMismatches(Z, Zs), 0, `${method}: Z must be bit-identical (max diff ${maxAbsDiff(Z, Zs)})`);
    assert.equal(countMismatches(linkage(y1, f.n, method, { memory: 'low' }), Zs), 0, `${method}, memory 'low'`);
    for (const sim of SIMS) {
      const labels = cutAtSim(Z, f.n, sim, maxDist);
      assert.equal(countMismatches(labels, f.methods[method].labels[String(sim)]), 0, `${method} sim=${sim}`);
    }
  }
});
