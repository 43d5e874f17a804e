import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clusterDistances, clusterFingerprints, linkageFromBuffer, linkageToBuffer, pdist } from '../../../libs/clustering/index.js';
import { blobPoints, countMismatches, loadBlobs } from './fixtures.js';

const f = loadBlobs();
const X = blobPoints(f);

test('clusterFingerprints on 2,000 blobs equals the plain Python flow (scipy cut + min_csize + merge) for 5 settings', () => {
  const cache = new Map<string, { Z: Float64Array; maxDist: number }>();
  for (const flow of f.flows) {
    const cached = cache.get(flow.params.method);
    const r = clusterFingerprints(X, flow.params, cached);
    cache.set(flow.params.method, { Z: r.Z, maxDist: r.maxDist });
    assert.equal(r.maxDist, f.maxDist);
    assert.deepEqual(r.labels, flow.labels, JSON.stringify(flow.params));
    const k = new Set(r.labels.filter((l) => l !== null)).size;
    assert.equal(k, flow.clusters);
  }
  // the fixture exercises merging for real
  assert.ok(f.flows.some((fl) => fl.params.merge && fl.clusters < fl.clustersBeforeMerge));
});

test('a cached linkage (through its Buffer form) cuts exactly as a fresh one', () => {
  const params = { ...f.flows[0].params };
  const fresh = clusterFingerprints(X, params);
  const { Z, n } = linkageFromBuffer(linkageToBuffer(fresh.Z));
  assert.equal(n, f.n);
  for (const sim of [0.4, 0.63, 0.8]) {
    const a = clusterFingerprints(X, { ...params, sim });
    const b = clusterFingerprints(X, { ...params, sim }, { Z, maxDist: fresh.maxDist });
    assert.deepEqual(b.labels, a.labels);
  }
});

test('clusterDistances on a precomputed condensed matrix equals clusterFingerprints', () => {
  const params = f.flows[2].params;
  const y = pdist(X);
  const r = clusterDistances(y, f.n, params, { X });
  assert.deepEqual(r.labels, f.flows[2].labels);
  assert.throws(() => clusterDistances(y, f.n, params), /needs the n fingerprints/);
  const noMerge = clusterDistances(y, f.n, { ...params, merge: false });
  assert.equal(noMerge.labels.length, f.n);
});

test('labels are numbered by descending cluster size', () => {
  const r = clusterFingerprints(X, f.flows[0].params);
  const size = new Map<number, number>();
  for (const l of r.labels) if (l !== null) size.set(l, (size.get(l) ?? 0) + 1);
  const sizes = [...size.keys()].sort((a, b) => a - b).map((k) => size.get(k)!);
  assert.deepEqual(
    sizes,
    [...sizes].sort((a, b) => b - a),
  );
  assert.equal(
    countMismatches(
      [...size.keys()].sort((a, b) => a - b),
      sizes.map((_, i) => i),
    ),
    0,
  );
});

test('degenerate inputs: 0 and 1 fingerprints', () => {
  const p = { ...f.flows[0].params, min_csize: 1 };
  assert.deepEqual(clusterFingerprints([], p).labels, []);
  assert.deepEqual(clusterFingerprints([X[0]], p).labels, [0]);
  assert.deepEqual(clusterFingerprints([X[0]], { ...p, min_csize: 2 }).labels, [null]);
});
