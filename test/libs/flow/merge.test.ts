import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeClusters } from '../../../libs/flow/index.js';

// 2-d face half + 2-d cloth half (faceDim = 2), hand-placed means:
// A (3 pts): face (0,0),   cloth (0,0)
// B (2 pts): face (0.1,0), cloth (5,5)   -> face close to A (0.1 < 0.18): merges into A
// C (2 pts): face (5,5),   cloth (0,0.1) -> cloth close to A (0.1 < 0.12): merges into A
// D (1 pt):  face (9,9),   cloth (9,9)   -> nothing close
// E (1 pt):  face (0.1,0.15), cloth (20,20): face close to B (0.15) but 0.1803 from A -> not < 0.18
const pts: [number[], string | null][] = [
  // Cloth halves are offset by 1 so no cluster's mean cloth is zero (zero = no clothing evidence).
  [[0, 0, 1, 1], 'A'],
  [[0, 0.01, 1, 1], 'A'],
  [[0, -0.01, 1, 1], 'A'],
  [[0.1, 0.01, 6, 6], 'B'],
  [[0.1, -0.01, 6, 6], 'B'],
  [[5, 5, 1, 1.1], 'C'],
  [[5, 5, 1, 1.1], 'C'],
  [[9, 9, 10, 10], 'D'],
  [[0.1, 0.15, 21, 21], 'E'],
  [[100, 100, 101, 101], null],
];
const X = pts.map(([x]) => Float64Array.from(x));
const ids = pts.map(([, id]) => (id === null ? null : 'ABCDE'.indexOf(id)));

test('mergeClusters, OR rule on a hand-made example: one pass', () => {
  const out = mergeClusters(X, ids, { faceDim: 2, face_threshold: 0.18, cloth_threshold: 0.12, iterations: 1 });
  // A absorbs B (face) and C (cloth) using A's start-of-pass mean; E is compared with A's
  // unchanged mean (face distance sqrt(0.1^2+0.15^2)=0.1803, not < 0.18) and stays; D stays.
  // sizes: A+B+C = 7 -> 0; D and E are size 1: D first (smaller index)
  assert.deepEqual(out, [0, 0, 0, 0, 0, 0, 0, 1, 2, null]);
});

test("mergeClusters: i's mean is not updated within a pass, later passes use new means", () => {
  // with a threshold of 0.2, E is within 0.2 of A's face mean at the start: merged in pass 1
  assert.deepEqual(mergeClusters(X, ids, { faceDim: 2, face_threshold: 0.2, cloth_threshold: 0.12, iterations: 1 })[8], 0);
  // threshold 0.175: E not close to A (0.18) in pass 1. A absorbs B then; B alone would have been
  // 0.15 from E, but B is no longer a cluster in pass 2: the A+B+C mean is far from E's face.
  const two = mergeClusters(X, ids, { faceDim: 2, face_threshold: 0.175, cloth_threshold: 0.12, iterations: 2 });
  assert.notEqual(two[8], two[0]);
  // ordering matters: descending size, so B (2) is merged into A (3), not A into B
  const zero = mergeClusters(X, ids, { faceDim: 2, face_threshold: 0.18, cloth_threshold: 0.12, iterations: 0 });
  assert.deepEqual(zero, [0, 0, 0, 1, 1, 2, 2, 3, 4, null]);
});

test('mergeClusters: strict thresholds, and a half that is zero everywhere is no evidence', () => {
  const a = [Float64Array.from([0, 0]), Float64Array.from([0.5, 0])];
  assert.deepEqual(mergeClusters(a, [0, 1], { faceDim: 1, face_threshold: 0.5, cloth_threshold: 0, iterations: 1 }), [0, 1]);
  assert.deepEqual(mergeClusters(a, [0, 1], { faceDim: 1, face_threshold: 0.51, cloth_threshold: 0, iterations: 1 }), [0, 0]);
  // cloth weight 0: the cloth halves are all 0 and would be "closer than" any threshold
  const noCloth = [Float64Array.from([0, 0]), Float64Array.from([3, 0])];
  assert.deepEqual(mergeClusters(noCloth, [0, 1], { faceDim: 1, face_threshold: 0.18, cloth_threshold: 0.12, iterations: 1 }), [0, 1]);
});

