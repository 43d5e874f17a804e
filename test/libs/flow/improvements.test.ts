// keycast's improvements over the reference, on faces: exact semantics of tracks, face quality,
// pair distances, cannot-link and the auto cut as clusterFaces applies them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DEFAULT_CLUSTER, resolveClusterOptions } from '../../../libs/config/index.js';
import { pdist } from '../../../libs/clustering/index.js';
import {
  buildTracks,
  clusterFaces,
  faceQuality,
  faceShare,
  linkageKey,
  linkageKeyText,
  NEUTRAL_SHARE,
  pairDistances,
  type ClusterableFace,
} from '../../../libs/flow/index.js';
import { appearanceDistances, clusterRows, fingerprints } from '../../../libs/flow/index.js';

const DIM = 16;

/** A unit vector near axis `hot`, pushed towards axis hot+1 by `jitter`. */
function vec(hot: number, jitter = 0): number[] {
  return Array.from({ length: DIM }, (_, i) => (i === hot ? 1 : 0) + (i === (hot + 1) % DIM ? jitter : 0));
}

let nextId = 0;
function face(
  frame: number,
  t: number,
  box: [number, number, number, number],
  f: number[],
  c: number[] = vec(8),
  extra: Partial<ClusterableFace> = {},
): ClusterableFace {
  return { id: nextId++, t, frame, box, score: 0.95, face: f, cloth: c, sharpness: 800, yaw: 0, ...extra };
}

const OFF = { cannot_link: false, tracks: false, quality_weighting: false, shot_aware: false };

test('buildTracks: consecutive samples, overlapping boxes and close descriptors link; one track never holds two faces of a frame', () => {
  const A = vec(0),
    B = vec(4);
  const faces = [
    face(0, 0, [10, 10, 50, 50], A),
    face(0, 0, [200, 10, 50, 50], B),
    face(10, 1, [14, 12, 50, 50], vec(0, 0.1)),
    face(10, 1, [204, 10, 50, 50], B),
    // frame 20: A's box moved away (IoU < 0.3): A's track ends; B continues
    face(20, 2, [120, 10, 50, 50], A),
    face(20, 2, [206, 10, 50, 50], vec(4, 0.05)),
    // frame 40: a gap of two intervals: nothing links across it
    face(40, 4, [206, 10, 50, 50], B),
  ];
  const { unitOf, count } = buildTracks(faces, { sample_interval_s: 1 });
  assert.deepEqual(Array.from(unitOf), [0, 1, 0, 1, 2, 1, 3]);
  assert.equal(count, 4);
});

test('buildTracks: a different person at the same place does not continue the track; links are one-to-one by IoU', () => {
  const faces = [
    face(0, 0, [10, 10, 50, 50], vec(0)),
    face(1, 0.5, [10, 10, 50, 50], vec(6)), // other descriptor, same box
  ];
  assert.deepEqual(Array.from(buildTracks(faces, { sample_interval_s: 0.5 }).unitOf), [0, 1]);
  // two candidates for one face: the larger overlap wins, the other starts a track
  const two = [face(0, 0, [10, 10, 50, 50], vec(0)), face(1, 1, [12, 10, 50, 50], vec(0)), face(1, 1, [30, 10, 50, 50], vec(0))];
  assert.deepEqual(Array.from(buildTracks(two, { sample_interval_s: 1 }).unitOf), [0, 0, 1]);
});

test('faceQuality: null (neutral) without the features, 1 for a large sharp frontal confident face, lower for each defect', () => {
  const good = { box: [0, 0, 120, 120] as [number, number, number, number], score: 0.99, sharpness: 900, yaw: 0 };
  assert.equal(faceQuality({ box: good.box, score: 0.9 }), null);
  assert.equal(faceQuality({ ...good, sharpness: null }), null);
  assert.equal(faceQuality(good), 1);
  const q = faceQuality(good)!;
  for (const worse of [{ box: [0, 0, 30, 30] as [number, number, number, number] }, { sharpness: 15 }, { yaw: 0.7 }, { score: 0.55 }]) {
    const w = faceQuality({ ...good, ...worse })!;
    assert.ok(w < q && w > 0, JSON.stringify(worse));
  }
  assert.equal(faceShare(null, 0.9), NEUTRAL_SHARE);
  assert.equal(faceShare(0.2, 0.9), 0.2);
});

