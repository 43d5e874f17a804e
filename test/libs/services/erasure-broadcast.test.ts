// Faces are biometric data: gone everywhere when deleted, in every process at once. Three sets of services stand for
// three processes (two API replicas and a worker: their own ClusterService, FaceLibrary, PeopleGalleries and Redis
// connections) over one PostgreSQL database and one queue prefix; a fourth on another prefix stands for another
// deployment (or test run) on the same Redis. A deletion through one replica's ErasureService must leave the other
// processes' memory within a short wait, without any read of theirs; the other deployment hears nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createApiDeps, type ApiDeps } from '../../../apps/api/deps.js';
import { createWorkerDeps, type WorkerDeps } from '../../../apps/worker/deps.js';
import type { ServiceConfig } from '../../../libs/config/node.js';
import { DEFAULT_CLUSTER, DEFAULT_EXTRACT } from '../../../libs/config/index.js';
import { createLogger } from '../../../libs/logger/index.js';
import type { FaceRecord } from '../../../libs/pipeline/types.js';
import { Queues } from '../../../libs/queue/index.js';
import { ClusterService, ErasureBroadcast } from '../../../libs/services/index.js';
import { migrate } from '../../../libs/store/index.js';
import { createTestKey, type TestKey } from '../../e2e/support/auth.js';
import { dropDatabase, freshDatabase, tempDir, testConfig, uniquePrefix, waitFor, TEST_REDIS_URL } from '../../e2e/support/services.js';

const DB = 'keycast_test_erasure_broadcast';
type Api = ApiDeps & { close(): Promise<void> };
let config: ServiceConfig;
let storage: { dir: string; cleanup(): void };
let a: Api; // the replica that deletes
let b: Api; // another replica
let worker: WorkerDeps;
let elsewhere: Api; // another deployment on the same Redis (its own prefix)
let tenant: TestKey;
const actor = () => ({ scope: { tenantId: tenant.tenantId }, keyId: null });

before(async () => {
  const databaseUrl = await freshDatabase(DB);
  await migrate(databaseUrl);
  storage = tempDir('erasure-broadcast');
  config = testConfig({ databaseUrl, redisUrl: TEST_REDIS_URL, storageDir: storage.dir, queuePrefix: uniquePrefix('erasure') });
  a = createApiDeps(config);
  b = createApiDeps(config);
  worker = createWorkerDeps(config, { poolSize: 1 });
  elsewhere = createApiDeps({ ...config, queuePrefix: uniquePrefix('elsewhere') });
  tenant = await createTestKey(databaseUrl, 'broadcast-co');
  // Subscribed before anything is deleted (a process subscribes as it starts, before it serves).
  await waitFor(async () => (await a.queues.connection.pubsub('NUMSUB', a.queues.channel('erasure')))[1] === 3, {
    timeoutMs: 10_000,
    what: 'three subscribers on the prefix',
  });
});

after(async () => {
  for (const d of [a, b, worker, elsewhere]) {
    if (d?.queues.connection.status === 'ready') await d.queues.obliterate().catch(() => {});
    await d?.close();
  }
  await dropDatabase(DB);
  storage?.cleanup();
});

let seq = 0;
/** A ready video of `tenantId` with 4 faces of its own. */
async function seedVideo(tenantId: string): Promise<string> {
  const n = ++seq;
  const faces: FaceRecord[] = [];
  for (let i = 0; i < 4; i++) {
    const face = Float32Array.from({ length: 128 }, (_, j) => Math.sin(n * 1000 + (i % 2) * 128 + j) + n);
    faces.push({
      frame: i * 25,
      k: 0,
      t: i,
      box: [1, 1, 10, 10],
      score: 0.9,
      face,
      cloth: face.map((x) => -x),
      thumbnail: Buffer.from('t'),
      body: Buffer.from('b'),
    });
  }
  const v = await a.store.videos.create({ tenantId, options: { ...DEFAULT_EXTRACT }, sourceKey: 'videos/x/source.mp4', sizeBytes: 1, filename: 'x.mp4' });
  await a.store.writeFaceBatch(v.id, 0, faces, { frames: 4, faces: 4, t: 3, fraction: 1 });
  await a.store.videos.markReady(v.id, { faceCount: 4, frameCount: 4, timings: {} });
  return v.id;
}

