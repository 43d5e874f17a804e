import { test } from 'node:test';
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { condensedBuffer, linkage, pdist } from '../../../libs/clustering/index.js';
import { NnPair } from '../../../libs/clustering/nn-chain-pair.js';
import type { NnPairStats } from '../../../libs/clustering/nn-chain-pair.js';
import { blobPoints, countMismatches, flatZ, loadBlobs } from './fixtures.js';

// The two-thread nn-chain (nn-chain-pair.ts) must give the single-thread Z bit for bit. The matrices
// here are small, so the rounds are shared from 64 live slots on (pairMinLive) and the test waits
// for the worker to start; stats prove that the worker really computed chunks.

const N = 1500;

/** Distances between points of a 12 x 12 x 3 integer grid, rounded to integers: thousands of exact ties. */
function tiedDistances(n: number, Ctor: Float32ArrayConstructor | Float64ArrayConstructor, seed: number): Float64Array | Float32Array {
  let s = seed >>> 0;
  const rand = () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 2 ** 32;
  };
  const p = Array.from({ length: n }, () => [Math.floor(rand() * 12), Math.floor(rand() * 12), Math.floor(rand() * 3)]);
  const buf = new SharedArrayBuffer(((n * (n - 1)) / 2) * Ctor.BYTES_PER_ELEMENT);
  const y = Ctor === Float32Array ? new Float32Array(buf) : new Float64Array(buf);
  let q = 0;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) y[q++] = Math.round(Math.hypot(p[i][0] - p[j][0], p[i][1] - p[j][1], p[i][2] - p[j][2]));
  return y;
}

function identical(a: Float64Array, b: Float64Array): boolean {
  return a.length === b.length && a.every((v, k) => Object.is(v, b[k]));
}

const newStats = (): NnPairStats => ({ threads: 0, sharedRounds: 0, workerChunks: 0 });

for (const Ctor of [Float64Array, Float32Array]) {
  for (const method of ['average', 'complete'] as const) {
    test(`two-thread nn-chain = single-thread, ${Ctor.name} ${method}, n=${N} with exact ties`, () => {
      const y = tiedDistances(N, Ctor, method === 'average' ? 11 : 12);
      const one = newStats();
      const Z1 = linkage(y, N, method, { memory: 'low', algorithm: 'nn-chain', threads: 1, stats: one });
      assert.equal(one.threads, 1);
      const two = newStats();
      const Z2 = linkage(y, N, method, { memory: 'low', algorithm: 'nn-chain', threads: 2, pairMinLive: 64, pairWaitForWorker: true, stats: two });
      assert.equal(two.threads, 2, 'the two-thread path ran');
      assert.ok(two.sharedRounds > N, `rounds were shared (${two.sharedRounds})`);
      assert.ok(two.workerChunks > 0, 'the worker computed chunks');
      assert.ok(identical(Z1, Z2), 'Z bit-identical');
      // 'auto' switches between shared and solo rounds as it measures them: still the same Z
      const auto = newStats();
      const Z4 = linkage(y, N, method, { memory: 'low', algorithm: 'nn-chain', pairMinLive: 64, pairWaitForWorker: true, stats: auto });
      assert.equal(auto.threads, availableParallelism() >= 2 ? 2 : 1);
      assert.ok(identical(Z1, Z4), "Z bit-identical, 'auto'");
      // the input was not overwritten so far; now in place (last: it destroys y)
      const two2 = newStats();
      const Z3 = linkage(y, N, method, {
        memory: 'low',
        algorithm: 'nn-chain',
        threads: 2,
        pairMinLive: 64,
        pairWaitForWorker: true,
        overwrite: true,
        stats: two2,
      });
      assert.equal(two2.threads, 2);
      assert.ok(identical(Z1, Z3), 'Z bit-identical, in place');
    });
  }
}

test("two-thread nn-chain on the 2,000 x 256 blobs equals scipy's Z", () => {
  const f = loadBlobs();
  const y = pdist(blobPoints(f), { threads: 1 });
  for (const method of ['average', 'complete'] as const) {
    const stats = newStats();
    const Z = linkage(y, f.n, method, { memory: 'low', algorithm: 'nn-chain', threads: 2, pairMinLive: 64, pairWaitForWorker: true, stats });
    assert.equal(stats.threads, 2);
    assert.ok(stats.workerChunks > 0);
    assert.equal(countMismatches(Z, flatZ(f.methods[method].Z)), 0, method);
  }
});

test('a working matrix that is not shared memory stays on one thread (no copy), with the same Z', () => {
  const shared = tiedDistances(300, Float32Array, 5);
  const plain = Float32Array.from(shared);
  assert.ok(!(plain.buffer instanceof SharedArrayBuffer));
  const stats = newStats();
  const Z = linkage(plain, 300, 'average', { memory: 'low', algorithm: 'nn-chain', threads: 2, pairMinLive: 64, overwrite: true, stats });
  assert.equal(stats.threads, 1);
  assert.ok(identical(Z, linkage(shared, 300, 'average', { memory: 'low', algorithm: 'nn-chain', threads: 1 })));
  assert.throws(() => new NnPair(plain, 300, true, 64, 2), /SharedArrayBuffer/);
  assert.throws(() => linkage(shared, 300, 'average', { threads: 3 as never }), /threads/);
});

test('large condensed buffers are shared memory, small ones are not', () => {
  assert.ok(condensedBuffer(2 ** 24, 'float32').buffer instanceof SharedArrayBuffer);
  assert.ok(!(condensedBuffer(1000, 'float32').buffer instanceof SharedArrayBuffer));
  assert.ok(condensedBuffer(1000, 'float32', true).buffer instanceof SharedArrayBuffer);
});
