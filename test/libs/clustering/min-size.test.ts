import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyMinSize, renumberBySize } from '../../../libs/clustering/index.js';

test('applyMinSize drops small clusters and renumbers by size, ties by smallest member', () => {
  //          0  1  2  3  4  5  6  7  8  9
  const l = [5, 3, 5, 9, 3, 7, 5, 9, 1, 3];
  // sizes: 5->3 (first 0), 3->3 (first 1), 9->2 (first 3), 7->1, 1->1
  assert.deepEqual(applyMinSize(l, 2), [0, 1, 0, 2, 1, null, 0, 2, null, 1]);
  assert.deepEqual(applyMinSize(l, 3), [0, 1, 0, null, 1, null, 0, null, null, 1]);
  assert.deepEqual(applyMinSize(l, 4), Array(10).fill(null));
  assert.deepEqual(applyMinSize(l, 1), [0, 1, 0, 2, 1, 3, 0, 2, 4, 1]);
  assert.deepEqual(renumberBySize([null, 4, 4, null, 2]), [null, 0, 0, null, 1]);
  assert.deepEqual(applyMinSize(Int32Array.from([2, 2, 1]), 2), [0, 0, null]);
});

test('applyMinSize: labels counted by index (small non-negative ids) and by map (any ids) give the same clusters', () => {
  let s = 9;
  const r = () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
  for (let trial = 0; trial < 200; trial++) {
    const n = 1 + Math.floor(r() * 60);
    const labels = Array.from({ length: n }, () => (r() < 0.15 ? null : Math.floor(r() * (1 + r() * n))));
    const pinned = trial % 3 === 0 ? Uint8Array.from(labels, () => (r() < 0.05 ? 1 : 0)) : undefined;
    const minSize = 1 + Math.floor(r() * 4);
    // The same partition under ids the index path does not take (negative, fractional, past n): the map path.
    for (const other of [(l: number) => -l - 1, (l: number) => l + 0.5, (l: number) => l + n + 1])
      assert.deepEqual(
        applyMinSize(labels, minSize, pinned),
        applyMinSize(
          labels.map((l) => (l === null ? null : other(l))),
          minSize,
          pinned,
        ),
        `trial ${trial}`,
      );
  }
});
