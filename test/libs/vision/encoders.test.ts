import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createClothEncoder, initBackend, loadFaceModels, tf, type ClothEncoder } from '../../../libs/vision/index.js';
import { solid } from '../../helpers/images.js';

const W = 160;
const H = 120;

async function encode(enc: ClothEncoder, rgb: Buffer, regions: [number, number, number, number][]) {
  const image = tf.tensor3d(new Uint8Array(rgb), [H, W, 3], 'int32');
  try {
    return await enc.encode({ image, rgb, width: W, height: H, regions });
  } finally {
    image.dispose();
  }
}

const dist = (a: Float32Array, b: Float32Array) => {
  const na = Math.hypot(...a) || 1;
  const nb = Math.hypot(...b) || 1;
  return Math.sqrt(a.reduce((s, v, i) => s + (v / na - b[i] / nb) ** 2, 0));
};

before(async () => {
  await initBackend();
  await loadFaceModels();
});

for (const name of ['cnn', 'histogram'] as const) {
  test(`${name} encoder: 128-d, deterministic, tells red from blue clothing`, async () => {
    const enc = createClothEncoder(name);
    assert.equal(enc.dim, 128);
    const region: [number, number, number, number] = [20, 20, 100, 60];
    const [red1] = await encode(enc, solid(W, H, [200, 30, 30]), [region]);
    const [red2] = await encode(enc, solid(W, H, [200, 30, 30]), [region]);
    const [blue] = await encode(enc, solid(W, H, [30, 30, 200]), [region]);
    assert.equal(red1.length, 128);
    assert.ok(red1.every(Number.isFinite));
    assert.ok(dist(red1, red2) < 1e-5, 'same input, same vector');
    assert.ok(dist(red1, blue) > 0.1, `red vs blue distance ${dist(red1, blue)}`);
  });
}

test('histogram encoder: unit length inside the frame, zero vector wholly outside', async () => {
  const enc = createClothEncoder('histogram');
  const [inside, outside] = await encode(enc, solid(W, H, [10, 200, 10]), [
    [0, 0, 50, 50],
    [500, 500, 20, 20],
  ]);
  assert.ok(Math.abs(Math.hypot(...inside) - 1) < 1e-5);
  assert.equal(Math.hypot(...outside), 0);
  // A single pure colour falls in exactly one bin.
  assert.equal(inside.filter((v) => v > 0).length, 1);
});

test('cnn encoder: one vector per region, in order', async () => {
  const enc = createClothEncoder('cnn');
  const rgb = solid(W, H, [0, 0, 0]);
  for (let y = 0; y < H; y++) for (let x = W / 2; x < W; x++) rgb.set([250, 250, 250], (y * W + x) * 3);
  const out = await encode(enc, rgb, [
    [0, 0, 60, 60],
    [100, 0, 60, 60],
    [0, 0, 60, 60],
  ]);
  assert.equal(out.length, 3);
  assert.ok(dist(out[0], out[2]) < 1e-5);
  assert.ok(dist(out[0], out[1]) > 0.05);
});
