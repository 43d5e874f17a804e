import { test } from 'node:test';
import assert from 'node:assert/strict';
import { linkage, linkageFromBuffer, linkageToBuffer, pdist } from '../../../libs/clustering/index.js';

test('linkage Buffer round trip is exact, little-endian float64, 32 bytes a row', () => {
  const pts = Array.from({ length: 40 }, (_, i) => [Math.sin(i * 1.7) * 3, Math.cos(i * 0.3) / 7, i % 5]);
  const Z = linkage(pdist(pts), 40, 'average');
  const buf = linkageToBuffer(Z);
  assert.equal(buf.length, 39 * 32);
  assert.equal(buf.readDoubleLE(16), Z[2]);
  const back = linkageFromBuffer(buf);
  assert.equal(back.n, 40);
  assert.deepEqual(Array.from(back.Z), Array.from(Z));
  // a Buffer that is a slice of a larger one (as database drivers hand out) decodes too
  const padded = Buffer.concat([Buffer.from([1, 2, 3]), buf]).subarray(3);
  assert.deepEqual(Array.from(linkageFromBuffer(padded).Z), Array.from(Z));
  assert.throws(() => linkageFromBuffer(Buffer.alloc(33)), /whole number of rows/);
});
