import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  applySimilarity,
  CHIP_LANDMARKS,
  extractImageChip,
  faceChipDetails,
  fitSimilarity,
  pyramidDown2,
  templatePoints,
  type ChipDetails,
  type Similarity,
} from '../../../libs/vision/face-chip.js';
import { chipFit, trustChip } from '../../../libs/vision/chip-trust.js';
import { detectFaces, initBackend, loadFaceModels, tf, tfjsDetector, type Point } from '../../../libs/vision/index.js';
import { SHARED_DATA, needsSharedData } from '../../helpers/paths.js';
import { readRgb } from '../../helpers/images.js';

/** 68 points whose dlib-fitted ones are `fitted` (the rest, unused by the fit, at the origin). */
function shape68(fitted: Point[]): Point[] {
  const out: Point[] = Array.from({ length: 68 }, () => ({ x: 0, y: 0 }));
  CHIP_LANDMARKS.forEach((i, k) => (out[i] = fitted[k]));
  return out;
}

test("dlib's chip landmarks: 27-54 and 60-64, 33 points", () => {
  assert.deepEqual(CHIP_LANDMARKS, [...Array.from({ length: 28 }, (_, k) => 27 + k), 60, 61, 62, 63, 64]);
});

test("the template's own points give dlib's identity chip: scale 1, angle 0, rect centred on (75, 75), residual 0", () => {
  const d = faceChipDetails(shape68(templatePoints()));
  assert.ok(Math.abs(d.transform.a - 1) < 1e-12 && Math.abs(d.transform.b) < 1e-12, JSON.stringify(d.transform));
  assert.ok(Math.abs(d.transform.tx) < 1e-9 && Math.abs(d.transform.ty) < 1e-9);
  assert.equal(d.angle, 0);
  // dlib's centered_drect(centre, 150, 150): inclusive corners 149 apart around tform(75, 75).
  for (const [k, v] of Object.entries({ left: 0.5, top: 0.5, right: 149.5, bottom: 149.5 }))
    assert.ok(Math.abs(d.rect[k as keyof typeof d.rect] - v) < 1e-9, `${k} ${d.rect[k as keyof typeof d.rect]}`);
  assert.ok(d.residual < 1e-9);
  // dlib's template at padding 0.25: the nose tip (30) sits at (0.25 + 0.490127) / 1.5 * 150.
  assert.ok(Math.abs(templatePoints()[CHIP_LANDMARKS.indexOf(30)].x - ((0.25 + 0.490127) / 1.5) * 150) < 1e-9);
});

test('a rotated, scaled and moved shape gives back its rotation, scale and centre', () => {
  const s: Similarity = { a: 2.4 * Math.cos(0.35), b: 2.4 * Math.sin(0.35), tx: 310, ty: -42 };
  const d = faceChipDetails(shape68(templatePoints().map((p) => applySimilarity(s, p))));
  assert.ok(Math.abs(d.angle - 0.35) < 1e-12, `angle ${d.angle}`);
  assert.ok(Math.abs(d.rect.right - d.rect.left + 1 - 2.4 * 150) < 1e-9);
  const c = applySimilarity(s, { x: 75, y: 75 });
  assert.ok(Math.abs((d.rect.left + d.rect.right) / 2 - c.x) < 1e-9 && Math.abs((d.rect.top + d.rect.bottom) / 2 - c.y) < 1e-9);
  assert.ok(d.residual < 1e-9);
});

test('the fit is least squares: noise moves it little, the residual measures the noise in chip pixels', () => {
  const s: Similarity = { a: 0.5, b: -0.1, tx: 20, ty: 30 };
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
  const scale = Math.hypot(s.a, s.b);
  // ±2 chip pixels of uniform noise on each coordinate, in image pixels.
  const noisy = templatePoints().map((p) => {
    const q = applySimilarity(s, p);
    return { x: q.x + 2 * scale * rnd(), y: q.y + 2 * scale * rnd() };
  });
  const fit = fitSimilarity(templatePoints(), noisy);
  assert.ok(Math.abs(fit.a - s.a) < 0.01 && Math.abs(fit.b - s.b) < 0.01, JSON.stringify(fit));
  const d = faceChipDetails(shape68(noisy));
  // uniform ±2 per coordinate: RMS distance sqrt(2 · 4/3) ≈ 1.63, a little less after the fit's 4 parameters.
  assert.ok(d.residual > 1.2 && d.residual < 1.8, `residual ${d.residual}`);
  // Scrambled points: no similarity of the mean face, a large residual and a collapsed chip.
  const scrambled = shape68(noisy.map((_, k) => noisy[(k * 7) % noisy.length]));
  const bad = faceChipDetails(scrambled);
  assert.ok(bad.residual > 20, `scrambled residual ${bad.residual}`);
});

