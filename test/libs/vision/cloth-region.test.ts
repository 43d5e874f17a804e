import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bodyRegion, clampRect, clothRegion, normalisedBox } from '../../../libs/vision/index.js';

test('clothing region spans x in [left-w, left+2w], y in [bottom+0.2h, bottom+h]', () => {
  const [x, y, w, h] = clothRegion([100, 50, 40, 60]);
  assert.deepEqual([x, x + w], [60, 180]);
  assert.ok(Math.abs(y - 122) < 1e-9 && Math.abs(y + h - 170) < 1e-9);
});

test('body region grows the face box by one face size on each side', () => {
  assert.deepEqual(bodyRegion([100, 50, 40, 60]), [60, -10, 120, 180]);
});

test('clampRect cuts to the frame and returns null when outside', () => {
  assert.deepEqual(clampRect([-10, -10, 30, 30], 100, 100), [0, 0, 20, 20]);
  assert.deepEqual(clampRect([90, 90, 30, 30], 100, 100), [90, 90, 10, 10]);
  assert.equal(clampRect([200, 0, 10, 10], 100, 100), null);
});

test('normalisedBox keeps coordinates outside [0, 1] so the crop pads with black', () => {
  assert.deepEqual(normalisedBox([-50, 50, 100, 100], 100, 200), [0.25, -0.5, 0.75, 0.5]);
});

test('visibleFraction is the share of the rect inside the frame', async () => {
  const { visibleFraction } = await import('../../../libs/vision/index.js');
  assert.equal(visibleFraction([0, 0, 10, 10], 100, 100), 1);
  assert.equal(visibleFraction([-5, 0, 10, 10], 100, 100), 0.5);
  assert.equal(visibleFraction([0, 95, 10, 10], 100, 100), 0.5);
  assert.equal(visibleFraction([200, 200, 10, 10], 100, 100), 0);
});