test('pairDistances: neutral fingerprint scale is the reference distance; face units without clothing is the face distance', () => {
  const F = [vec(0), vec(0, 0.2), vec(3), vec(5, 0.3)];
  const C = [vec(8), vec(9, 0.1), vec(10), vec(8, 0.4)];
  const X = fingerprints(F, C, [1, 1]);
  const ref = pdist(X);
  const fp = pairDistances(F, C, [1, 1], { scale: 'fingerprint' });
  for (let p = 0; p < ref.length; p++) assert.ok(Math.abs(fp[p] - ref[p]) < 1e-12);
  const zeros = F.map(() => new Array(DIM).fill(0));
  const fu = pairDistances(F, zeros, [1, 1], { scale: 'face-units' });
  const df = pdist(fingerprints(F, zeros, [1, 0]));
  for (let p = 0; p < df.length; p++) assert.ok(Math.abs(fu[p] - df[p]) < 1e-12);
  // a missing cloth half is imputed as the appearance distances do
  const some = [C[0], zeros[0], C[2], C[3]];
  const imp = appearanceDistances(fingerprints(F, some, [1, 1]), DIM)!;
  const fp2 = pairDistances(F, some, [1, 1], { scale: 'fingerprint' });
  for (let p = 0; p < imp.length; p++) assert.ok(Math.abs(fp2[p] - imp[p]) < 1e-12);
  // unknown quality is neutral
  const neutral = pairDistances(F, C, [1, 1], { scale: 'face-units', quality: [null, null, null, null] });
  assert.deepEqual(neutral, pairDistances(F, C, [1, 1], { scale: 'face-units' }));
  // full face share: the face distance alone (face units)
  const faceOnly = pairDistances(F, C, [1, 1], { scale: 'face-units', quality: [1, 1, 1, 1] });
  const dF = pdist(fingerprints(F, C, [1, 0]));
  for (let p = 0; p < dF.length; p++) assert.ok(Math.abs(faceOnly[p] - dF[p]) < 1e-12);
});

test('clusterFaces with every improvement off is the reference flow, label for label', () => {
  const faces: ClusterableFace[] = [];
  for (let i = 0; i < 30; i++) faces.push(face(i, i, [0, 0, 50, 50], vec((i % 3) * 4, (i % 5) * 0.05), vec(8 + (i % 3), (i % 7) * 0.04)));
  for (const sim of [0.3, 0.4, 0.63]) {
    const opts = resolveClusterOptions({ sim, ...OFF });
    const X = fingerprints(
      faces.map((f) => f.face),
      faces.map((f) => f.cloth),
      opts.face_cloth_weights,
    );
    const ref = clusterRows(X, { ...opts, sim }, { faceDim: DIM }).labels;
    assert.deepEqual(clusterFaces(faces, opts).labels, ref);
  }
  assert.deepEqual(linkageKey(resolveClusterOptions({ sim: 0.4, ...OFF })), {
    shape: { flow: 'reference', face_cloth_weights: [1, 1], method: 'average' },
    people: null,
  });
  assert.deepEqual(linkageKey(resolveClusterOptions({ sim: 'auto', ...OFF })).shape, { flow: 'units', face_cloth_weights: [1, 1], method: 'average' });
  assert.deepEqual(linkageKey(resolveClusterOptions({ sim: 0.4, ...OFF, tracks: true, cannot_link: true, quality_weighting: true })).shape, {
    flow: 'units',
    face_cloth_weights: [1, 1],
    method: 'average',
    quality_weighting: true,
    cannot_link: true,
    tracks: true,
  });
  // the cut is not part of the key: a number or 'auto' cut the same cached tree
  assert.equal(linkageKeyText(linkageKey({ ...DEFAULT_CLUSTER, sim: 0.3 })), linkageKeyText(linkageKey({ ...DEFAULT_CLUSTER, sim: 'auto' })));
});

test('cannot-link: faces of one frame are never one cluster, even at sim 0 where everything else joins', () => {
  const faces = [face(1, 0, [0, 0, 50, 50], vec(0)), face(1, 0, [100, 0, 50, 50], vec(0, 0.01)), face(2, 1, [0, 0, 50, 50], vec(0, 0.02))];
  const on = clusterFaces(faces, resolveClusterOptions({ sim: 0, min_csize: 1, ...OFF, cannot_link: true })).labels;
  assert.notEqual(on[0], on[1]);
  const off = clusterFaces(faces, resolveClusterOptions({ sim: 0, min_csize: 1, ...OFF })).labels;
  assert.equal(new Set(off).size, 1);
});

