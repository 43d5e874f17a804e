import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { faceSharpness, landmarkYaw, laplacianVariance, SHARPNESS_SIDE, type Point } from '../../../libs/vision/face-quality.js';

test('laplacianVariance: 0 on a flat image, exact on a known pattern', () => {
  assert.equal(laplacianVariance(new Uint8Array(25).fill(90), 5, 5), 0);
  // a single bright pixel in the middle of a 3x3 image: one valid pixel, variance 0
  assert.equal(laplacianVariance(Uint8Array.from([0, 0, 0, 0, 10, 0, 0, 0, 0]), 3, 3), 0);
  // 4x3 image, valid pixels (1,1) and (2,1): Laplacians -40 and +10 → mean -15, variance 625
  const g = Uint8Array.from([0, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0, 0]);
  assert.equal(laplacianVariance(g, 4, 3), 625);
  assert.equal(laplacianVariance(new Uint8Array(4), 2, 2), 0, 'too small for a 3x3 kernel');
});

/** A packed RGB checkerboard of `cell`-pixel squares. */
function checkerboard(w: number, h: number, cell: number): Buffer {
  const b = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) b.fill((((x / cell) | 0) + ((y / cell) | 0)) % 2 ? 230 : 20, 3 * (y * w + x), 3 * (y * w + x) + 3);
  return b;
}

test('faceSharpness: a blurred face box reads lower than the sharp one; a box outside the frame reads 0', async () => {
  const w = 200,
    h = 160;
  const rgb = checkerboard(w, h, 8);
  const blurred = await sharp(rgb, { raw: { width: w, height: h, channels: 3 } })
    .blur(4)
    .raw()
    .toBuffer();
  const box: [number, number, number, number] = [40, 30, 96, 96];
  const sharpScore = await faceSharpness(rgb, w, h, box);
  const blurScore = await faceSharpness(blurred, w, h, box);
  assert.ok(sharpScore > 4 * blurScore, `${sharpScore} vs ${blurScore}`);
  assert.ok(blurScore > 0);
  assert.equal(await faceSharpness(rgb, w, h, [500, 500, 20, 20]), 0);
  assert.equal(SHARPNESS_SIDE, 64);
});

/** 68 landmarks with eye centres at (±e, 0) and the nose tip at (nx, ny), then rotated by `angle`. */
function landmarks(e: number, nx: number, ny: number, angle = 0): Point[] {
  const p: Point[] = Array.from({ length: 68 }, () => ({ x: 0, y: 50 }));
  for (let i = 36; i < 42; i++) p[i] = { x: -e + (i - 38.5), y: 0 };
  for (let i = 42; i < 48; i++) p[i] = { x: e + (i - 44.5), y: 0 };
  p[30] = { x: nx, y: ny };
  const c = Math.cos(angle),
    s = Math.sin(angle);
  return p.map(({ x, y }) => ({ x: x * c - y * s, y: x * s + y * c }));
}

test('landmarkYaw: 0 for a frontal face, the nose offset over the eye distance when turned, the same when the head is tilted', () => {
  assert.equal(landmarkYaw(landmarks(20, 0, 25)), 0);
  assert.ok(Math.abs(landmarkYaw(landmarks(20, 10, 25)) - 0.25) < 1e-12);
  assert.ok(Math.abs(landmarkYaw(landmarks(20, -10, 25)) + 0.25) < 1e-12);
  assert.ok(Math.abs(landmarkYaw(landmarks(20, 10, 25, 0.4)) - 0.25) < 1e-12, 'roll does not change it');
  assert.ok(Number.isNaN(landmarkYaw(landmarks(0, 0, 25).map((q, i) => (i >= 36 && i < 48 ? { x: 0, y: 0 } : q)))));
  assert.throws(() => landmarkYaw([]), RangeError);
});