/** An image whose channels are linear in x and y: bilinear sampling reproduces it exactly. */
function ramp(width: number, height: number) {
  const data = new Uint8Array(width * height * 3);
  const f = (x: number, y: number) => [x * 0.2, y * 0.25, 20 + 0.05 * (x + y)];
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set(f(x, y).map(Math.round), (y * width + x) * 3);
  return { img: { data, width, height }, f };
}

/** dlib's chip-to-image map at pyramid level 0: the chip's corners onto the rotated rect's. */
function chipToImage(d: ChipDetails, col: number, row: number): Point {
  const c = { x: (d.rect.left + d.rect.right) / 2, y: (d.rect.top + d.rect.bottom) / 2 };
  const rot = (p: Point) => ({
    x: c.x + Math.cos(d.angle) * (p.x - c.x) - Math.sin(d.angle) * (p.y - c.y),
    y: c.y + Math.sin(d.angle) * (p.x - c.x) + Math.cos(d.angle) * (p.y - c.y),
  });
  const tl = rot({ x: d.rect.left, y: d.rect.top }),
    tr = rot({ x: d.rect.right, y: d.rect.top }),
    bl = rot({ x: d.rect.left, y: d.rect.bottom });
  return { x: tl.x + ((tr.x - tl.x) * col) / 149 + ((bl.x - tl.x) * row) / 149, y: tl.y + ((tr.y - tl.y) * col) / 149 + ((bl.y - tl.y) * row) / 149 };
}

test('extraction samples the rotated rectangle bilinearly (exact on a linear image) and is black outside the image', () => {
  const { img, f } = ramp(400, 300);
  const s: Similarity = { a: 1.3 * Math.cos(-0.2), b: 1.3 * Math.sin(-0.2), tx: 60, ty: 80 };
  const d = faceChipDetails(shape68(templatePoints().map((p) => applySimilarity(s, p))));
  const chip = extractImageChip(img, d);
  let worst = 0;
  for (const [col, row] of [
    [0, 0],
    [149, 0],
    [0, 149],
    [149, 149],
    [75, 75],
    [31, 117],
  ]) {
    const p = chipToImage(d, col, row);
    const want = f(p.x, p.y);
    for (let ch = 0; ch < 3; ch++) worst = Math.max(worst, Math.abs(chip[(row * 150 + col) * 3 + ch] - want[ch]));
  }
  // The image holds its values rounded to bytes: ±0.5, then the chip rounds again.
  assert.ok(worst <= 1, `worst |Δ| ${worst}`);

  // The same face moved mostly off the left edge: the chip's left part is black, its right part is not.
  const off = faceChipDetails(shape68(templatePoints().map((p) => applySimilarity({ ...s, tx: -120 }, p))));
  const edge = extractImageChip(img, off);
  const at = (col: number, row: number) => [...edge.subarray((row * 150 + col) * 3, (row * 150 + col) * 3 + 3)];
  const left = chipToImage(off, 0, 75);
  assert.ok(left.x < 0, `chip's left edge maps to x ${left.x}`);
  assert.deepEqual(at(0, 75), [0, 0, 0]);
  assert.ok(at(149, 75)[2] > 0);
});

test("pyramid_down<2>: dlib's size ((n − 3) / 2) and 5×5 binomial filter", () => {
  const w = 21,
    h = 13;
  const data = new Uint8Array(w * h * 3).fill(200);
  // One bright pixel: the filter spreads it with weights [1 4 6 4 1]² / 256.
  data.set([255, 255, 255], (6 * w + 10) * 3);
  const down = pyramidDown2({ data, width: w, height: h });
  assert.deepEqual([down.width, down.height], [9, 5]);
  // Output (r, c) covers input rows 2r..2r+4, columns 2c..2c+4: (6, 10) is the centre of output (2, 4).
  assert.equal(down.data[(2 * 9 + 4) * 3], Math.floor((200 * 256 + 55 * 36) / 256));
  assert.equal(down.data[(2 * 9 + 3) * 3], Math.floor((200 * 256 + 55 * 6) / 256));
  assert.equal(down.data[0], 200);
  assert.equal(pyramidDown2({ data: new Uint8Array(8 * 20 * 3), width: 20, height: 8 }).width, 0);
});

