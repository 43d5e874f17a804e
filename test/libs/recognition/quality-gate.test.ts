import { test } from 'node:test';
import assert from 'node:assert/strict';
import { QUALITY_GATE, RECOGNITION, qualityGate } from '../../../libs/recognition/index.js';

test('qualityGate: refuses faces under the refusal size, raises the threshold under the raise size, else the normal threshold', () => {
  const { refuseBelowPx, raiseBelowPx, raisedThreshold } = QUALITY_GATE;
  assert.ok(refuseBelowPx < raiseBelowPx && raisedThreshold > RECOGNITION.threshold);
  assert.deepEqual(qualityGate(refuseBelowPx - 0.4), { face_px: refuseBelowPx, gate: 'refused', threshold: null });
  assert.deepEqual(qualityGate(12), { face_px: 12, gate: 'refused', threshold: null });
  assert.deepEqual(qualityGate(refuseBelowPx), { face_px: refuseBelowPx, gate: 'raised', threshold: raisedThreshold });
  assert.deepEqual(qualityGate(raiseBelowPx - 1), { face_px: raiseBelowPx - 1, gate: 'raised', threshold: raisedThreshold });
  assert.deepEqual(qualityGate(raiseBelowPx), { face_px: raiseBelowPx, gate: 'ok', threshold: RECOGNITION.threshold });
  assert.deepEqual(qualityGate(400), { face_px: 400, gate: 'ok', threshold: RECOGNITION.threshold });
});
