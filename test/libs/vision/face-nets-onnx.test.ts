import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { faceapi, initBackend, initDetector, loadFaceModels, tf, tfjsDetector } from '../../../libs/vision/index.js';
import { loadOrt } from '../../../libs/vision/onnx/ssd-detector.js';
import { sampleFrames } from '../../../libs/media/index.js';
import { FACE_API_DEMO, HAMILTON, needsSharedData } from '../../helpers/paths.js';
import { readRgb } from '../../helpers/images.js';
import { PLAIN_SAMPLING } from '../../helpers/media.js';

// The onnx landmark and recognition nets are face-api's FaceLandmark68Net and FaceRecognitionNet
// converted by our own code (libs/vision/onnx/landmark-model.ts, recognition-model.ts): on real faces
// their points and descriptors must be face-api's, number for number, not merely "close faces".
const noOrt = loadOrt() ? false : 'onnxruntime-node is not installed';
type Tensor3D = ReturnType<typeof tf.tensor3d>;
type FaceApiInput = Parameters<typeof faceapi.extractFaceTensors>[0];

before(async () => {
  await initBackend();
  await loadFaceModels();
});

interface Faces {
  /** The detections' crops: the landmark net's input. */
  crops: Tensor3D[];
  /** The dlib-aligned chips: the recognition net's input. */
  chips: Tensor3D[];
}

/** face-api's face crops and aligned chips of an image (detector, landmarks, dlib alignment), as detectFaces makes them. */
async function facesOf(rgb: Uint8Array, width: number, height: number, into: Faces): Promise<void> {
  const image = tf.tensor3d(rgb, [height, width, 3], 'int32');
  try {
    const found = await faceapi.detectAllFaces(image).withFaceLandmarks();
    const crops = await faceapi.extractFaceTensors(
      image as unknown as FaceApiInput,
      found.map((f) => f.detection),
    );
    const aligned = found.map((f) => f.landmarks.align(null, { useDlibAlignment: true }));
    const chips = await faceapi.extractFaceTensors(image as unknown as FaceApiInput, aligned);
    into.crops.push(...(crops as unknown as Tensor3D[]));
    into.chips.push(...(chips as unknown as Tensor3D[]));
  } finally {
    image.dispose();
  }
}

let demo: Faces | undefined;
async function demoFaces(): Promise<Faces> {
  if (demo) return demo;
  const out: Faces = { crops: [], chips: [] };
  for (const f of ['sample1.jpg', 'sample2.jpg', 'sample3.jpg', 'sample4.jpg', 'sample5.jpg', 'sample6.jpg']) {
    const { rgb, width, height } = await readRgb(join(FACE_API_DEMO, f));
    await facesOf(new Uint8Array(rgb), width, height, out);
  }
  demo = out;
  return out;
}

let hamilton: Faces | undefined;
async function hamiltonFaces(): Promise<Faces> {
  if (hamilton) return hamilton;
  const opts = PLAIN_SAMPLING;
  const out: Faces = { crops: [], chips: [] };
  for await (const f of sampleFrames(HAMILTON, opts)) await facesOf(new Uint8Array(f.data), f.width, f.height, out);
  hamilton = out;
  return out;
}

/** The worst |Δ| over all descriptor values, one chip at a time and all chips in one batch. */
async function worstDescriptorDiff(chips: Tensor3D[]): Promise<{ single: number; batch: number }> {
  const onnx = await initDetector({ prefer: 'onnx' });
  assert.equal(onnx.kind, 'onnx');
  const want = await tfjsDetector.describe(chips);
  const single: Float32Array[] = [];
  for (const c of chips) single.push(...(await onnx.describe([c])));
  const batch = await onnx.describe(chips);
  const worst = (got: Float32Array[]) => {
    assert.equal(got.length, want.length);
    let m = 0;
    got.forEach((g, i) => {
      assert.equal(g.length, 128);
      for (let k = 0; k < 128; k++) m = Math.max(m, Math.abs(g[k] - want[i][k]));
    });
    return m;
  };
  return { single: worst(single), batch: worst(batch) };
}

