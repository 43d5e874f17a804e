// Reused working buffers (scratch.ts): a mirror or a matrix built in a lent buffer that holds another tree's values,
// and is larger than needed, gives the same linkage as fresh memory, bit for bit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { linkage, pdist, scratchCondensed, type ScratchPool } from '../../../libs/clustering/index.js';
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
