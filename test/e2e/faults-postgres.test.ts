// PostgreSQL restarted under a running API and a worker mid-extraction (a throwaway server: the shared one is never touched).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startApi, call, type RunningApi } from './support/api.js';
import { createTestKey, type TestKey } from './support/auth.js';
import { sql, waitFor } from './support/services.js';
import { testVideo } from './support/media.js';
import { envOf, startWorkerProcess, type WorkerProcess } from './support/worker-process.js';
import { startThrowawayPostgres, type ThrowawayPostgres } from './support/throwaway.js';

const video = testVideo();
const bytes = readFileSync(video.path);
// Small batches: many commits, so the outage lands between two of them.
const OPTIONS = { capture_interval_sec: '0.5', frame_batch_size: '2' };
let pgServer: ThrowawayPostgres;
let api: RunningApi;
let key: TestKey;
let worker: WorkerProcess | null = null;
let reference: string[] = [];

before(async () => {
  pgServer = await startThrowawayPostgres();
  api = await startApi('keycast_test_faults_postgres', { workerLockMs: 3000 }, { adminUrl: pgServer.adminUrl });
  key = await createTestKey(api.databaseUrl, 'pg-fault');
  worker = await startWorkerProcess(envOf(api.config));
});
after(async () => {
  await worker?.stop('SIGKILL');
  await api?.close().catch(() => {});
  await pgServer?.stop();
});

const get = (path: string) => call(api.baseUrl, 'GET', path, { headers: key.headers });

function upload(): ReturnType<typeof call> {
  const form = new FormData();
  for (const [k, v] of Object.entries(OPTIONS)) form.append(k, v);
  form.append('file', new Blob([bytes]), video.name);
  return call(api.baseUrl, 'POST', '/videos', { body: form, headers: key.headers });
}

async function whenReady(id: string) {
  return waitFor(
    async () => {
      const r = await get(`/videos/${id}`);
      if (r.status !== 200) return null; // the database may still be coming back
      assert.notEqual(r.body.status, 'failed', JSON.stringify(r.body.error));
      return r.body.status === 'ready' ? r.body : null;
    },
    { timeoutMs: 240_000, intervalMs: 250, what: `video ${id} ready` },
  );
}

async function faceKeys(id: string): Promise<string[]> {
  const rows = await sql<{ frame: number; k: number; x: number; y: number; w: number; h: number }>(
    api.databaseUrl,
    'SELECT frame, k, x, y, w, h FROM faces WHERE video_id = $1 ORDER BY frame, k',
    [id],
  );
  return rows.map((r) => `${r.frame}/${r.k} [${r.x}, ${r.y}, ${r.w}, ${r.h}]`);
}

const storedVideos = () => {
  try {
    return readdirSync(join(api.config.storageDir, 'videos')).sort();
  } catch {
    return [];
  }
};

/** An answer a client may see while the database is down: 503 DATABASE_UNAVAILABLE with Retry-After, nothing internal in it. */
function assertDatabaseUnavailable(r: { status: number; body: any; headers: Headers }, what: string) {
  assert.equal(r.status, 503, `${what}: ${JSON.stringify(r.body)}`);
  assert.equal(r.body.error.code, 'DATABASE_UNAVAILABLE', what);
  assert.ok(Number(r.headers.get('retry-after')) > 0, `${what}: Retry-After`);
  const text = JSON.stringify(r.body);
  for (const leak of [/prisma/i, /invocation/i, /127\.0\.0\.1/, new RegExp(String(pgServer.port)), /\.ts\b/, /SELECT/i])
    assert.doesNotMatch(text, leak, `${what} leaks ${leak}: ${text}`);
}

test('reference: the faces of a clean run', async () => {
  const r = await upload();
  assert.equal(r.status, 202, JSON.stringify(r.body));
  const v = await whenReady(r.body.id);
  reference = await faceKeys(r.body.id);
  assert.ok(reference.length >= 5, `${reference.length} faces`);
  assert.equal(v.face_count, reference.length);
});

