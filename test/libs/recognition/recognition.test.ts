import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  buildGallery,
  chooseExemplars,
  dotAll,
  FACE_DIM,
  identify,
  meanUnit,
  packFaces,
  rankPeople,
  searchRows,
  unitVector,
} from '../../../libs/recognition/index.js';
import { rng } from '../../../bench/seeded.js';

/** Seeded gaussian-ish vectors: descriptors in shape only (the maths does not care where they come from). */
const rand = rng(7);
const gauss = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
const vec = (scale = 1) => Float32Array.from({ length: FACE_DIM }, () => gauss() * scale);
/** A face of `centre` with noise: the same person seen again. */
const near = (centre: Float32Array, noise: number) => Float32Array.from(centre, (x) => x + gauss() * noise);
const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

test('unitVector: unit length whatever the scale; a zero vector stays zero', () => {
  const u = unitVector(vec(37));
  assert.ok(Math.abs(dot(u, u) - 1) < 1e-5);
  assert.deepEqual(Array.from(unitVector(new Float32Array(FACE_DIM))), new Array(FACE_DIM).fill(0));
});

test('exact search: every row at or above minScore, best first, same as a naive scan', () => {
  const faces = Array.from({ length: 3001 }, () => vec(1.4));
  const m = packFaces(faces);
  const q = unitVector(faces[1234]);
  const naive = faces
    .map((f, row) => ({ row, score: dot(unitVector(f), q) }))
    .filter((h) => h.score >= 0.1)
    .sort((a, b) => b.score - a.score || a.row - b.row);
  const hits = searchRows(m, q, { minScore: 0.1, limit: 10_000 });
  assert.deepEqual(
    hits.map((h) => h.row),
    naive.map((h) => h.row),
  );
  assert.equal(hits[0].row, 1234);
  assert.ok(Math.abs(hits[0].score - 1) < 1e-5);
  for (let i = 0; i < hits.length; i++) assert.ok(Math.abs(hits[i].score - naive[i].score) < 1e-5);
  assert.deepEqual(
    searchRows(m, q, { minScore: 0.1, limit: 5 }).map((h) => h.row),
    naive.slice(0, 5).map((h) => h.row),
  );
  assert.throws(() => dotAll(m, new Float32Array(64)), /dimensions/);
  assert.throws(() => packFaces([new Float32Array(12)]), /dimensions/);
});

test('a cluster scores its mean similarity to the exemplars: one dot product with the mean of unit vectors', () => {
  const faces = [vec(), vec(), vec()];
  const e = unitVector(vec());
  const mean = faces.reduce((s, f) => s + dot(unitVector(f), e), 0) / faces.length;
  assert.ok(Math.abs(dot(meanUnit(faces), e) - mean) < 1e-6);
});

test('chooseExemplars keeps every face up to the cap, then covers the looks (both modes of a person are kept)', () => {
  const lookA = vec();
  const lookB = vec();
  const faces = [...Array.from({ length: 20 }, () => near(lookA, 0.1)), ...Array.from({ length: 3 }, () => near(lookB, 0.1))];
  assert.equal(chooseExemplars(faces, 50).length, 23);
  const chosen = chooseExemplars(faces, 2);
  assert.equal(chosen.length, 2);
  const a = unitVector(lookA);
  const b = unitVector(lookB);
  assert.ok(chosen.some((c) => dot(c, a) > 0.9) && chosen.some((c) => dot(c, b) > 0.9), 'one exemplar per look');
});

test('rankPeople and identify: the right person first; a stranger or a weak match is null (open set)', () => {
  const centres = Array.from({ length: 30 }, () => vec());
  const gallery = buildGallery(
    centres.map((c, i) => ({ person: `p${i}`, faces: [near(c, 0.2), near(c, 0.2), near(c, 0.2)] })),
    { maxExemplars: 32 },
  );
  for (const [i, c] of centres.entries()) {
    const ranked = rankPeople(gallery, [near(c, 0.2)], { k: 1 });
    assert.equal(ranked.length, 30);
    assert.equal(ranked[0].person, `p${i}`);
    for (let j = 1; j < ranked.length; j++) assert.ok(ranked[j - 1].score >= ranked[j].score);
    assert.equal(identify(gallery, [near(c, 0.2), near(c, 0.2)], { k: 2, threshold: 0.9 })?.person, `p${i}`);
  }
  assert.equal(identify(gallery, [vec()], { k: 1, threshold: 0.5 }), null, 'an unrelated face is nobody');
  // k larger than a person's exemplars averages what they have.
  const one = buildGallery([{ person: 'solo', faces: [centres[0]] }], { maxExemplars: 32 });
  assert.ok(Math.abs(rankPeople(one, [centres[0]], { k: 5 })[0].score - 1) < 1e-5);
  // People without faces are not in the gallery; an empty query names nobody.
  assert.equal(buildGallery([{ person: 'empty', faces: [] }], { maxExemplars: 32 }).people.length, 0);
  assert.deepEqual(rankPeople(gallery, [], { k: 1 }), []);
});
