// Issue 14's mechanisms, on faces: shot-aware clothing and the fragment pass, exactly as clusterFaces applies them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveClusterOptions } from '../../../libs/config/index.js';
import {
  clothCounts,
  clothCountsRule,
  clusterFaces,
  isReferenceFlow,
  linkageKey,
  linkageKeyText,
  mergeFragments,
  pairDistances,
  type ClusterableFace,
} from '../../../libs/flow/index.js';

const DIM = 16;
/** A unit vector near axis `hot`, pushed towards axis hot+1 by `jitter`. */
function vec(hot: number, jitter = 0): number[] {
  return Array.from({ length: DIM }, (_, i) => (i === hot ? 1 : 0) + (i === (hot + 1) % DIM ? jitter : 0));
}

let nextId = 0;
function face(frame: number, t: number, f: number[], c: number[], shot: number | null | undefined, x = 10): ClusterableFace {
  return { id: nextId++, t, frame, box: [x, 10, 80, 80], score: 0.95, face: f, cloth: c, sharpness: 800, yaw: 0, shot };
}

const faceD = (a: number[], b: number[]) => {
  const n = (v: number[]) => {
    const s = Math.hypot(...v);
    return v.map((x) => x / s);
  };
  const A = n(a),
    B = n(b);
  return Math.hypot(...A.map((x, i) => x - B[i]));
};

test('clothCounts: the same shot or an unknown shot counts clothing; two shots do not', () => {
  assert.equal(clothCounts({ shot: 0 }, { shot: 0 }), true);
  assert.equal(clothCounts({ shot: 0 }, { shot: 48 }), false);
  assert.equal(clothCounts({ shot: null }, { shot: 48 }), true);
  assert.equal(clothCounts({}, { shot: 48 }), true);
  assert.equal(clothCountsRule([{ shot: null }, {}]), null, 'no known shot: nothing to decide');
});

test('pairDistances: a pair across a cut is judged by its faces when clothing differs; matching clothing still brings it together; within a shot nothing changes', () => {
  // 0 and 1: one person, other clothes, two shots; 2: same shot as 0, other clothes; 3: shot 2, same clothes as 0 but another face
  const faces = [
    face(0, 0, vec(0), vec(8), 0),
    face(50, 2, vec(0, 0.2), vec(12), 48),
    face(1, 0.04, vec(0, 0.1), vec(12), 0),
    face(100, 4, vec(4), vec(8), 96),
  ];
  const F = faces.map((f) => f.face as number[]),
    C = faces.map((f) => f.cloth as number[]);
  const plain = pairDistances(F, C, [1, 1], { scale: 'face-units' });
  const aware = pairDistances(F, C, [1, 1], { scale: 'face-units', clothCounts: clothCountsRule(faces) });
  const p = (i: number, j: number) => i * 4 - (i * (i + 1)) / 2 + (j - i - 1); // condensed index, n = 4
  // across a cut, different clothing: the face distance exactly
  assert.ok(Math.abs(aware[p(0, 1)] - faceD(F[0], F[1])) < 1e-12, `${aware[p(0, 1)]} vs face ${faceD(F[0], F[1])}`);
  assert.ok(plain[p(0, 1)] > aware[p(0, 1)] + 0.1, 'the clothing change no longer pushes the pair apart');
  // within a shot: as before
  assert.equal(aware[p(0, 2)], plain[p(0, 2)]);
  // across a cut with matching clothing: the fused distance, below the face distance
  assert.equal(aware[p(0, 3)], plain[p(0, 3)]);
  assert.ok(aware[p(0, 3)] < faceD(F[0], F[3]));
  // unknown shots (faces stored before shots were recorded): as before
  const unknown = faces.map((f) => ({ ...f, shot: null }));
  assert.deepEqual(Array.from(pairDistances(F, C, [1, 1], { scale: 'face-units', clothCounts: clothCountsRule(unknown) })), Array.from(plain));
});

