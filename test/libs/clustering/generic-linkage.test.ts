import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cutAtSim, linkage, type LinkageMethod, type LinkageStats, maxDistance, pdist } from '../../../libs/clustering/index.js';
import { blobPoints, countMismatches, flatZ, loadBlobs, SIMS } from './fixtures.js';

// Müllner's generic algorithm (generic-linkage.ts), which linkage() runs for float32 without the mirror.
const f = loadBlobs();
const X = blobPoints(f);
const METHODS: LinkageMethod[] = ['average', 'complete'];

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/**
 * Checks Z against the definition of greedy HAC on the original distances, whatever the tie order:
 * each row merges two current clusters at their linkage distance (mean or max of the point pairs),
 * and no other pair of current clusters was closer. Returns the number of violations.
 */
function greedyViolations(D: Float64Array, n: number, Z: Float64Array, average: boolean): number {
  const idx = (i: number, j: number) => (i < j ? n * i - (i * (i + 1)) / 2 + (j - i - 1) : n * j - (j * (j + 1)) / 2 + (i - j - 1));
  const members: number[][] = Array.from({ length: n }, (_, i) => [i]);
  const live = new Set<number>(Array.from({ length: n }, (_, i) => i));
  const dist = (a: number, b: number) => {
    let agg = average ? 0 : -Infinity;
    for (const p of members[a]) for (const q of members[b]) agg = average ? agg + D[idx(p, q)] : Math.max(agg, D[idx(p, q)]);
    return average ? agg / (members[a].length * members[b].length) : agg;
  };
  let bad = 0;
  for (let r = 0; r < n - 1; r++) {
    const a = Z[4 * r],
      b = Z[4 * r + 1],
      h = Z[4 * r + 2];
    if (!live.has(a) || !live.has(b) || Math.abs(dist(a, b) - h) > 1e-9 * Math.max(1, h)) bad++;
    const ids = [...live];
    for (let u = 0; u < ids.length; u++) for (let v = u + 1; v < ids.length; v++) if (dist(ids[u], ids[v]) < h - 1e-9) bad++;
    members.push([...members[a], ...members[b]]);
    live.delete(a);
    live.delete(b);
    live.add(n + r);
    if (Z[4 * r + 3] !== members[n + r].length) bad++;
  }
  return bad;
}

test("generic linkage on scipy's 2,000 x 256 blobs: scipy's Z (same merges and sizes, heights within 1e-12) and scipy's flat clusters", () => {
  const y = pdist(X);
  const maxDist = maxDistance(y);
  for (const method of METHODS) {
    const stats: LinkageStats = { threads: 0, sharedRounds: 0, workerChunks: 0 };
    const Z = linkage(y, f.n, method, { algorithm: 'generic', stats });
    assert.equal(stats.algorithm, 'generic');
    const Zs = flatZ(f.methods[method].Z);
    let rows = 0,
      worst = 0;
    for (let r = 0; r < f.n - 1; r++) {
      if (Z[4 * r] === Zs[4 * r] && Z[4 * r + 1] === Zs[4 * r + 1] && Z[4 * r + 3] === Zs[4 * r + 3]) rows++;
      worst = Math.max(worst, Math.abs(Z[4 * r + 2] - Zs[4 * r + 2]) / Zs[4 * r + 2]);
    }
    assert.equal(rows, f.n - 1, `${method}: every merge is scipy's`);
    assert.ok(worst < 1e-12, `${method}: heights within 1e-12 relative (got ${worst})`);
    if (method === 'complete') assert.equal(countMismatches(Z, Zs), 0, 'complete only takes maxima: bit for bit');
    for (const sim of SIMS.filter((s) => s > 0 && s < 1)) {
      assert.equal(countMismatches(cutAtSim(Z, f.n, sim, maxDist), f.methods[method].labels[String(sim)]), 0, `${method} sim=${sim}`);
    }
  }
});

test("float32 without the mirror runs the generic algorithm under 'auto' and keeps scipy's flat clusters; float64 and the mirror keep nn-chain", () => {
  const y32 = pdist(X, { precision: 'float32' });
  const maxDist = maxDistance(y32);
  for (const method of METHODS) {
    const stats: LinkageStats = { threads: 0, sharedRounds: 0, workerChunks: 0 };
    const Z = linkage(y32, f.n, method, { memory: 'low', stats });
    assert.equal(stats.algorithm, 'generic', method);
    const Zs = flatZ(f.methods[method].Z);
    let worst = 0;
    for (let r = 0; r < f.n - 1; r++) worst = Math.max(worst, Math.abs(Z[4 * r + 2] - Zs[4 * r + 2]) / Zs[4 * r + 2]);
    assert.ok(worst < 1e-6, `${method}: heights within 1e-6 of scipy's (got ${worst})`);
    for (const sim of SIMS.filter((s) => s > 0 && s < 1)) {
      assert.equal(countMismatches(cutAtSim(Z, f.n, sim, maxDist), f.methods[method].labels[String(sim)]), 0, `${method} sim=${sim}`);
    }
    const nnStats: LinkageStats = { threads: 0, sharedRounds: 0, workerChunks: 0 };
    linkage(y32, f.n, method, { memory: 'fast', stats: nnStats });
    assert.equal(nnStats.algorithm, 'nn-chain', `${method} with the mirror`);
    linkage(pdist(X.slice(0, 300)), 300, method, { memory: 'low', threads: 1, stats: nnStats });
    assert.equal(nnStats.algorithm, 'nn-chain', `${method} float64 stays exact`);
  }
  assert.throws(() => linkage(y32, f.n, 'average', { algorithm: 'fastest' as never }), /algorithm/);
});

test('generic linkage is greedy HAC by definition, ties included: each merge at its clusters’ mean / max distance, none closer', () => {
  for (let seed = 1; seed <= 30; seed++) {
    const rnd = seeded(seed);
    const n = 24 + (seed % 17);
    const m = (n * (n - 1)) / 2;
    // integer distances 1..4: thousands of exact ties between pairs and between merged clusters
    const D = new Float64Array(m);
    for (let q = 0; q < m; q++) D[q] = seed % 2 ? 1 + Math.floor(rnd() * 4) : rnd();
    for (const method of METHODS) {
      const Z = linkage(D, n, method, { algorithm: 'generic' });
      assert.equal(greedyViolations(D, n, Z, method === 'average'), 0, `seed ${seed} n ${n} ${method}`);
      // the same check passes for nn-chain: the definition, not one algorithm's tie order
      assert.equal(greedyViolations(D, n, linkage(D, n, method, { algorithm: 'nn-chain' }), method === 'average'), 0, `nn-chain seed ${seed}`);
    }
  }
});

test('generic linkage overwrites its input only when asked, and handles n = 0, 1, 2', () => {
  const y = pdist(X.slice(0, 200), { precision: 'float32' });
  const copy = y.slice();
  linkage(y, 200, 'average', { algorithm: 'generic' });
  assert.equal(countMismatches(y, copy), 0);
  linkage(y, 200, 'average', { algorithm: 'generic', overwrite: true });
  assert.ok(countMismatches(y, copy) > 0);
  assert.equal(linkage(new Float32Array(0), 1, 'average', { algorithm: 'generic' }).length, 0);
  assert.deepEqual(Array.from(linkage(new Float32Array([0.5]), 2, 'complete', { algorithm: 'generic' })), [0, 1, 0.5, 2]);
});