/** The worst distance in pixels of the face crop between a point of ours and face-api's, one by one and batched. */
async function worstLandmarkDiff(crops: Tensor3D[]): Promise<{ single: number; batch: number }> {
  const onnx = await initDetector({ prefer: 'onnx' });
  const want = await tfjsDetector.landmarks(crops);
  const single = [];
  for (const c of crops) single.push(...(await onnx.landmarks([c])));
  const batch = await onnx.landmarks(crops);
  const worst = (got: typeof want) => {
    assert.equal(got.length, want.length);
    let m = 0;
    got.forEach((g, i) => {
      assert.equal(g.positions.length, 68);
      assert.deepEqual([g.imageWidth, g.imageHeight], [want[i].imageWidth, want[i].imageHeight]);
      g.positions.forEach((p, k) => (m = Math.max(m, Math.abs(p.x - want[i].positions[k].x), Math.abs(p.y - want[i].positions[k].y))));
    });
    return m;
  };
  return { single: worst(single), batch: worst(batch) };
}

test("landmarks match face-api's on the faces of its demo photos (≤ 0.1 px)", { skip: noOrt }, async (t) => {
  const { crops } = await demoFaces();
  assert.ok(crops.length >= 10, `${crops.length} faces`);
  const d = await worstLandmarkDiff(crops);
  t.diagnostic(`${crops.length} faces; max |Δ| one by one ${d.single.toExponential(2)} px, batched ${d.batch.toExponential(2)} px`);
  assert.ok(d.single <= 0.1, `max |Δ| ${d.single} px`);
  assert.ok(d.batch <= 0.1, `max |Δ| batched ${d.batch} px`);
});

test("landmarks match face-api's on the faces of the Hamilton clip (≤ 0.1 px)", { skip: noOrt || needsSharedData(HAMILTON) }, async (t) => {
  const { crops } = await hamiltonFaces();
  assert.ok(crops.length >= 5, `${crops.length} faces`);
  const d = await worstLandmarkDiff(crops);
  t.diagnostic(`${crops.length} faces; max |Δ| one by one ${d.single.toExponential(2)} px, batched ${d.batch.toExponential(2)} px`);
  assert.ok(d.single <= 0.1, `max |Δ| ${d.single} px`);
  assert.ok(d.batch <= 0.1, `max |Δ| batched ${d.batch} px`);
});

test("descriptors match face-api's on the faces of its demo photos (max |Δ| ≤ 1e-4)", { skip: noOrt }, async (t) => {
  const { chips } = await demoFaces();
  assert.ok(chips.length >= 10, `${chips.length} faces`);
  const d = await worstDescriptorDiff(chips);
  t.diagnostic(`${chips.length} faces; max |Δ| one by one ${d.single.toExponential(2)}, batched ${d.batch.toExponential(2)}`);
  assert.ok(d.single <= 1e-4, `max |Δ| ${d.single}`);
  assert.ok(d.batch <= 1e-4, `max |Δ| batched ${d.batch}`);
});

test("descriptors match face-api's on the faces of the Hamilton clip (max |Δ| ≤ 1e-4)", { skip: noOrt || needsSharedData(HAMILTON) }, async (t) => {
  const { chips } = await hamiltonFaces();
  assert.ok(chips.length >= 5, `${chips.length} faces`);
  const d = await worstDescriptorDiff(chips);
  t.diagnostic(`${chips.length} faces; max |Δ| one by one ${d.single.toExponential(2)}, batched ${d.batch.toExponential(2)}`);
  assert.ok(d.single <= 1e-4, `max |Δ| ${d.single}`);
  assert.ok(d.batch <= 1e-4, `max |Δ| batched ${d.batch}`);
});

test('a chip with an empty side gets the zero descriptor, as from face-api, without upsetting the others in its batch', { skip: noOrt }, async () => {
  const onnx = await initDetector({ prefer: 'onnx' });
  const empty = tf.tensor3d(new Int32Array(0), [0, 20, 3], 'int32');
  const face = (await demoFaces()).chips.slice(0, 1);
  const [want] = await tfjsDetector.describe(face);
  const [zero, got] = await onnx.describe([empty, ...face]);
  assert.deepEqual([...zero], new Array(128).fill(0));
  assert.ok(Math.max(...got.map((v, k) => Math.abs(v - want[k]))) <= 1e-4);
  empty.dispose();
});
