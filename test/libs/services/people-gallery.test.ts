// PeopleGalleries.suggestForClusters: the suggestion of each cluster of a clustering, and its rule that a person one of
// the cluster's faces was rejected from is never suggested for it (over a stub store: no database).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PeopleGalleries, type ClusterRun } from '../../../libs/services/index.js';
import type { Store, VideoPersonConstraints } from '../../../libs/store/index.js';
import { QUALITY_GATE, RECOGNITION } from '../../../libs/recognition/index.js';

const DIM = 128;
const axis = (k: number, tilt = 0) => Float32Array.from({ length: DIM }, (_, i) => (i === k ? 1 : i === k + 1 ? tilt : 0));

/** Ada's confirmed faces lie along axis 0, Bob's along axis 10; `rejected` are this video's rejections. */
function galleries(rejected: VideoPersonConstraints[] = []) {
  const store = {
    people: {
      recognitionStamp: async () => 'stamp',
      confirmedDescriptors: async () => [
        { id: 'ada', name: 'Ada', faces: [axis(0), axis(0, 0.05)], versions: [1, 1] },
        { id: 'bob', name: 'Bob', faces: [axis(10), axis(10, 0.05)], versions: [1, 1] },
      ],
      constraintsForVideo: async () => rejected,
    },
  } as unknown as Store;
  return new PeopleGalleries(store);
}

// Cluster 0: three faces like Ada's; cluster 1: like Bob's but carries a confirmed person already; cluster 2: nobody.
const run = {
  faces: [
    { id: 1, face: axis(0, 0.02), descriptorVersion: 1, box: [0, 0, 120, 120] },
    { id: 2, face: axis(0, 0.03), descriptorVersion: 1, box: [0, 0, 120, 120] },
    { id: 3, face: axis(0, 0.01), descriptorVersion: 1, box: [0, 0, 120, 120] },
    { id: 4, face: axis(10, 0.02), descriptorVersion: 1, box: [0, 0, 120, 120] },
    { id: 5, face: axis(40), descriptorVersion: 1, box: [0, 0, 120, 120] },
  ],
  report: {
    clusters: [
      { id: 0, faces: [1, 2, 3] },
      { id: 1, faces: [4] },
      { id: 2, faces: [5] },
    ],
  },
  people: new Map([[1, { id: 'bob', name: 'Bob' }]]),
} as unknown as ClusterRun;

test('suggestForClusters: the recognised person of each cluster without one; none for a stranger or a cluster that carries a person', async () => {
  const s = await galleries().suggestForClusters('t', 'v', run);
  assert.deepEqual([...s.keys()], [0]);
  assert.deepEqual(s.get(0)!.person, { id: 'ada', name: 'Ada' });
  assert.ok(s.get(0)!.score > 0.99 && Number.isInteger(s.get(0)!.score * 10000), 'a score rounded to 4 decimals');
});

test('suggestForClusters never suggests a person one of the cluster faces was rejected from', async () => {
  const s = await galleries([{ id: 'ada', name: 'Ada', faces: [], rejected: [2] }]).suggestForClusters('t', 'v', run);
  assert.equal(s.get(0), undefined, 'Ada was rejected from face 2 of cluster 0: no suggestion (Bob is too far)');
  const other = await galleries([{ id: 'ada', name: 'Ada', faces: [], rejected: [5] }]).suggestForClusters('t', 'v', run);
  assert.deepEqual(other.get(0)?.person.id, 'ada', "a rejection of another cluster's face changes nothing here");
});

test('suggestForClusters: a cluster of small faces passes the quality gate first (raised threshold, or no suggestion), and says so', async () => {
  const sized = (px: number) =>
    ({ ...run, faces: (run.faces as unknown as { box: number[] }[]).map((f) => ({ ...f, box: [0, 0, px, px] })) }) as unknown as ClusterRun;
  const ok = await galleries().suggestForClusters('t', 'v', run);
  assert.deepEqual(ok.get(0)!.quality, { face_px: 120, gate: 'ok', threshold: RECOGNITION.threshold });
  const raised = await galleries().suggestForClusters('t', 'v', sized(QUALITY_GATE.raiseBelowPx - 1));
  assert.deepEqual(raised.get(0)!.quality, { face_px: QUALITY_GATE.raiseBelowPx - 1, gate: 'raised', threshold: QUALITY_GATE.raisedThreshold });
  assert.deepEqual(raised.get(0)!.person.id, 'ada', 'a near-identical cluster still passes the raised threshold');
  const refused = await galleries().suggestForClusters('t', 'v', sized(QUALITY_GATE.refuseBelowPx - 1));
  assert.equal(refused.size, 0, 'faces too small to name: no suggestion');
});

