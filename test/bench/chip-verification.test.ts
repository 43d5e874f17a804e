import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bandPairs, BANDS, pairsOf, verification, type VerFace } from '../../bench/chip-verification.js';

test('verification: ROC-AUC, EER and TAR at a FAR, on distances (nearer = same)', () => {
  const apart = verification([0.1, 0.2, 0.3], [0.5, 0.6, 0.7, 0.8]);
  assert.deepEqual([apart.auc, apart.eer], [1, 0]);
  // One same pair (0.65) lies among the different ones: 2 of the 4 different pairs are nearer.
  const mixed = verification([0.1, 0.2, 0.65], [0.5, 0.6, 0.7, 0.8]);
  assert.ok(Math.abs(mixed.auc - (4 + 4 + 2) / 12) < 1e-12, `auc ${mixed.auc}`);
  assert.ok(Math.abs(mixed.eer - 1 / 3) < 1e-12, `eer ${mixed.eer}`);
  // Fewer than 100 different pairs: no TAR at FAR 1e-2.
  assert.ok(Number.isNaN(mixed.tar2));
  // 1000 different pairs at 1..1000: at FAR 1e-2 ten may be accepted (threshold just below 11), at 1e-3 one (just below 2).
  const neg = Array.from({ length: 1000 }, (_, i) => i + 1);
  const v = verification([0.5, 5.5, 50], neg);
  assert.equal(v.tar2, 2 / 3);
  assert.equal(v.tar3, 1 / 3);
  assert.equal(verification([0.5, 1.5, 50], neg).tar3, 2 / 3);
});

const face = (key: string, id: string, shot: string, h = 100, group = 'g'): VerFace => ({
  group,
  kind: 'video',
  key,
  shot,
  id,
  box: [500, 300, h, h],
  frame: [1280, 720],
  fit: { residual: 2, sideToBox: 1.2, centreOffset: 0.05 },
  roll: 0,
  faceApi: [0],
  dlib: [0],
});

test('pairs: within a group, never two faces of one shot; bands by the smaller face', () => {
  const faces = [face('a', 'ann', 's1', 50), face('b', 'ann', 's1'), face('c', 'ann', 's2'), face('d', 'bob', 's2', 130), face('e', 'bob', 's3', 130, 'other')];
  const pairs = pairsOf(faces);
  assert.deepEqual(pairs.map((p) => `${p.a.key}${p.b.key}`).sort(), ['ac', 'ad', 'bc', 'bd']);
  assert.deepEqual(
    pairs
      .filter((p) => p.same)
      .map((p) => `${p.a.key}${p.b.key}`)
      .sort(),
    ['ac', 'bc'],
  );
  const small = bandPairs(
    pairs,
    BANDS.find((b) => b.name === 'height < 60')!,
  );
  assert.deepEqual(small.map((p) => `${p.a.key}${p.b.key}`).sort(), ['ac', 'ad']);
});