test('property: with cannot_link (and merging on), no cluster ever holds two faces of one frame', () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 2 }), fc.double({ min: 0, max: 0.3, noNaN: true })),
        { minLength: 2, maxLength: 25 },
      ),
      fc.constantFrom<number | 'auto'>('auto', 0, 0.4, 0.8),
      fc.boolean(),
      (spec, sim, tracks) => {
        const faces = spec.map(([frame, person, spot, j]) => face(frame, frame, [spot * 100, 0, 60, 60], vec(person * 3, j), vec(8 + person, j)));
        const labels = clusterFaces(faces, resolveClusterOptions({ sim, min_csize: 1, cannot_link: true, tracks, merge: true })).labels;
        for (let i = 0; i < faces.length; i++) {
          for (let k = i + 1; k < faces.length; k++) if (faces[i].frame === faces[k].frame && labels[i] !== null) assert.notEqual(labels[i], labels[k]);
        }
      },
    ),
    { numRuns: 200, seed: 11 },
  );
});

test("tracks: every face of a track gets the track's label, whatever the cut", () => {
  // one track of 4 faces whose descriptors drift (ends 0.34 apart), and another person
  const drift = [0, 0.09, 0.18, 0.27].map((j) => vec(0, j));
  const faces = [...drift.map((f, i) => face(i, i, [10 + i, 10, 50, 50], f)), ...[0, 1, 2].map((i) => face(i, i, [300, 10, 50, 50], vec(6, i * 0.02)))];
  const units = buildTracks(faces, { sample_interval_s: 1 });
  assert.equal(units.count, 2);
  for (const sim of ['auto', 1, 0.9, 0.5] as const) {
    const labels = clusterFaces(faces, resolveClusterOptions({ sim, min_csize: 1, ...OFF, tracks: true }), undefined, { sample_interval_s: 1 }).labels;
    for (let i = 0; i < faces.length; i++)
      for (let k = 0; k < faces.length; k++) if (units.unitOf[i] === units.unitOf[k]) assert.equal(labels[i], labels[k], `sim ${sim}`);
  }
  // without tracks, sim 1 (cut at height 0) separates the drifting faces
  const apart = clusterFaces(faces, resolveClusterOptions({ sim: 1, min_csize: 1, ...OFF })).labels;
  assert.notEqual(apart[0], apart[3]);
});

test('auto cut: deterministic, independent of the order of the faces, and a cached linkage cuts the same', () => {
  const faces: ClusterableFace[] = [];
  for (let i = 0; i < 24; i++)
    faces.push(
      face(i, i * 10, [(i % 4) * 100, 0, 60, 60], vec((i % 4) * 4, (i % 6) * 0.04), vec(8 + (i % 4), (i % 5) * 0.05), {
        sharpness: 50 + i * 40,
        yaw: (i % 3) * 0.2,
      }),
    );
  const opts = resolveClusterOptions({});
  const a = clusterFaces(faces, opts);
  const b = clusterFaces(faces, opts);
  assert.deepEqual(a.labels, b.labels);
  assert.deepEqual(clusterFaces(faces, opts, a.cache).labels, a.labels);
  // same partition when the input order is reversed
  const rev = clusterFaces([...faces].reverse(), opts).labels.reverse();
  const pairs = (l: (number | null)[]) => l.flatMap((x, i) => l.map((y, k) => (k > i ? x !== null && x === y : false)));
  assert.deepEqual(pairs(rev), pairs(a.labels));
  assert.equal(new Set(a.labels.filter((l) => l !== null)).size, 4);
});

test('old fingerprints without quality features cluster, as neutral quality', () => {
  const faces: ClusterableFace[] = [];
  for (let i = 0; i < 12; i++)
    faces.push(face(i, i * 10, [0, 0, 60, 60], vec((i % 2) * 6, (i % 3) * 0.05), vec(8 + (i % 2)), { sharpness: undefined, yaw: null }));
  const withQ = clusterFaces(faces, resolveClusterOptions({ quality_weighting: true })).labels;
  const withoutQ = clusterFaces(faces, resolveClusterOptions({ quality_weighting: false })).labels;
  assert.deepEqual(withQ, withoutQ);
  assert.equal(new Set(withQ).size, 2);
});
