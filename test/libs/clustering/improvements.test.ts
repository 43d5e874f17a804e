// Exact semantics of the clustering building blocks behind keycast's improvements over the reference:
// the automatic cut, cannot-link constraints, units (tracks) clustered as one (cannot-link in merging: test/libs/flow/merge.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  applyCannotLink,
  autoCutHeight,
  CANNOT_LINK_DISTANCE,
  condensedIndex,
  conflictNodes,
  expandUnitLabels,
  fcluster,
  fclusterCannotLink,
  FACE_UNITS_BAND,
  linkage,
  pdist,
  unitDistances,
  UnitDistanceSums,
} from '../../../libs/clustering/index.js';
import { blobPoints, loadBlobs } from './fixtures.js';

/** Z of points on a line (1-d), single linkage: merge heights are the gaps between sorted neighbours. */
function lineZ(xs: number[]): Float64Array {
  return linkage(pdist(xs.map((x) => [x])), xs.length, 'single');
}

const EVERY_MERGE = { minSide: 1 };

test('autoCutHeight: the middle of the widest gap between merge heights inside the band', () => {
  // merge heights 0.1 (outside), 0.32, 0.36, 0.46 → points [0.3, 0.32, 0.36, 0.46, 0.5]: widest 0.36..0.46
  const Z = lineZ([0, 0.1, 0.42, 0.78, 1.24]);
  assert.deepEqual(
    Array.from({ length: 4 }, (_, r) => Math.round(Z[4 * r + 2] * 100) / 100),
    [0.1, 0.32, 0.36, 0.46],
  );
  assert.ok(Math.abs(autoCutHeight(Z, 5, FACE_UNITS_BAND, EVERY_MERGE) - 0.41) < 1e-12);
  // the same heights in another order of points give the same height: it depends on the heights only
  assert.equal(autoCutHeight(lineZ([1.24, 0.78, 0, 0.42, 0.1]), 5, FACE_UNITS_BAND, EVERY_MERGE), autoCutHeight(Z, 5, FACE_UNITS_BAND, EVERY_MERGE));
});

test('autoCutHeight: no merge inside the band gives its middle; merges at the band edges do not split it', () => {
  assert.equal(autoCutHeight(lineZ([0, 0.1, 0.2]), 3, FACE_UNITS_BAND, EVERY_MERGE), (FACE_UNITS_BAND.lo + FACE_UNITS_BAND.hi) / 2);
  assert.equal(autoCutHeight(lineZ([0, 0.3, 0.8]), 3, { lo: 0.3, hi: 0.5 }, EVERY_MERGE), 0.4);
  assert.equal(autoCutHeight(new Float64Array(0), 1), 0.4);
  // ties: the lowest of equally wide gaps
  assert.ok(Math.abs(autoCutHeight(lineZ([0, 0.4]), 2, { lo: 0.3, hi: 0.5 }, EVERY_MERGE) - 0.35) < 1e-12);
  assert.throws(() => autoCutHeight(lineZ([0, 1]), 2, { lo: 0.5, hi: 0.5 }), RangeError);
});

test('autoCutHeight reads only merges of two groups of at least minSide points (default 3), counting `sizes` per observation', () => {
  // two tight groups of 3 (merged at 0.01, 0.01 each) joined at 0.42; a stray point joins at 0.33
  const xs = [0, 0.01, 0.02, 0.44, 0.45, 0.46, 0.79];
  const Z = linkage(pdist(xs.map((x) => [x])), xs.length, 'single');
  // every merge: heights 0.33 (stray) and 0.42 → points [0.3, 0.33, 0.42, 0.5]: widest 0.33..0.42
  assert.ok(Math.abs(autoCutHeight(Z, 7, FACE_UNITS_BAND, EVERY_MERGE) - 0.375) < 1e-12);
  // default minSide 3: the stray point's merge is not read: [0.3, 0.42, 0.5] → widest 0.3..0.42
  assert.ok(Math.abs(autoCutHeight(Z, 7) - 0.36) < 1e-12);
  // an observation standing for 3 points (a track) makes the stray's merge count again
  assert.ok(Math.abs(autoCutHeight(Z, 7, FACE_UNITS_BAND, { sizes: [1, 1, 1, 1, 1, 1, 3] }) - 0.375) < 1e-12);
  assert.throws(() => autoCutHeight(Z, 7, FACE_UNITS_BAND, { sizes: [1] }), RangeError);
});

test('autoCutHeight is deterministic on a real tree and lies inside the band', () => {
  const X = blobPoints(loadBlobs()).slice(0, 300);
  const y = pdist(X);
  const scale = 0.45 / Math.max(...y);
  const Z = linkage(
    y.map((v) => v * scale),
    X.length,
    'average',
  );
  const a = autoCutHeight(Z, X.length),
    b = autoCutHeight(Z.slice(), X.length);
  assert.equal(a, b);
  assert.ok(a > FACE_UNITS_BAND.lo && a < FACE_UNITS_BAND.hi);
});

test('applyCannotLink sets exactly the pairs that share a group', () => {
  const n = 5;
  const y = new Float64Array((n * (n - 1)) / 2).fill(0.5);
  const set = applyCannotLink(y, n, [[1], [1], [2], [1, 2], [3]]);
  // pairs sharing group 1: (0,1) (0,3) (1,3); group 2: (2,3)
  assert.equal(set, 4);
  for (const [i, j] of [
    [0, 1],
    [0, 3],
    [1, 3],
    [2, 3],
  ])
    assert.equal(y[condensedIndex(n, i, j)], CANNOT_LINK_DISTANCE);
  assert.equal(y.filter((v) => v === 0.5).length, 6);
});