test('PostgreSQL killed mid-extraction and restarted: 503s meanwhile, the same API process recovers, the video completes with the same faces', async () => {
  assert.ok(reference.length > 0, 'needs the reference run');
  const r = await upload();
  assert.equal(r.status, 202, JSON.stringify(r.body));
  const id = r.body.id as string;
  await waitFor(async () => ((await faceKeys(id)).length > 0 ? true : null), { timeoutMs: 120_000, intervalMs: 20, what: 'a first committed batch' });
  const filesBefore = storedVideos();

  await pgServer.kill();
  const tDown = Date.now();

  // Readiness says 503 (and why, without internals); the process stays alive (liveness 200).
  const ready = await call(api.baseUrl, 'GET', '/ready');
  assert.equal(ready.status, 503);
  assert.equal(ready.body.error.code, 'UNAVAILABLE');
  assert.equal(ready.body.checks.database.ok, false);
  assert.equal(ready.body.checks.redis.ok, true);
  assert.doesNotMatch(JSON.stringify(ready.body), /prisma|invocation|127\.0\.0\.1/i);
  assert.equal((await call(api.baseUrl, 'GET', '/health')).status, 200);

  // Requests that need the database answer 503 DATABASE_UNAVAILABLE at once: no 500, no hang.
  assertDatabaseUnavailable(await get('/videos'), 'GET /videos');
  assertDatabaseUnavailable(await get(`/videos/${id}`), 'GET /videos/:id');
  assertDatabaseUnavailable(await get(`/videos/${id}/clusters?sim=0.5`), 'GET /videos/:id/clusters');
  const up = await upload();
  assertDatabaseUnavailable(up, 'POST /videos');
  assert.deepEqual(storedVideos(), filesBefore, 'a refused upload leaves no file');

  // The worker meets the outage: its job waits (delayed, no attempt spent) instead of failing.
  await waitFor(async () => worker!.logs.some((l) => l.msg === 'database unavailable: job delayed' && l.videoId === id), {
    timeoutMs: 60_000,
    what: 'the worker to meet the outage',
  });
  await new Promise((res) => setTimeout(res, 2000));
  await pgServer.start();
  const outageMs = Date.now() - tDown;

  // The same API process: ready again, and serving.
  await waitFor(async () => ((await call(api.baseUrl, 'GET', '/ready')).status === 200 ? true : null), { timeoutMs: 30_000, what: '/ready back to 200' });
  const list = await get('/videos');
  assert.equal(list.status, 200);
  assert.ok(list.body.items.some((v: { id: string }) => v.id === id));

  const v = await whenReady(id);
  const keys = await faceKeys(id);
  assert.equal(keys.length, new Set(keys.map((k) => k.split(' ')[0])).size, 'no (frame, k) twice');
  assert.deepEqual(keys, reference, 'same faces as the clean run: none lost, none duplicated');
  assert.equal(v.face_count, reference.length);
  assert.equal(worker!.child.exitCode, null, 'the worker survived the outage');
  const delays = worker!.logs.filter((l) => l.msg === 'database unavailable: job delayed' && l.videoId === id).length;
  const attempts = worker!.logs.filter((l) => l.msg === 'extract' && l.videoId === id).map((l) => l.attempt);
  assert.ok(attempts.length >= 2, `the job started again after the outage (${attempts.join(', ')})`);
  assert.deepEqual([...new Set(attempts)], [1], 'the outage cost no attempt');
  assert.equal(worker!.logs.filter((l) => l.msg === 'job failed').length, 0);
  const after = await get(`/videos/${id}/clusters?sim=0.5`);
  assert.equal(after.status, 200);
  console.log(
    `# database down ${outageMs} ms; the job waited ${delays} times, restarted ${attempts.length - 1} times on attempt 1; ${keys.length} faces as in the clean run`,
  );
});