/** Makes `d` hold the video as serving it would: a cut (fingerprints, cut, pair distances), a search, a suggestion. */
async function hold(d: { clusters: ClusterService } & Partial<Pick<ApiDeps, 'library' | 'galleries'>>, videoId: string): Promise<void> {
  const video = (await a.store.videos.get(videoId))!;
  await d.clusters.cluster(video, { ...DEFAULT_CLUSTER });
  assert.ok(d.clusters.holds(videoId), 'a cut holds the video');
  if (d.library) {
    await d.library.size(video.tenantId!);
    assert.ok(d.library.holds(videoId));
  }
  if (d.galleries) {
    await d.galleries.gallery(video.tenantId!);
    assert.ok(d.galleries.holds(video.tenantId!));
  }
}

const gone = (what: string, held: () => boolean) => waitFor(async () => !held(), { timeoutMs: 2000, intervalMs: 10, what: `${what} to forget` });

test('a video deleted through one replica leaves the other replica and the worker at once (fingerprints, cuts, pair distances, descriptors, gallery)', async (t) => {
  const id = await seedVideo(tenant.tenantId);
  const kept = await seedVideo(tenant.tenantId);
  // A person confirmed on the video: their exemplars are its faces, in every process's gallery.
  const faces = await a.store.faces.loadFingerprints(id);
  await a.people.create(actor(), { name: 'Ada', faces: faces.map((f) => f.id) });
  await hold(b, id);
  await hold(b, kept);
  await hold(worker, id);
  await hold(elsewhere, id);

  assert.equal((await a.erasure.deleteVideo(id))?.videos, 1);
  const started = Date.now();
  await gone('the other replica’s ClusterService', () => b.clusters.holds(id));
  await gone('the other replica’s FaceLibrary', () => b.library.holds(id));
  await gone('the other replica’s PeopleGalleries', () => b.galleries.holds(tenant.tenantId));
  await gone('the worker’s ClusterService', () => worker.clusters.holds(id));
  const ms = Date.now() - started;
  assert.ok(ms < 2000, `${ms} ms`);
  t.diagnostic(`forgotten everywhere ${ms} ms after the deletion returned`);
  // Nothing else is dropped: the other video stays, and another deployment hears nothing (it finds out on its next read).
  assert.ok(b.clusters.holds(kept) && b.library.holds(kept));
  assert.ok(elsewhere.clusters.holds(id), 'another prefix heard nothing');
  assert.equal(await a.erasure.deleteVideo(id), null);
});

test('a tenant purge leaves every process; a deleted person leaves every gallery', async () => {
  const other = await createTestKey(config.databaseUrl, 'purged-co');
  const ids = [await seedVideo(other.tenantId), await seedVideo(other.tenantId)];
  for (const id of ids) {
    await hold(b, id);
    await hold(worker, id);
  }
  const r = await a.erasure.deleteTenant('purged-co');
  assert.equal(r?.videos, 2);
  for (const id of ids) {
    await gone('the other replica', () => b.clusters.holds(id) || b.library.holds(id));
    await gone('the worker', () => worker.clusters.holds(id));
  }

  // A person deleted through one replica: the other's gallery of the tenant goes (rebuilt on its next read).
  const v = await seedVideo(tenant.tenantId);
  const fs = await a.store.faces.loadFingerprints(v);
  const p = await a.people.create(actor(), { name: 'Bob', faces: [fs[0].id, fs[1].id] });
  await b.galleries.gallery(tenant.tenantId);
  assert.ok(b.galleries.holds(tenant.tenantId));
  await a.people.delete(actor(), p.id);
  await gone('the other replica’s gallery', () => b.galleries.holds(tenant.tenantId));
  assert.ok(!(await b.galleries.gallery(tenant.tenantId)).get(1)?.people.some((x) => x.id === p.id), 'rebuilt without the person');
});

test('with Redis down the erasure still forgets here and never fails: a warning, no face data in it', async () => {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger({ component: 'test', destination: { write: (s: string) => void lines.push(JSON.parse(s)) } });
  const dead = new Queues({ redisUrl: 'redis://127.0.0.1:1', prefix: uniquePrefix('dead'), webhookMaxAttempts: 1, onError: () => {} });
  try {
    const id = await seedVideo(tenant.tenantId);
    const clusters = new ClusterService(a.store);
    await hold({ clusters }, id);
    await waitFor(async () => dead.connection.status === 'reconnecting', { timeoutMs: 5000, what: 'the dead connection to fail' });
    await new ErasureBroadcast(dead, { clusters }, log).erased({ tenant: tenant.tenantId, videos: [id] });
    assert.ok(!clusters.holds(id));
    assert.equal(lines.length, 1);
    assert.equal(lines[0].msg, 'erasure not broadcast: other processes drop it when idle or on their next read');
    assert.equal(lines[0].videos, 1);
  } finally {
    await dead.close(0);
  }
});
