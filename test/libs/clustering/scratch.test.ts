// Reused working buffers (scratch.ts): a mirror or a matrix built in a lent buffer that holds another tree's values,
// and is larger than needed, gives the same linkage as fresh memory, bit for bit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  applyCannotLink,
  CANNOT_LINK_DISTANCE,
  linkage,
  pdist,
  scratchCondensed,
  unitDistances,
  unitDistancesKeyed,
  type ScratchPool,
} from '../../../libs/clustering/index.js';
import { blobPoints, loadBlobs } from './fixtures.js';

/** A pool that lends one dirty buffer (NaNs: any value read before written shows), larger than asked, and counts. */
function dirtyPool(): ScratchPool & { lent: number; back: number } {
  let free: ArrayBuffer | SharedArrayBuffer | undefined;
  const pool = {
    lent: 0,
    back: 0,
    take(bytes: number, shared: boolean) {
      const b =
        free && free.byteLength >= bytes && free instanceof SharedArrayBuffer === shared
          ? free
          : shared
            ? new SharedArrayBuffer(bytes + 4096)
            : new ArrayBuffer(bytes + 4096);
      new Float64Array(b, 0, Math.floor(b.byteLength / 8)).fill(NaN);
      free = undefined;
      pool.lent++;
      return b;
    },
    give(b: ArrayBuffer | SharedArrayBuffer) {
      free = b;
      pool.back++;
    },
  };
  return pool;
}

test('linkage with a scratch pool: the mirror in a lent dirty buffer, the same Z as without, every method; the buffer comes back', () => {
  const f = loadBlobs();
  const X = blobPoints(f).slice(0, 600);
  const d = pdist(X);
  for (const method of ['average', 'complete', 'single'] as const) {
    const pool = dirtyPool();
    const want = linkage(d, X.length, method);
    const got = linkage(d, X.length, method, { scratch: pool });
    assert.equal(pool.lent, 1, method);
    assert.equal(pool.back, 1, method);
    assert.ok(
      got.every((z, q) => Object.is(z, want[q])),
      method,
    );
  }
});

test('scratchCondensed: a view of exactly m values from the start of a lent buffer, shared as condensedBuffer would be', () => {
  const pool = dirtyPool();
  const c = scratchCondensed(pool, 1000, 'float32');
  assert.ok(c instanceof Float32Array);
  assert.equal(c.length, 1000);
  assert.equal(c.byteOffset, 0);
  assert.ok(!(c.buffer instanceof SharedArrayBuffer));
  assert.ok(scratchCondensed(pool, 2 ** 24, 'float64').buffer instanceof SharedArrayBuffer);
  assert.ok(scratchCondensed(undefined, 10, 'float64').every((x) => x === 0));
});

test('unitDistancesKeyed = applyCannotLink (one group per point) then unitDistances, bit for bit; the input unchanged', () => {
  let s = 7;
  const r = () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
  for (const [n, k, groups] of [
    [60, 60, 20],
    [80, 50, 30],
    [90, 20, 10],
    [40, 39, 0],
  ] as const) {
    const d = Float64Array.from({ length: (n * (n - 1)) / 2 }, () => r() * 3);
    // Units: k units in random order of first appearance, every unit non-empty.
    const unitOf = Int32Array.from({ length: n }, (_, i) => (i < k ? i : Math.floor(r() * k)));
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(r() * (i + 1));
      [unitOf[i], unitOf[j]] = [unitOf[j], unitOf[i]];
    }
    const units = { unitOf, count: k };
    const key = groups > 0 ? Float64Array.from({ length: n }, () => Math.floor(r() * groups)) : undefined;
    const before = d.slice();
    const want = d.slice();
    if (key)
      applyCannotLink(
        want,
        n,
        Array.from(key, (g) => [g]),
      );
    const expected = unitDistances(want, n, units);
    const got = unitDistancesKeyed(d, n, units, { key, value: CANNOT_LINK_DISTANCE, scratch: dirtyPool() });
    assert.equal(got.length, expected.length);
    assert.ok(
      expected.every((x, q) => Object.is(x, got[q])),
      `n ${n} k ${k}`,
    );
    assert.ok(
      d.every((x, q) => Object.is(x, before[q])),
      'input unchanged',
    );
  }
});
