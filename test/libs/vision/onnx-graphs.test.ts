// The face nets' ONNX graphs are built by our own code from face-api's weights (libs/vision/onnx/*-model.ts). The
// parity tests (ssd-onnx, face-nets-onnx) show what a graph computes; these pins show that a change to the builders
// left each built model the same, byte for byte. A deliberate change to a graph changes its pin: update it once the
// parity tests pass on the new graph.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { MODEL_DIR } from '../../../libs/vision/models.js';
import { readTfjsWeights, type TfjsWeights } from '../../../libs/vision/onnx/tfjs-weights.js';
import { buildSsdOnnx, SSD_MANIFEST } from '../../../libs/vision/onnx/ssd-model.js';
import { buildLandmarkOnnx, LANDMARK_MANIFEST } from '../../../libs/vision/onnx/landmark-model.js';
import { buildRecognitionOnnx, RECOGNITION_MANIFEST } from '../../../libs/vision/onnx/recognition-model.js';

const PINS: [string, string, (w: TfjsWeights) => Uint8Array, number, string][] = [
  ['ssd', SSD_MANIFEST, buildSsdOnnx, 22164054, '5917513c1a713135bcc26a0a8b70d519abd29b4b6feba4d7033bfeae3b1873fd'],
  ['landmarks', LANDMARK_MANIFEST, buildLandmarkOnnx, 1435189, '97507600a723f1ecea6bca039820f3183de9b5a124ca2d64b3da2f550037d2e5'],
  ['recognition', RECOGNITION_MANIFEST, buildRecognitionOnnx, 22473717, '14f1ec0ac4be7280ded33aebdca041b8087cd88dfd5449a84b9def498b0989c9'],
];

for (const [net, manifest, build, size, sha256] of PINS) {
  test(`the ${net} net's built ONNX model is the pinned one`, () => {
    const bytes = build(readTfjsWeights(MODEL_DIR, manifest));
    assert.equal(bytes.length, size);
    assert.equal(createHash('sha256').update(bytes).digest('hex'), sha256);
  });
}
