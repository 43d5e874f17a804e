// Worker processes: several share one video (segments), and a worker killed mid-job loses and duplicates nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startApi, type RunningApi } from './support/api.js';
import { sql, waitFor } from './support/services.js';
import { testVideo } from './support/media.js';
import { envOf, startWorkerProcess, type WorkerProcess } from './support/worker-process.js';
import { startThrowawayPostgres, startThrowawayRedis, type ThrowawayPostgres, type ThrowawayRedis } from './support/throwaway.js';

const video = testVideo();
const bytes = readFileSync(video.path);
// Small batches: many commits, so a kill lands between two of them.
const OPTIONS = { capture_interval_sec: '1', frame_batch_size: '2' };
let api: RunningApi;
const running: WorkerProcess[] = [];
// Fault tests kill processes and restart servers: they get their own PostgreSQL and Redis.
let pgServer: ThrowawayPostgres;
let redis: ThrowawayRedis;

before(async () => {
  [pgServer, redis] = await Promise.all([startThrowawayPostgres(), startThrowawayRedis()]);
  api = await startApi('keycast_test_workers', { workerLockMs: 3000, redisUrl: redis.url }, { adminUrl: pgServer.adminUrl });
});
after(async () => {
  for (const w of running) await w.stop('SIGKILL');
  await api?.close();
  await redis?.stop();
  await pgServer?.stop();
});

async function upload(): Promise<string> {
  const form = new FormData();
  for (const [k, v] of Object.entries(OPTIONS)) form.append(k, v);
  form.append('file', new Blob([bytes]), video.name);
  const r = await api.call('POST', '/videos', { body: form });
  assert.equal(r.status, 202, JSON.stringify(r.body));
  return r.body.id;
}

async function worker(segmentSeconds: number): Promise<WorkerProcess> {
  const w = await startWorkerProcess(envOf({ ...api.config, segmentSeconds }));
  running.push(w);
  return w;
}

async function whenReady(id: string, timeoutMs = 180_000) {
  return waitFor(
    async () => {
      const r = await api.call('GET', `/videos/${id}`);
      assert.notEqual(r.body.status, 'failed', JSON.stringify(r.body.error));
      return r.body.status === 'ready' ? r.body : null;
    },
    { timeoutMs, intervalMs: 200, what: `video ${id} ready` },
  );
}

type Row = { frame: number; k: number; x: number; y: number; w: number; h: number };
/** Waits until the worker has committed at least one batch of the video; returns the faces stored then. */
function firstBatch(id: string): Promise<number> {
  return waitFor(
    async () => {
      const [{ n }] = await sql<{ n: string }>(api.databaseUrl, 'SELECT count(*) AS n FROM faces WHERE video_id = $1', [id]);
      return Number(n) >= 1 ? Number(n) : null;
    },
    { timeoutMs: 120_000, intervalMs: 20, what: 'a first committed batch' },
  );
}

async function faceKeys(id: string): Promise<string[]> {
  const rows = await sql<Row>(api.databaseUrl, 'SELECT frame, k, x, y, w, h FROM faces WHERE video_id = $1 ORDER BY frame, k', [id]);
  return rows.map((r) => `${r.frame}/${r.k} [${r.x}, ${r.y}, ${r.w}, ${r.h}]`);
}

let reference: string[] = [];

test('one worker process, one segment: the reference face set; SIGTERM stops it cleanly', async () => {
  const w = await worker(600);
  const id = await upload();
  const v = await whenReady(id);
  assert.equal(v.segment_count, 1);
  reference = await faceKeys(id);
  assert.ok(reference.length >= 5, `${reference.length} faces`);
  assert.equal(new Set(reference.map((k) => k.split(' ')[0])).size, reference.length);
  const exit = await w.stop('SIGTERM');
  assert.deepEqual(exit, { code: 0, signal: null });
  assert.ok(w.logs.some((l) => l.msg === 'worker stopped'));
});

test('SIGTERM mid-job: the worker finishes the running job, then exits 0', async () => {
  assert.ok(reference.length > 0, 'needs the reference run');
  const w = await worker(600);
  const id = await upload();
  await firstBatch(id);
  w.child.kill('SIGTERM');
  const exit = await w.exited;
  assert.deepEqual(exit, { code: 0, signal: null });
  const v = (await api.call('GET', `/videos/${id}`)).body;
  assert.equal(v.status, 'ready', 'the job was finished before exiting');
  assert.deepEqual(await faceKeys(id), reference);
});