test('suggestForClusters: a new cut reuses the clusters scored for an earlier one and answers as a fresh service; a people edit rescores', async () => {
  let stamp = 'one';
  const people = [
    { id: 'ada', name: 'Ada', faces: [axis(0), axis(0, 0.05)], versions: [1, 1] },
    { id: 'bob', name: 'Bob', faces: [axis(10), axis(10, 0.05)], versions: [1, 1] },
  ];
  const store = {
    people: { recognitionStamp: async () => stamp, confirmedDescriptors: async () => people.map((p) => ({ ...p })), constraintsForVideo: async () => [] },
  } as unknown as Store;
  const g = new PeopleGalleries(store);
  const fresh = () => new PeopleGalleries(store);
  // Two cuts of one video (one faces array): the second keeps cluster [1, 2, 3] and [5], and splits off face 4 differently.
  const cut = (clusters: number[][]) =>
    ({ ...run, report: { clusters: clusters.map((faces, id) => ({ id, faces })) }, people: new Map() }) as unknown as ClusterRun;
  const first = cut([[1, 2, 3], [4], [5]]);
  const second = cut([[5], [1, 2, 3], [4, 5]]);
  const view = (m: Map<number, { person: { id: string } }>) => [...m].map(([c, s]) => [c, s.person.id]);
  assert.deepEqual(view(await g.suggestForClusters('t', 'v', first)), [
    [0, 'ada'],
    [1, 'bob'],
  ]);
  assert.deepEqual(await g.suggestForClusters('t', 'v', second), await fresh().suggestForClusters('t', 'v', second));
  assert.deepEqual(view(await g.suggestForClusters('t', 'v', second)), [[1, 'ada']], 'face 5 is nobody; [4, 5] is too loose for Bob');
  // A new person like face 5: every cut is rescored under the new stamp, the clusters scored before included.
  stamp = 'two';
  people.push({ id: 'cy', name: 'Cy', faces: [axis(40), axis(40, 0.05)], versions: [1, 1] });
  assert.deepEqual(view(await g.suggestForClusters('t', 'v', second)), [
    [0, 'cy'],
    [1, 'ada'],
  ]);
  assert.deepEqual(await g.suggestForClusters('t', 'v', first), await fresh().suggestForClusters('t', 'v', first));
  assert.deepEqual(view(await g.suggestForClusters('t', 'v', first)), [
    [0, 'ada'],
    [1, 'bob'],
    [2, 'cy'],
  ]);
});

test('suggestForClusters after each people edit (new, changed, renamed, deleted, twin people) equals a fresh service', async () => {
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
  const near = (c: Float32Array, spread: number) => Float32Array.from(c, (x) => x + spread * rand());
  const centres = Array.from({ length: 12 }, () => Float32Array.from({ length: DIM }, rand));
  const faces = Array.from({ length: 60 }, (_, i) => ({
    id: 100 + i,
    face: near(centres[i % 12], 0.35),
    descriptorVersion: 1,
    box: [0, 0, i % 5 === 0 ? QUALITY_GATE.raiseBelowPx - 1 : 120, 120],
  }));
  let people = centres.slice(0, 8).map((c, p) => ({ id: `p${p}`, name: `P${p}`, faces: [near(c, 0.3), near(c, 0.3)], versions: [1, 1] }));
  let stamp = 0;
  const store = {
    people: {
      recognitionStamp: async () => String(stamp),
      confirmedDescriptors: async () => people.map((p) => ({ ...p })),
      constraintsForVideo: async () => [],
    },
  } as unknown as Store;
  const g = new PeopleGalleries(store);
  // Cuts of one faces array: by identity (12 clusters), coarser (pairs of identities), and finer (each identity halved).
  const cut = (group: (i: number) => number) => {
    const by = new Map<number, number[]>();
    faces.forEach((f, i) => by.set(group(i), [...(by.get(group(i)) ?? []), f.id]));
    return { faces, report: { clusters: [...by.values()].map((fs, id) => ({ id, faces: fs })) }, people: new Map() } as unknown as ClusterRun;
  };
  const cuts = [cut((i) => i % 12), cut((i) => (i % 12) >> 1), cut((i) => (i % 12) * 2 + (i % 24 < 12 ? 0 : 1))];
  const edits: (() => void)[] = [
    () => people.push({ id: 'p8', name: 'P8', faces: [near(centres[8], 0.3)], versions: [1, 1].slice(0, 1) }),
    () => (people[2] = { ...people[2], faces: [...people[2].faces, near(centres[2], 0.1)], versions: [1, 1, 1] }),
    () => (people[3] = { ...people[3], name: 'Renamed' }),
    () => (people = people.filter((p) => p.id !== 'p1')),
    () => people.push({ ...people[0], id: 'p0-twin', name: 'Twin' }),
    () => (people = [...people].reverse()),
    () => (people = people.filter((p) => p.id !== 'p0')),
  ];
  let named = 0;
  for (const edit of [() => {}, ...edits]) {
    edit();
    stamp++;
    for (const c of [...cuts, ...cuts]) {
      const got = await g.suggestForClusters('t', 'v', c);
      assert.deepEqual(got, await new PeopleGalleries(store).suggestForClusters('t', 'v', c), `stamp ${stamp}`);
      named += got.size;
    }
  }
  assert.ok(named > 20, `the cuts' clusters are named (${named})`);
});