test('clusterFaces: a person in other clothes in another shot is one cluster with shot_aware, two without', () => {
  const faces: ClusterableFace[] = [];
  // person A: shot 0 in clothes 8, shot 48 in clothes 12 and a face ~0.35 away (another occasion); person B:
  // both shots in clothes 10 (frames shared with A)
  for (let k = 0; k < 4; k++) {
    faces.push(face(k * 12, k * 0.5, vec(0, 0.03 * k), vec(8), 0));
    faces.push(face(k * 12, k * 0.5, vec(4, 0.03 * k), vec(10), 0, 300));
  }
  for (let k = 0; k < 4; k++) {
    faces.push(face(48 + k * 12, 2 + k * 0.5, vec(0, 0.03 * k + 0.35), vec(12), 48));
    faces.push(face(48 + k * 12, 2 + k * 0.5, vec(4, 0.03 * k + 0.05), vec(10, 0.05), 48, 300));
  }
  const person = faces.map((f) => (f.box[0] === 10 ? 'A' : 'B'));
  const clustersOf = (labels: (number | null)[], who: string) => new Set(labels.filter((_, i) => person[i] === who));
  const on = clusterFaces(faces, resolveClusterOptions({ shot_aware: true })).labels;
  const off = clusterFaces(faces, resolveClusterOptions({ shot_aware: false })).labels;
  assert.equal(clustersOf(on, 'A').size, 1, `shot_aware: ${on}`);
  assert.equal(clustersOf(on, 'B').size, 1, `shot_aware: ${on}`);
  assert.equal(clustersOf(off, 'A').size, 2, `shot-blind: ${off}`);
});

test('shot_aware shapes the linkage: its own key, never the reference flow', () => {
  assert.deepEqual(linkageKey(resolveClusterOptions({ shot_aware: true })).shape, {
    flow: 'units',
    face_cloth_weights: [1, 1],
    method: 'average',
    quality_weighting: true,
    cannot_link: true,
    shot_aware: true,
  });
  assert.notDeepEqual(linkageKey(resolveClusterOptions({ shot_aware: false })), linkageKey(resolveClusterOptions({ shot_aware: true })));
  assert.equal(isReferenceFlow(resolveClusterOptions({ sim: 0.4, cannot_link: false, tracks: false, quality_weighting: false, shot_aware: true })), false);
  assert.deepEqual(linkageKey(resolveClusterOptions({ sim: 0.4, cannot_link: false, tracks: false, quality_weighting: false, shot_aware: false })).shape, {
    flow: 'reference',
    face_cloth_weights: [1, 1],
    method: 'average',
  });
  // the fragment pass and the key-character gate only cut: no new linkage
  assert.equal(
    linkageKeyText(linkageKey(resolveClusterOptions({ merge_fragments: true, key_min_s: 9 }))),
    linkageKeyText(linkageKey(resolveClusterOptions({}))),
  );
});

test('mergeFragments: a small cluster joins the larger one whose nearest faces agree', () => {
  const f = (frame: number, v: number[]) => ({ frame, face: v });
  const faces = [
    f(0, vec(0)),
    f(1, vec(0, 0.05)),
    f(2, vec(0, 0.1)),
    f(3, vec(0, 0.05)),
    f(4, vec(0, 0.08)),
    f(5, vec(6)),
    f(6, vec(6, 0.1)),
    f(7, vec(6, 0.05)),
  ];
  const labels = [0, 0, 0, 0, 1, 2, 2, 2];
  assert.deepEqual(mergeFragments(labels, faces), [0, 0, 0, 0, 0, 2, 2, 2]);
  // far faces: nothing joins
  assert.deepEqual(
    mergeFragments(
      [0, 0, 0, 1, 1, 1, 1, 1],
      faces.map((x, i) => (i < 3 ? x : f(x.frame, vec(10, i * 0.01)))),
    ),
    [0, 0, 0, 1, 1, 1, 1, 1],
  );
  // unclustered faces stay unclustered; a cluster larger than half the host is not a fragment
  assert.deepEqual(mergeFragments([0, 0, 1, 1, null, null, null, null], faces), [0, 0, 1, 1, null, null, null, null]);
});

test('mergeFragments never joins clusters that share a frame, however close their faces', () => {
  const faces = [
    { frame: 0, face: vec(0) },
    { frame: 1, face: vec(0) },
    { frame: 2, face: vec(0) },
    { frame: 2, face: vec(0, 0.01) },
  ];
  assert.deepEqual(mergeFragments([0, 0, 0, 1], faces), [0, 0, 0, 1]);
  // through clusterFaces: the fragment pass on, two people side by side in every frame stay two
  const side: ClusterableFace[] = [];
  for (let k = 0; k < 6; k++) {
    side.push(face(k, k, vec(0, 0.02 * k), vec(8), 0));
    side.push(face(k, k, vec(0, 0.02 * k + 0.01), vec(8), 0, 300));
  }
  const labels = clusterFaces(side, resolveClusterOptions({ merge_fragments: true, min_csize: 1 })).labels;
  for (let k = 0; k < 6; k++) assert.notEqual(labels[2 * k], labels[2 * k + 1], `frame ${k}: ${labels}`);
});
