// An erasure can reach a process while a request or a job of it is loading or clustering the deleted video (the
// broadcast is heard between two awaits). What that work loads, keeps (pair distances) or caches (a cut), or a search
// whose list of ready videos predates the deletion, must not put the video back into memory once it was forgotten.
// Over stub stores whose reads wait on the test.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_CLUSTER, DEFAULT_EXTRACT } from '../../../libs/config/index.js';
import { ClusterService, FaceLibrary } from '../../../libs/services/index.js';
import type { Store, StoredFingerprint, VideoRecord } from '../../../libs/store/index.js';
import { syntheticVideo } from '../../../bench/synthetic-video.js';

const N = 60;
let faces: StoredFingerprint[];
before(async () => {
  faces = (await syntheticVideo(N)).faces.map((f) => ({ ...f, publicId: `p${f.id}` }) as unknown as StoredFingerprint);
});

const video = (id: string) =>
  ({ id, status: 'ready', options: { ...DEFAULT_EXTRACT }, probe: null, finishedAt: new Date(0), faceCount: N }) as unknown as VideoRecord;

/** A store whose read `at` (a faces load, or the people's constraints read after it) waits until `release` is called. */
function gatedStore(at: 'faces' | 'people') {
  let release!: () => void;
  let reached!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const waiting = new Promise<void>((r) => (reached = r));
  const hold = async () => {
    reached();
    await gate;
  };
  const store = {
    faces: {
      loadFingerprints: async () => {
        if (at === 'faces') await hold();
        return faces.map((f) => ({ ...f }));
      },
    },
    videos: { get: async (id: string) => video(id) },
    people: {
      constraintsForVideo: async () => {
        if (at === 'people') await hold();
        return [];
      },
    },
    linkages: { get: async () => null, put: async () => true },
  };
  return { store: store as unknown as Store, waiting, release };
}

for (const at of ['faces', 'people'] as const) {
  test(`a video forgotten while a cut waits on its ${at} read is not held once the cut ends`, async () => {
    const { store, waiting, release } = gatedStore(at);
    const clusters = new ClusterService(store);
    const cut = clusters.cluster(video('v'), { ...DEFAULT_CLUSTER });
    await waiting;
    clusters.erase('v'); // the erasure broadcast, heard mid-request
    release();
    await cut;
    assert.equal(clusters.holds('v'), false);
    // Another video is kept as ever (the control: without the erasure the cut would hold it).
    await clusters.cluster(video('w'), { ...DEFAULT_CLUSTER });
    assert.equal(clusters.holds('w'), true);
  });
}

test("a video forgotten while the worker's linkage job waits is not held once it ends", async () => {
  const { store, waiting, release } = gatedStore('faces');
  const clusters = new ClusterService(store);
  const job = clusters.storeLinkage('v', { ...DEFAULT_CLUSTER, sim: 0.5 });
  await waiting;
  clusters.erase('v');
  release();
  await job;
  assert.equal(clusters.holds('v'), false);
});

test('a video forgotten while a search waits on its list of ready videos is not loaded back', async () => {
  let release!: () => void;
  let reached!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const waiting = new Promise<void>((r) => (reached = r));
  const store = {
    videos: {
      // The list read before the deletion committed: it still names the video.
      readyStamps: async () => {
        reached();
        await gate;
        return [
          { id: 'v', stamp: '1' },
          { id: 'w', stamp: '1' },
        ];
      },
    },
    faces: { loadDescriptors: async () => faces.slice(0, 4).map((f) => ({ publicId: f.publicId, t: 0, face: f.face, version: 1 })) },
  } as unknown as Store;
  const library = new FaceLibrary(store);
  const read = library.size('t');
  await waiting;
  library.erase('v');
  release();
  assert.equal(await read, 4, "only the other video's faces");
  assert.equal(library.holds('v'), false);
  assert.equal(library.holds('w'), true);
});