test('two worker processes share a video split into 3 s segments: the same faces as one worker', async () => {
  assert.ok(reference.length > 0, 'needs the reference run');
  const [a, b] = await Promise.all([worker(3), worker(3)]);
  const id = await upload();
  const v = await whenReady(id);
  assert.equal(v.segment_count, 4, '10 s in 3 s segments');
  assert.deepEqual(await faceKeys(id), reference);
  const segmentsBy = (w: WorkerProcess) => w.logs.filter((l) => l.msg === 'segment' && l.videoId === id).map((l) => l.idx as number);
  const [sa, sb] = [segmentsBy(a), segmentsBy(b)];
  assert.deepEqual([...sa, ...sb].sort(), [0, 1, 2, 3], 'each segment processed once');
  assert.ok(sa.length > 0 && sb.length > 0, `both workers took segments (${sa} / ${sb})`);
  console.log(`# segments: worker A took ${sa.join(',')}, worker B took ${sb.join(',')}; ${reference.length} faces`);
  await Promise.all([a.stop(), b.stop()]);
});

test('a worker SIGKILLed mid-extraction: another finishes the video, with no duplicate and no missing face', async () => {
  assert.ok(reference.length > 0, 'needs the reference run');
  const victim = await worker(600);
  const id = await upload();
  // Kill once some batches are committed, well before the end.
  const partial = await firstBatch(id);
  victim.child.kill('SIGKILL');
  assert.equal((await victim.exited).signal, 'SIGKILL');
  const mid = (await api.call('GET', `/videos/${id}`)).body;
  assert.equal(mid.status, 'processing', 'killed before the end');
  assert.ok(partial < reference.length, `killed with ${partial} of ${reference.length} faces stored`);

  const tKill = Date.now();
  const rescuer = await worker(600);
  const v = await whenReady(id);
  console.log(`# killed with ${partial}/${reference.length} faces stored; rescued and ready ${Date.now() - tKill} ms after the kill`);
  const keys = await faceKeys(id);
  assert.equal(keys.length, new Set(keys.map((k) => k.split(' ')[0])).size, 'no (frame, k) twice');
  assert.deepEqual(keys, reference, 'same faces as a clean run');
  assert.equal(v.face_count, reference.length);
  assert.ok(
    rescuer.logs.some((l) => l.msg === 'extract' && l.videoId === id),
    'the second worker ran the job again',
  );
  await rescuer.stop();
});

test('Redis killed and restarted mid-extraction: the worker reconnects, the video completes with the same faces; /ready is 503 meanwhile, an upload is refused 503 at once and leaves nothing', async () => {
  assert.ok(reference.length > 0, 'needs the reference run');
  const w = await worker(600);
  const id = await upload();
  await firstBatch(id);
  await redis.kill();
  const down = await api.call('GET', '/ready');
  assert.equal(down.status, 503);
  assert.equal(down.body.checks.redis.ok, false);
  // What needs only PostgreSQL is still served; an upload, whose job cannot be queued, is refused (not held until Redis is back).
  assert.equal((await api.call('GET', `/videos/${id}`)).status, 200);
  const rows = await sql<{ n: string }>(api.databaseUrl, 'SELECT count(*) AS n FROM videos');
  const stored = readdirSync(join(api.config.storageDir, 'videos')).length;
  const form = new FormData();
  form.append('file', new Blob([bytes]), video.name);
  const refused = await api.call('POST', '/videos', { body: form, signal: AbortSignal.timeout(30_000) });
  assert.equal(refused.status, 503, JSON.stringify(refused.body));
  assert.equal(refused.body.error.code, 'UNAVAILABLE');
  assert.match(refused.body.error.message, /queue/);
  assert.doesNotMatch(refused.body.error.message, /127\.0\.0\.1|ECONNREFUSED/);
  assert.ok(Number(refused.headers.get('retry-after')) > 0, 'Retry-After');
  assert.deepEqual(await sql(api.databaseUrl, 'SELECT count(*) AS n FROM videos'), rows, 'no row left by the refused upload');
  assert.equal(readdirSync(join(api.config.storageDir, 'videos')).length, stored, 'no file left by the refused upload');
  await new Promise((r) => setTimeout(r, 1500));
  await redis.start();
  const v = await whenReady(id);
  assert.deepEqual(await faceKeys(id), reference);
  assert.equal(v.face_count, reference.length);
  assert.equal(w.child.exitCode, null, 'the worker survived the outage');
  const up = await waitFor(async () => ((await api.call('GET', '/ready')).status === 200 ? true : null), { timeoutMs: 20_000, what: '/ready back to 200' });
  assert.equal(up, true);
  await w.stop();
});