test('a face much larger than the chip goes through the pyramid: a ramp stays a ramp, at the right place', () => {
  const { img } = ramp(1200, 1000);
  const s: Similarity = { a: 5, b: 0.4, tx: 100, ty: 80 };
  const d = faceChipDetails(shape68(templatePoints().map((p) => applySimilarity(s, p))));
  const chip = extractImageChip(img, d);
  // The red channel is x / 5: along the chip's middle row (x grows by ~5 px a chip pixel) it never falls.
  let rising = 0;
  for (let col = 1; col < 150; col++) if (chip[(75 * 150 + col) * 3] >= chip[(75 * 150 + col - 1) * 3]) rising++;
  assert.equal(rising, 149);
  const centre = chipToImage(d, 75, 75);
  // Through two pyramid levels dlib's point mapping is exact to a pixel or two of the finest level.
  assert.ok(Math.abs(chip[(75 * 150 + 75) * 3] - centre.x * 0.2) <= 2, `centre red ${chip[(75 * 150 + 75) * 3]} vs ${centre.x * 0.2}`);
});

test('the guard trusts a fit like the mean face on its box, not a collapsed or displaced one', () => {
  const s: Similarity = { a: 0.8, b: 0, tx: 100, ty: 100 };
  const d = faceChipDetails(shape68(templatePoints().map((p) => applySimilarity(s, p))));
  // A detector box of about one face width (2/3 of the chip) on the face.
  const side = 150 * 0.8 * (1 / 1.5);
  const cx = (d.rect.left + d.rect.right) / 2,
    cy = (d.rect.top + d.rect.bottom) / 2;
  const box: [number, number, number, number] = [cx - side / 2, cy - side / 2, side, side];
  assert.ok(trustChip(chipFit(d, box)));
  assert.ok(!trustChip(chipFit(d, [box[0] + side, box[1], side, side])), 'box one face to the right');
  assert.ok(!trustChip(chipFit(d, [box[0] - side, box[1] - side, 3 * side, 3 * side])), 'chip collapsed against a box 3x its face');
  assert.ok(!trustChip({ ...chipFit(d, box), residual: 30 }), 'scrambled shape');
});

// ---------------------------------------------------------------------------------------------
// dlib's own chips (../shared/data/faces/johns: 150 px chips made by get_face_chip_details +
// extract_image_chip), padded by 75 px of black: re-fitting their landmarks must find the chip again.

before(async () => {
  await initBackend();
  await loadFaceModels();
});

test(
  "on dlib-made chips the fit finds dlib's chip again: near-identity placement, and the net's descriptor of our chip is nearer the original chip's than face-api's chip is",
  { skip: needsSharedData() },
  async (t) => {
    const root = join(SHARED_DATA, 'faces/johns');
    const stats = { n: 0, placed: 0, nearer: 0, dOurs: 0, dFaceApi: 0 };
    for (const who of readdirSync(root).sort()) {
      for (const file of readdirSync(join(root, who)).sort().slice(0, 3)) {
        const { rgb, width, height } = await readRgb(join(root, who, file), 75);
        const image = tf.tensor3d(new Uint8Array(rgb), [height, width, 3], 'int32');
        const original = tf.slice(image, [75, 75, 0], [150, 150, 3]);
        try {
          const r = await detectFaces(image, { minScore: 0.5, maxFaces: 10, allChips: true });
          const f = r.faces[0];
          if (!f) continue;
          stats.n++;
          // The original chip sits at pixels 75..224: dlib's identity rect there is [75.5, 224.5] (centre 150).
          const fit = f.fit;
          const centreOk = fit.centreOffset >= 0 && Math.abs(f.roll) < (3 * Math.PI) / 180;
          const side = fit.sideToBox * ((f.box[2] + f.box[3]) / 2);
          if (centreOk && Math.abs(side - 150) < 12) stats.placed++;
          const [want] = await tfjsDetector.describe([original]);
          const dist = (a: Float32Array) => Math.sqrt(a.reduce((s, v, i) => s + (v - want[i]) ** 2, 0));
          const ours = dist(f.descriptors!.dlib),
            theirs = dist(f.descriptors!['face-api']);
          stats.dOurs += ours;
          stats.dFaceApi += theirs;
          if (ours < theirs) stats.nearer++;
        } finally {
          image.dispose();
          original.dispose();
        }
      }
    }
    t.diagnostic(JSON.stringify({ ...stats, dOurs: stats.dOurs / stats.n, dFaceApi: stats.dFaceApi / stats.n }));
    assert.ok(stats.n >= 12, `${stats.n} faces`);
    assert.ok(stats.placed >= 0.9 * stats.n, `${stats.placed}/${stats.n} chips placed within 3°, ±12 px`);
    assert.ok(stats.nearer >= 0.9 * stats.n, `our chip nearer the original on ${stats.nearer}/${stats.n}`);
    assert.ok(
      stats.dOurs < 0.8 * stats.dFaceApi,
      `mean distance to the original chip's descriptor ${stats.dOurs / stats.n} vs face-api's chip ${stats.dFaceApi / stats.n}`,
    );
  },
);