test('fclusterCannotLink without any shared group is fcluster, same numbering', () => {
  const X = blobPoints(loadBlobs()).slice(0, 400);
  const Z = linkage(pdist(X), X.length, 'average');
  const groups = X.map((_, i) => [i]);
  for (const t of [0, 2, 5, 9, 1e9]) assert.deepEqual(fclusterCannotLink(Z, X.length, t, groups), fcluster(Z, X.length, t));
});

test('fclusterCannotLink splits a cluster that holds two points of one group, down the tree', () => {
  // 0,1,2 close together, 3 far; 0 and 2 share a frame
  const Z = lineZ([0, 0.05, 0.1, 5]);
  assert.deepEqual(Array.from(fcluster(Z, 4, 1)), [1, 1, 1, 2]);
  const c = Array.from(fclusterCannotLink(Z, 4, 1, [[7], [8], [7], [9]]));
  assert.notEqual(c[0], c[2]);
  assert.equal(c[0], c[1], '0 and 1 still join: only the conflicting merge is refused');
  assert.deepEqual(Array.from(conflictNodes(Z, 4, [[7], [8], [7], [9]])), [0, 1, 1]);
});

test('property: cannot-link never puts two points of one group in one flat cluster (any method, any cut)', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.float({ min: -5, max: 5, noNaN: true }), fc.float({ min: -5, max: 5, noNaN: true }), fc.integer({ min: 0, max: 6 })), {
        minLength: 2,
        maxLength: 40,
      }),
      fc.constantFrom('average', 'single', 'complete' as const),
      fc.double({ min: 0, max: 20, noNaN: true }),
      fc.boolean(),
      (pts, method, t, penalise) => {
        const n = pts.length;
        const y = pdist(pts.map(([x, z]) => [x, z]));
        const groups = pts.map((p) => [p[2]]);
        if (penalise) applyCannotLink(y, n, groups);
        const labels = fclusterCannotLink(linkage(y, n, method), n, t, groups);
        for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) if (groups[i][0] === groups[j][0]) assert.notEqual(labels[i], labels[j]);
      },
    ),
    { numRuns: 300, seed: 4 },
  );
});

/** unitDistances as it was before UnitDistanceSums: one pass over the whole matrix, condensedIndex per pair. */
function unitDistancesBefore(condensed: ArrayLike<number>, n: number, units: { unitOf: Int32Array; count: number }): Float64Array {
  const k = units.count;
  const size = new Float64Array(k);
  for (const x of units.unitOf) size[x]++;
  const sum = new Float64Array((k * (k - 1)) / 2);
  let p = 0;
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++, p++) if (units.unitOf[i] !== units.unitOf[j]) sum[condensedIndex(k, units.unitOf[i], units.unitOf[j])] += condensed[p];
  let q = 0;
  for (let a = 0; a < k; a++) for (let b = a + 1; b < k; b++, q++) sum[q] /= size[a] * size[b];
  return sum;
}

test('UnitDistanceSums fed in chunks of rows = unitDistances = the one-pass computation, bit for bit (units in any order)', () => {
  let s = 7;
  const r = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const n = 300;
  const y = pdist(Array.from({ length: n }, () => [r(), r(), r()]));
  // 120 units in a shuffled order, so that unit ids go up and down along the points
  const ids = Array.from({ length: 120 }, (_, u) => u);
  for (let a = ids.length - 1; a > 0; a--) {
    const b = Math.floor(r() * (a + 1));
    [ids[a], ids[b]] = [ids[b], ids[a]];
  }
  const units = { unitOf: Int32Array.from({ length: n }, (_, i) => ids[i < 120 ? i : Math.floor(r() * 120)]), count: 120 };
  const want = unitDistancesBefore(y, n, units);
  assert.equal(mismatchCount(unitDistances(y, n, units), want), 0);
  for (const rows of [1, 7, 64, n]) {
    const sums = new UnitDistanceSums(n, units);
    for (let r0 = 0; r0 < n; r0 += rows) {
      const r1 = Math.min(n, r0 + rows);
      const base = n * r0 - (r0 * (r0 + 1)) / 2;
      sums.add(r0, r1, y.slice(base, n * r1 - (r1 * (r1 + 1)) / 2), base);
    }
    assert.equal(mismatchCount(sums.result(), want), 0, `chunks of ${rows} rows`);
  }
  const gap = new UnitDistanceSums(n, units);
  assert.throws(() => gap.add(5, 10, y, 0), /rows from 5, expected 0/);
  gap.add(0, 10, y, 0);
  assert.throws(() => gap.result(), /never added/);
});

function mismatchCount(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let bad = a.length === b.length ? 0 : Infinity;
  for (let q = 0; q < Math.min(a.length, b.length); q++) if (!Object.is(a[q], b[q])) bad++;
  return bad;
}

test('unitDistances: the mean over the pairs of two units; singleton units keep the distances exactly', () => {
  const X = [[0], [1], [3], [6]];
  const y = pdist(X);
  assert.deepEqual(unitDistances(y, 4, { unitOf: Int32Array.from([0, 1, 2, 3]), count: 4 }), y);
  // units {0,1} and {2,3}: mean of |0-3|,|0-6|,|1-3|,|1-6| = (3+6+2+5)/4
  const u = unitDistances(y, 4, { unitOf: Int32Array.from([0, 0, 1, 1]), count: 2 });
  assert.deepEqual(Array.from(u), [4]);
  assert.deepEqual(expandUnitLabels([5, 9], { unitOf: Int32Array.from([0, 0, 1, 1]), count: 2 }), [5, 5, 9, 9]);
  assert.throws(() => unitDistances(y, 4, { unitOf: Int32Array.from([0, 0, 2, 2]), count: 3 }), /no point/);
});
