// ClusterService keeps a video's face-pair distances between its trees (libs/flow TreeMemory): the tree after a
// people edit (a new linkage key, the worker's linkage job) starts from them. It must be the tree a process without
// them computes, bit for bit; the memory is bounded and nothing of a forgotten or deleted video stays.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_CLUSTER, DEFAULT_EXTRACT } from '../../../libs/config/index.js';
import { ClusterService } from '../../../libs/services/index.js';
import type { Store, StoredFingerprint, VideoPersonConstraints } from '../../../libs/store/index.js';
import { syntheticVideo } from '../../../bench/synthetic-video.js';

const N = 1500;
let faces: StoredFingerprint[];
before(async () => {
  faces = (await syntheticVideo(N)).faces.map((f) => ({ ...f, publicId: `p${f.id}` }) as unknown as StoredFingerprint);
});

/** A store of one ready video (ids 'v', 'w') with the people's constraints of the moment; linkages kept per store. */
function fakeStore(state: { people: VideoPersonConstraints[]; deleted: Set<string> }) {
  const linkages = new Map<string, { z: Float64Array; maxDist: number; n: number }>();
  const video = (id: string) => ({ id, status: 'ready', options: { ...DEFAULT_EXTRACT }, probe: null, finishedAt: new Date(0), faceCount: N });
  const store = {
    // A new array each read, as the database gives: kept distances must not depend on the array's identity.
    faces: { loadFingerprints: async () => faces.map((f) => ({ ...f })) },
    videos: { get: async (id: string) => (state.deleted.has(id) ? null : video(id)) },
    people: { constraintsForVideo: async () => state.people },
    linkages: {
      get: async (id: string, key: unknown) => linkages.get(`${id}|${JSON.stringify(key)}`) ?? null,
      put: async (id: string, key: unknown, v: { z: Float64Array; maxDist: number; n: number }) => {
        linkages.set(`${id}|${JSON.stringify(key)}`, v);
        return true;
      },
    },
  };
  return { store: store as unknown as Store, linkages };
}

const edits = (k: number): VideoPersonConstraints[] => [
  { id: 'a', name: 'A', faces: faces.slice(0, 4 + k).map((f) => f.id), rejected: [faces[700].id] },
  { id: 'b', name: null, faces: [faces[300].id, faces[301].id, faces[1200].id], rejected: [] },
];

test("the worker's trees after people edits come from the kept distances and equal a memoryless process's, bit for bit", async () => {
  const state = { people: [] as VideoPersonConstraints[], deleted: new Set<string>() };
  const kept = fakeStore(state);
  const plain = fakeStore(state);
  const withMemory = new ClusterService(kept.store);
  const without = new ClusterService(plain.store, 8, 32, 0);
  await withMemory.storeDefaultLinkage('v');
  await without.storeDefaultLinkage('v');
  assert.ok(withMemory.holds('v'), 'finalize keeps the distances');
  assert.ok(!without.holds('v'), 'a budget of 0 keeps nothing');
  for (const k of [0, 3, 9]) {
    state.people = edits(k);
    for (const over of [{}, { tracks: true }]) {
      const opts = { ...DEFAULT_CLUSTER, face_cloth_weights: [...DEFAULT_CLUSTER.face_cloth_weights] as [number, number], ...over };
      const a = await withMemory.storeLinkage('v', opts);
      const b = await without.storeLinkage('v', opts);
      assert.ok(a.stored && b.stored && a.key === b.key, JSON.stringify([a, b]));
    }
  }
  assert.equal(kept.linkages.size, 7);
  for (const [key, want] of plain.linkages) {
    const got = kept.linkages.get(key)!;
    assert.equal(got.maxDist, want.maxDist, key);
    assert.ok(
      got.z.every((z, q) => Object.is(z, want.z[q])),
      key,
    );
  }
});

test('forget drops the kept distances; a linkage job of a deleted video forgets it; the budget bounds what is kept', async () => {
  const state = { people: edits(2), deleted: new Set<string>() };
  const m = (N * (N - 1)) / 2;
  const clusters = new ClusterService(fakeStore(state).store, 8, 32, m * 8 * 2);
  await clusters.storeLinkage('v', { ...DEFAULT_CLUSTER });
  await clusters.storeLinkage('w', { ...DEFAULT_CLUSTER });
  assert.ok(clusters.holds('v') || clusters.holds('w'));
  clusters.forget('w');
  assert.ok(!clusters.holds('w'));
  state.deleted.add('v');
  assert.equal((await clusters.storeLinkage('v', { ...DEFAULT_CLUSTER })).skipped, 'video deleted');
  assert.ok(!clusters.holds('v'), 'nothing of the deleted video stays');
});