test('mergeClusters: start-of-pass means, an absorbed cluster absorbs nothing, next pass recomputes', () => {
  // faces on a line (faceDim 1), cloth halves far apart. A = 3 pts at 0, B = 2 pts at 0.15, E = 1 pt at 0.25.
  const pts = [
    [0, 0],
    [0, 0],
    [0, 0],
    [0.15, 50],
    [0.15, 50],
    [0.25, 100],
  ].map((r) => Float64Array.from(r));
  const l = [0, 0, 0, 1, 1, 2];
  const opts = { faceDim: 1, face_threshold: 0.2, cloth_threshold: 0.12 };
  // pass 1: A absorbs B (0.15). E is 0.25 from A's start mean: stays. B, absorbed, is not compared
  // with E (0.1 apart). Had A's mean been updated in the pass (to 0.06), E (0.19) would have joined.
  assert.deepEqual(mergeClusters(pts, l, { ...opts, iterations: 1 }), [0, 0, 0, 0, 0, 1]);
  // pass 2: the A+B mean is 0.06, E is 0.19 from it: joins
  assert.deepEqual(mergeClusters(pts, l, { ...opts, iterations: 2 }), [0, 0, 0, 0, 0, 0]);
});

test('mergeClusters: clusters without clothing evidence (zero mean cloth) never merge by cloth', () => {
  // Two close-up clusters (cloth zero) with different faces, and one with clothing.
  const Y = [
    [0, 0, 0, 0],
    [0, 0.01, 0, 0],
    [3, 0, 0, 0],
    [3, 0.01, 0, 0],
    [6, 0, 1, 0],
    [6, 0.01, 1, 0],
  ].map((r) => Float64Array.from(r));
  assert.deepEqual(mergeClusters(Y, [0, 0, 1, 1, 2, 2], { faceDim: 2, face_threshold: 0.18, cloth_threshold: 0.12, iterations: 1 }), [0, 0, 1, 1, 2, 2]);
});

test('mergeClusters: a cloth half identical everywhere (same backdrop in every chip) is no evidence', () => {
  const Y = [
    [0, 0, 0.5, 0.5],
    [0, 0.01, 0.5, 0.5],
    [3, 0, 0.5, 0.5],
    [3, 0.01, 0.5, 0.5],
  ].map((r) => Float64Array.from(r));
  assert.deepEqual(mergeClusters(Y, [0, 0, 1, 1], { faceDim: 2, face_threshold: 0.18, cloth_threshold: 0.12, iterations: 1 }), [0, 0, 1, 1]);
});

test('mergeClusters with cannot-link groups never merges clusters that share a frame', () => {
  // two clusters with equal face means (the face rule would merge them), frames overlap
  const X = [
    [1, 0, 0, 0],
    [0.98, 0.02, 0, 0],
    [0.99, 0.01, 0, 0],
    [0.97, 0.03, 0, 0],
  ].map((r) => Float64Array.from(r));
  const labels = [0, 0, 1, 1];
  const opts = { faceDim: 2, face_threshold: 0.18, cloth_threshold: 0.12, iterations: 1 };
  assert.deepEqual(mergeClusters(X, labels, opts), [0, 0, 0, 0]);
  assert.deepEqual(mergeClusters(X, labels, { ...opts, groupsOf: [[1], [2], [2], [3]] }), [0, 0, 1, 1]);
  assert.deepEqual(mergeClusters(X, labels, { ...opts, groupsOf: [[1], [2], [3], [4]] }), [0, 0, 0, 0]);
});
