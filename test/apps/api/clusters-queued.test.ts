// A clustering request whose linkage is not cached on a large video: 202 at once, the worker computes it (issue 15.3).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { DEFAULT_EXTRACT, resolveClusterOptions } from '../../../libs/config/index.js';
import { clusterFaces } from '../../../libs/flow/index.js';
import type { FaceRecord } from '../../../libs/pipeline/types.js';
import { ClusterService, videoSampleInterval } from '../../../libs/services/index.js';
import { createWorkerDeps, type WorkerDeps } from '../../../apps/worker/deps.js';
import { startWorkers, type RunningWorkers } from '../../../apps/worker/workers.js';
import { startApi, type RunningApi } from '../../e2e/support/api.js';
import { testConfig, waitFor } from '../../e2e/support/services.js';
import { linkageKeyOf, storedLinkageKeys } from '../../helpers/linkages.js';

/** Videos above this many faces compute a new linkage in the worker (the API's SYNC_LINKAGE_MAX_FACES). */
const SYNC_MAX = 50;
const BIG = 600;
const SMALL = 30;
let api: RunningApi;
let bigId: string;
let smallId: string;
let worker: { deps: WorkerDeps; running: RunningWorkers; completed: string[] } | null = null;

function rng(seed: number) {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

/** A ready video of `n` synthetic faces drawn around 6 people, its default linkage stored (as finalize does). */
async function seedVideo(n: number, seed: number): Promise<string> {
  const { store } = api.deps;
  const r = rng(seed);
  const centres = Array.from({ length: 6 }, () => ({
    face: Float32Array.from({ length: 128 }, () => r() * 2 - 1),
    cloth: Float32Array.from({ length: 128 }, () => r() * 2 - 1),
  }));
  const img = await sharp({ create: { width: 16, height: 16, channels: 3, background: { r: 200, g: 80, b: 160 } } })
    .jpeg()
    .toBuffer();
  const faces: FaceRecord[] = Array.from({ length: n }, (_, i) => {
    const c = centres[i % centres.length];
    return {
      frame: i * 30,
      k: 0,
      t: i,
      box: [10, 10, 40, 40],
      score: 0.9,
      face: c.face.map((x) => x + (r() - 0.5) * 0.3),
      cloth: c.cloth.map((x) => x + (r() - 0.5) * 0.3),
      thumbnail: img,
      body: img,
    };
  });
  const v = await store.videos.create({
    tenantId: api.auth.tenantId,
    options: { ...DEFAULT_EXTRACT },
    sourceKey: `videos/${seed}/source`,
    sizeBytes: 1,
    filename: 'synthetic.mp4',
    probe: { path: 'synthetic.mp4', duration_s: n, fps: 30, width: 640, height: 360, rotation: 0, codec: 'h264', frame_count: n * 30 },
  });
  await store.segments.ensure(v.id, [{ idx: 0, startS: 0, endS: n }]);
  await store.writeFaceBatch(v.id, 0, faces, { frames: n, faces: n, t: n, fraction: 1 });
  await new ClusterService(store).storeDefaultLinkage(v.id);
  await store.videos.markReady(v.id, { faceCount: n, frameCount: n, timings: {} });
  return v.id;
}

/** A real worker process's workers (every queue) on the API's database, Redis prefix and storage. */
function startWorker() {
  const deps = createWorkerDeps(
    testConfig({ databaseUrl: api.databaseUrl, redisUrl: api.config.redisUrl, storageDir: api.config.storageDir, queuePrefix: api.config.queuePrefix }),
    { poolSize: 1 },
  );
  const running = startWorkers(deps);
  const completed: string[] = [];
  running.workers.find((w) => w.name === 'linkage')!.on('completed', (job) => completed.push(job.id!));
  worker = { deps, running, completed };
  return worker;
}

async function stopWorker() {
  if (!worker) return;
  await worker.running.close();
  await worker.deps.close();
  worker = null;
}

before(async () => {
  api = await startApi('keycast_test_api_clusters_queued', { syncLinkageMaxFaces: SYNC_MAX });
  bigId = await seedVideo(BIG, 11);
  smallId = await seedVideo(SMALL, 12);
});
after(async () => {
  await stopWorker();
  await api?.close();
});

/** The linkages rows of a video, as libs/flow linkageKeyText. */
const rows = (id: string) => storedLinkageKeys(api.databaseUrl, id);
const rowKey = (o: Record<string, unknown>, w = '1,1') => linkageKeyOf({ ...o, face_cloth_weights: w });
const linkageJobs = async () => (await api.deps.queues.linkage.getJobs(['waiting', 'active', 'delayed', 'prioritized', 'completed', 'failed'])).filter(Boolean);

test('a new method on a large video answers 202 at once and computes nothing in the request; the worker stores it; the same request then answers the cut', async (t) => {
  assert.deepEqual(await rows(bigId), [rowKey({})], 'only the default linkage (finalize)');
  const path = `/videos/${bigId}/clusters?method=complete&sim=0.5`;
  const t0 = performance.now();
  const r = await api.call('GET', path);
  const answerMs = performance.now() - t0;
  assert.equal(r.status, 202, JSON.stringify(r.body));
  assert.equal(r.body.status, 'computing');
  assert.equal(r.body.video_id, bigId);
  assert.equal(r.body.linkage.faces, BIG);
  assert.equal(r.body.linkage.job, 'queued');
  const wait = Number(r.headers.get('retry-after'));
  assert.ok(Number.isInteger(wait) && wait >= 1, `Retry-After ${r.headers.get('retry-after')}`);
  assert.equal(r.body.retry_after_s, wait);
  assert.equal(r.headers.get('location'), path, 'Location: the same request to repeat');
  assert.equal(r.body.links.self, path);
  // No worker runs yet: a row now could only have been computed by the API in the request.
  assert.deepEqual(await rows(bigId), [rowKey({})], 'the API computed no linkage');
  const jobs = await linkageJobs();
  assert.equal(jobs.length, 1);
  assert.deepEqual(
    jobs[0].data,
    {
      videoId: bigId,
      options: { face_cloth_weights: [1, 1], method: 'complete', sim: 0.5, cannot_link: true, tracks: false, quality_weighting: true, shot_aware: true },
    },
    'ids and the linkage-shaping options only',
  );
  // A new cut of the same tree (another sim, min_csize) is the same linkage: the same job, still nothing computed.
  const t1 = performance.now();
  const again = await api.call('GET', `/videos/${bigId}/clusters?method=complete&sim=0.7&min_csize=3`);
  const againMs = performance.now() - t1;
  assert.equal(again.status, 202);
  assert.equal(again.body.linkage.key, r.body.linkage.key);
  assert.equal((await linkageJobs()).length, 1);

  const t2 = performance.now();
  const w = startWorker();
  await waitFor(async () => (await rows(bigId)).includes(rowKey({ method: 'complete' })), { timeoutMs: 120_000, what: 'the worker to store the linkage' });
  const workerMs = performance.now() - t2;
  await waitFor(async () => w.completed.length === 1, { timeoutMs: 10_000, what: 'the job to complete' });
  const t3 = performance.now();
  const cut = await api.call('GET', path);
  const cutMs = performance.now() - t3;
  assert.equal(cut.status, 200, JSON.stringify(cut.body));
  assert.equal(cut.body.linkage_cached, true, 'the API cut the tree the worker stored');
  assert.equal(cut.body.faces.length, BIG);
  // The worker's tree is the one the flow computes from the same fingerprints: the same partition.
  const fps = await api.deps.store.faces.loadFingerprints(bigId);
  const video = (await api.deps.store.videos.get(bigId))!;
  const { labels } = clusterFaces(fps, resolveClusterOptions({ method: 'complete', sim: 0.5 }), undefined, {
    sample_interval_s: videoSampleInterval(video, fps),
  });
  const byId = new Map(cut.body.faces.map((f: { id: string; cluster: number | null }) => [f.id, f.cluster]));
  const same = (ls: (number | null)[]) => ls.flatMap((a, i) => ls.slice(i + 1, i + 40).map((b) => a !== null && a === b));
  assert.deepEqual(same(fps.map((f) => byId.get(f.publicId) as number | null)), same(labels));
  assert.deepEqual(await rows(bigId), [rowKey({}), rowKey({ method: 'complete' })]);
  assert.equal((await linkageJobs()).length, 0, 'a finished job is removed (a later invalidation can queue it again)');
  t.diagnostic(
    `${BIG} faces: first 202 in ${answerMs.toFixed(0)} ms (fingerprints loaded), second 202 in ${againMs.toFixed(0)} ms; worker start to row ${workerMs.toFixed(0)} ms; the cut (200) in ${cutMs.toFixed(0)} ms`,
  );
});

test('two concurrent identical requests queue one job and store one linkage', async () => {
  await stopWorker();
  const path = `/videos/${bigId}/clusters?face_cloth_weights=1,0.5`;
  const [a, b] = await Promise.all([api.call('GET', path), api.call('GET', path)]);
  assert.equal(a.status, 202);
  assert.equal(b.status, 202);
  assert.equal(a.body.linkage.key, b.body.linkage.key);
  assert.equal((await linkageJobs()).length, 1, 'one job for both');
  const w = startWorker();
  await waitFor(async () => (await rows(bigId)).includes(rowKey({}, '1,0.5')), { timeoutMs: 120_000, what: 'the worker to store the linkage' });
  await waitFor(async () => w.completed.length === 1, { timeoutMs: 10_000, what: 'the job to complete' });
  const [c, d] = await Promise.all([api.call('GET', path), api.call('GET', path)]);
  assert.equal(c.status, 200);
  assert.equal(d.status, 200);
  assert.deepEqual(c.body.clusters, d.body.clusters);
  assert.equal((await rows(bigId)).filter((k) => k === rowKey({}, '1,0.5')).length, 1, 'one linkage stored');
  assert.equal(w.completed.length, 1, 'computed once');
});

test('the montage and the clustered faces list take the same path: 202 while computing, then the cut', async () => {
  await stopWorker();
  const montage = await api.call('GET', `/videos/${bigId}/montage.png?method=single`);
  assert.equal(montage.status, 202);
  assert.equal(montage.body.status, 'computing');
  const faces = await api.call('GET', `/videos/${bigId}/faces?method=single&limit=5`);
  assert.equal(faces.status, 202);
  assert.equal(faces.body.linkage.key, montage.body.linkage.key);
  assert.equal((await linkageJobs()).length, 1);
  startWorker();
  await waitFor(async () => (await rows(bigId)).includes(rowKey({ method: 'single' })), { timeoutMs: 120_000, what: 'the worker to store the linkage' });
  const png = await fetch(`${api.baseUrl}/videos/${bigId}/montage.png?method=single`, { headers: api.auth.headers });
  assert.equal(png.status, 200);
  assert.equal(png.headers.get('content-type'), 'image/png');
  const list = await api.call('GET', `/videos/${bigId}/faces?method=single&limit=5`);
  assert.equal(list.status, 200);
  assert.equal(list.body.items.length, 5);
});

test(`a small video (at most ${SYNC_MAX} faces) still computes a new linkage in the request`, async () => {
  const r = await api.call('GET', `/videos/${smallId}/clusters?method=complete`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.linkage_cached, false, 'computed in the request');
  assert.deepEqual(await rows(smallId), [rowKey({}), rowKey({ method: 'complete' })]);
});
