import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { detectFaces, faceapi, initBackend, initDetector, loadFaceModels, tf, tfjsDetector } from '../../../libs/vision/index.js';
import { createOnnxSsdDetector, loadOrt, ssdInput, type OnnxSsdDetector } from '../../../libs/vision/onnx/ssd-detector.js';
import { nonMaxSuppression } from '../../../libs/vision/onnx/ssd-postprocess.js';
import { sampleFrames } from '../../../libs/media/index.js';
import { FACE_API_DEMO, HAMILTON, needsSharedData } from '../../helpers/paths.js';
import { readRgb } from '../../helpers/images.js';
import { PLAIN_SAMPLING } from '../../helpers/media.js';

// The ONNX detector is face-api's SSD converted by our own code (libs/vision/onnx): it must give
// face-api's answers on real images, anchor for anchor, not merely "similar faces".
const noOrt = loadOrt() ? false : 'onnxruntime-node is not installed';
let onnx: OnnxSsdDetector;

before(async () => {
  await initBackend();
  await loadFaceModels();
  if (!noOrt) onnx = await createOnnxSsdDetector();
});

interface Image {
  name: string;
  rgb: Uint8Array;
  width: number;
  height: number;
}

async function demoPhotos(): Promise<Image[]> {
  // Landscape, portrait and square photos: the padding to a square differs.
  const out: Image[] = [];
  for (const f of ['sample1.jpg', 'sample2.jpg', 'sample3.jpg', 'sample4.jpg', 'sample5.jpg', 'sample6.jpg']) {
    const { rgb, width, height } = await readRgb(join(FACE_API_DEMO, f));
    out.push({ name: f, rgb: new Uint8Array(rgb), width, height });
  }
  return out;
}

async function hamiltonFrames(every: number): Promise<Image[]> {
  const opts = { ...PLAIN_SAMPLING, capture_interval_sec: every };
  const out: Image[] = [];
  for await (const f of sampleFrames(HAMILTON, opts))
    out.push({ name: `hamilton@${f.t.toFixed(2)}s`, rgb: new Uint8Array(f.data), width: f.width, height: f.height });
  return out;
}

const toTensor = (img: Image) => tf.tensor3d(img.rgb, [img.height, img.width, 3], 'int32');

