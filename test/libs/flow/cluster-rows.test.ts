import { test } from 'node:test';
import assert from 'node:assert/strict';
import { linkageFromBuffer, linkageToBuffer, pdist } from '../../../libs/clustering/index.js';
import { clusterRows } from '../../../libs/flow/index.js';
import { blobPoints, countMismatches, loadBlobs } from '../clustering/fixtures.js';

const f = loadBlobs();
const X = blobPoints(f);

test('clusterRows on 2,000 blobs equals the plain Python flow (scipy cut + min_csize + merge) for 5 settings', () => {
  const cache = new Map<string, { Z: Float64Array; maxDist: number }>();
  for (const flow of f.flows) {
    const cached = cache.get(flow.params.method);
    const r = clusterRows(X, flow.params, { cache: cached });
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
  const fresh = clusterRows(X, params);
  const { Z, n } = linkageFromBuffer(linkageToBuffer(fresh.Z));
  assert.equal(n, f.n);
  for (const sim of [0.4, 0.63, 0.8]) {
    const a = clusterRows(X, { ...params, sim });
    const b = clusterRows(X, { ...params, sim }, { cache: { Z, maxDist: fresh.maxDist } });
    assert.deepEqual(b.labels, a.labels);
  }
});

test('clusterRows on precomputed distances equals clusterRows on the rows', () => {
  const params = f.flows[2].params;
  const r = clusterRows(X, params, { distances: pdist(X) });
  assert.deepEqual(r.labels, f.flows[2].labels);
  const noMerge = clusterRows(X, { ...params, merge: false }, { distances: pdist(X) });
  assert.equal(noMerge.labels.length, f.n);
});

test('labels are numbered by descending cluster size', () => {
  const r = clusterRows(X, f.flows[0].params);
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
  assert.deepEqual(clusterRows([], p).labels, []);
  assert.deepEqual(clusterRows([X[0]], p).labels, [0]);
  assert.deepEqual(clusterRows([X[0]], { ...p, min_csize: 2 }).labels, [null]);
});

test("clusterRows in float32 gives scipy's labels here (the float64 ones)", () => {
  const params = { sim: 0.63, min_csize: 1, method: 'average' as const, merge: false, face_threshold: 0, cloth_threshold: 0, iterations: 0 };
  const exact = clusterRows(X, params);
  const f32 = clusterRows(X, params, { precision: 'float32' });
  assert.deepEqual(f32.labels, exact.labels);
  assert.equal(f32.maxDist, Math.fround(exact.maxDist));
});