/** face-api's own raw outputs for every anchor: decoded boxes and face scores, before NMS. */
async function faceApiRaw(img: Image): Promise<{ boxes: Float32Array; scores: Float32Array }> {
  const t = toTensor(img);
  try {
    const out = await faceapi.nets.ssdMobilenetv1.forward(t);
    const boxes = out.boxes[0].dataSync() as Float32Array;
    const scores = out.scores[0].dataSync() as Float32Array;
    tf.dispose([...out.boxes, ...out.scores] as unknown as ReturnType<typeof tf.scalar>[]);
    return { boxes, scores };
  } finally {
    t.dispose();
  }
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

test("the input is face-api's: padded to a square at the bottom/right, resized to 512 like tf.image.resizeBilinear, in [-1, 1]", { skip: noOrt }, async () => {
  for (const img of (await demoPhotos()).slice(0, 3)) {
    const t = toTensor(img);
    const netInput = await faceapi.toNetInput(t);
    const ref = tf.tidy(() => tf.sub(tf.div(netInput.toBatchTensor(512, false) as unknown as ReturnType<typeof tf.zeros>, 127.5), 1).transpose([0, 3, 1, 2]));
    const want = ref.dataSync() as Float32Array;
    tf.dispose([t, ref]);
    const got = ssdInput(img.rgb, img.width, img.height);
    assert.ok(maxAbsDiff(got, want) < 1e-4, `${img.name}: max |Δ| ${maxAbsDiff(got, want)}`);
  }
});

/** Every anchor's box and score within `tol` of face-api's, and the same detections after NMS. */
async function assertSameAsFaceApi(images: Image[], tol: { raw: number; px: number }) {
  let worstBox = 0;
  let worstScore = 0;
  let faces = 0;
  for (const img of images) {
    const want = await faceApiRaw(img);
    const got = await onnx.raw(img.rgb, img.width, img.height);
    worstBox = Math.max(worstBox, maxAbsDiff(got.boxes, want.boxes));
    worstScore = Math.max(worstScore, maxAbsDiff(got.scores, want.scores));

    const t = toTensor(img);
    const ref = await faceapi.nets.ssdMobilenetv1.locateFaces(t, new faceapi.SsdMobilenetv1Options({ minConfidence: 0.5, maxResults: 100 }));
    t.dispose();
    const mine = await onnx.detect(img.rgb, img.width, img.height, { minScore: 0.5, maxResults: 100 });
    assert.equal(mine.length, ref.length, `${img.name}: ${mine.length} faces, face-api ${ref.length}`);
    faces += ref.length;
    ref.forEach((r, i) => {
      const m = mine[i];
      const px = [
        m.relBox.x * img.width - r.box.x,
        m.relBox.y * img.height - r.box.y,
        m.relBox.width * img.width - r.box.width,
        m.relBox.height * img.height - r.box.height,
      ];
      assert.ok(Math.max(...px.map(Math.abs)) < tol.px, `${img.name} face ${i}: box off by ${px.join(', ')} px`);
      assert.ok(Math.abs(m.score - r.score) < tol.raw, `${img.name} face ${i}: score ${m.score} vs ${r.score}`);
    });
  }
  assert.ok(worstBox < tol.raw, `max |Δ| over all anchors' boxes ${worstBox}`);
  assert.ok(worstScore < tol.raw, `max |Δ| over all anchors' scores ${worstScore}`);
  return { worstBox, worstScore, faces };
}

test('every anchor and every detection match face-api on its demo photos', { skip: noOrt }, async (t) => {
  const r = await assertSameAsFaceApi(await demoPhotos(), { raw: 1e-4, px: 0.1 });
  t.diagnostic(`max |Δ| box ${r.worstBox.toExponential(2)}, score ${r.worstScore.toExponential(2)}; ${r.faces} faces`);
  assert.ok(r.faces >= 10, `the photos hold ${r.faces} faces`);
});

test('every anchor and every detection match face-api on frames of the Hamilton clip', { skip: noOrt || needsSharedData(HAMILTON) }, async (t) => {
  const r = await assertSameAsFaceApi(await hamiltonFrames(1), { raw: 1e-4, px: 0.1 });
  t.diagnostic(`max |Δ| box ${r.worstBox.toExponential(2)}, score ${r.worstScore.toExponential(2)}; ${r.faces} faces`);
  assert.ok(r.faces >= 5, `the frames hold ${r.faces} faces`);
});

test('detectFaces on the onnx detector: the faces, landmarks-based yaw and descriptors of the TF.js detector', { skip: noOrt }, async () => {
  const detector = await initDetector({ prefer: 'onnx' });
  assert.equal(detector.kind, 'onnx');
  for (const img of (await demoPhotos()).slice(0, 2)) {
    const t = toTensor(img);
    const want = await detectFaces(t, { minScore: 0.5, maxFaces: 100, detector: tfjsDetector });
    const got = await detectFaces(t, { minScore: 0.5, maxFaces: 100, detector, rgb: img.rgb });
    const fromTensor = await detectFaces(t, { minScore: 0.5, maxFaces: 100, detector });
    t.dispose();
    assert.ok(want.count > 0);
    assert.equal(got.count, want.count);
    assert.deepEqual(
      fromTensor.faces.map((f) => f.box),
      got.faces.map((f) => f.box),
    );
    want.faces.forEach((w, i) => {
      const g = got.faces[i];
      assert.ok(Math.max(...g.box.map((v, k) => Math.abs(v - w.box[k]))) < 0.5, `${img.name} face ${i}: ${g.box.join(',')} vs ${w.box.join(',')}`);
      const dist = Math.sqrt(g.descriptor.reduce((s, v, k) => s + (v - w.descriptor[k]) ** 2, 0));
      assert.ok(dist < 0.01, `${img.name} face ${i}: descriptors ${dist} apart`);
      assert.ok(Math.abs(g.yaw - w.yaw) < 0.01);
    });
  }
});

test('NMS keeps the best box of an overlapping pair and both of a disjoint pair, above the score floor only', () => {
  // [ymin, xmin, ymax, xmax]: boxes 0 and 1 overlap with IoU 0.81, box 2 is elsewhere, box 3 scores too low.
  const boxes = Float32Array.of(0, 0, 1, 1, 0, 0, 0.9, 0.9, 2, 2, 3, 3, 5, 5, 6, 6);
  const scores = Float32Array.of(0.8, 0.9, 0.7, 0.4);
  assert.deepEqual(nonMaxSuppression(boxes, scores, 100, 0.5, 0.5), [1, 2]);
  assert.deepEqual(nonMaxSuppression(boxes, scores, 1, 0.5, 0.5), [1]);
  assert.deepEqual(nonMaxSuppression(boxes, scores, 100, 0.9, 0.5), [1, 0, 2]);
});
