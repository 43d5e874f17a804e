import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { AddressInfo } from 'node:net';
import { resolveExtractOptions, type ExtractOptions } from '../../../libs/config/index.js';
import { migrate, type VideoRecord } from '../../../libs/store/index.js';
import { createWorkerDeps, type WorkerDeps } from '../../../apps/worker/deps.js';
import { startWorkers, type RunningWorkers } from '../../../apps/worker/workers.js';
import { verifyWebhook } from '../../../libs/webhooks/index.js';
import { freshDatabase, dropDatabase, sql, tempDir, testConfig, uniquePrefix, waitFor, TEST_REDIS_URL } from '../../e2e/support/services.js';
import { testVideo } from '../../e2e/support/media.js';
import { linkageKeyOf, storedLinkageKeys } from '../../helpers/linkages.js';
import { framePresentationTimes } from '../../libs/media/videos.js';

const DB = 'keycast_test_worker';
const storage = tempDir('worker');
let url: string;
let deps: WorkerDeps;
let running: RunningWorkers;
const video = testVideo();
const SECRET = 'test-secret';
/**
 * The 1 s grid points of [0, 4 s) at which a frame of the video is on screen, read with ffprobe: a stream that starts
 * late (the Hamilton clip's video starts at 0.852 s) has nothing at 0 s, so 1, 2, 3 s; one that starts with the file
 * (the demo-photo video) also has 0 s.
 */
const firstFrameS = Math.min(...framePresentationTimes(video.path));
const SAMPLED = [0, 1, 2, 3].filter((t) => t >= firstFrameS - 1e-6);

// A webhook receiver that answers 500 to the first delivery of each event, then 200.
const received: { headers: Record<string, string | string[] | undefined>; body: string }[] = [];
const failedOnce = new Set<string>();
let receiver: Server;
let receiverUrl: string;

before(async () => {
  url = await freshDatabase(DB);
  await migrate(url);
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      const ev = JSON.parse(body) as { id: string };
      received.push({ headers: req.headers, body });
      if (!failedOnce.has(ev.id)) {
        failedOnce.add(ev.id);
        res.writeHead(500).end('try again');
      } else res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  deps = createWorkerDeps(
    testConfig({
      databaseUrl: url,
      redisUrl: TEST_REDIS_URL,
      storageDir: storage.dir,
      queuePrefix: uniquePrefix('worker'),
      webhookSecret: SECRET,
      segmentSeconds: 2,
      webhookAllowedHosts: ['127.0.0.1'],
    }),
    { poolSize: 1 },
  );
  running = startWorkers(deps);
});

after(async () => {
  await running?.close();
  await deps?.queues.obliterate().catch(() => {});
  await deps?.close();
  await new Promise((r) => receiver.close(r));
  await dropDatabase(DB);
  storage.cleanup();
});

async function upload(options: Partial<ExtractOptions>, { file = video.path, callbackUrl = null as string | null } = {}): Promise<VideoRecord> {
  const id = crypto.randomUUID();
  const key = deps.store.files.sourceKey(id, file);
  mkdirSync(dirname(deps.store.files.path(key)), { recursive: true });
  copyFileSync(file, deps.store.files.path(key));
  const v = await deps.store.videos.create({ id, options: resolveExtractOptions(options), sourceKey: key, sizeBytes: 1, callbackUrl });
  await deps.queues.enqueueExtract(id);
  return v;
}

async function settled(id: string): Promise<VideoRecord> {
  return waitFor(
    async () => {
      const v = await deps.store.videos.get(id);
      return v && (v.status === 'ready' || v.status === 'failed') ? v : null;
    },
    { timeoutMs: 120_000, what: `video ${id} to settle` },
  );
}

type FaceKey = { frame: number; k: number; x: number; y: number; w: number; h: number };
const faceSet = async (id: string) =>
  (await sql<FaceKey>(url, 'SELECT frame, k, x, y, w, h FROM faces WHERE video_id = $1 ORDER BY frame, k', [id])).map(
    (f) => `${f.frame}/${f.k}/${f.x},${f.y},${f.w},${f.h}`,
  );

let whole: { id: string; faces: string[] };

test(`one segment: faces stored once each, default linkage cached, video ready (${video.name})`, async () => {
  deps.config.segmentSeconds = 600;
  const v = await upload({ capture_interval_sec: 1, stop_sec: 4, frame_batch_size: 2 });
  const done = await settled(v.id);
  assert.equal(done.status, 'ready', `${done.errorCode}: ${done.errorMessage}`);
  assert.equal(done.progress, 1);
  assert.equal(done.segmentCount, 1);
  assert.equal(done.frameCount, SAMPLED.length, `frames at ${SAMPLED.join(', ')} s (first frame at ${firstFrameS} s)`);
  const faces = await faceSet(v.id);
  assert.ok(faces.length >= 2, `found ${faces.length} faces`);
  assert.equal(done.faceCount, faces.length);
  assert.equal(new Set(faces.map((f) => f.split('/').slice(0, 2).join('/'))).size, faces.length, 'no (frame, k) twice');
  const linkages = await sql<{ n: number; len: number }>(url, 'SELECT n, length(z) AS len FROM linkages WHERE video_id = $1', [v.id]);
  assert.deepEqual(
    linkages.map((l) => [l.n, l.len]),
    [[faces.length, (faces.length - 1) * 4 * 8]],
  );
  assert.deepEqual(await storedLinkageKeys(url, v.id), [linkageKeyOf({})], 'the default linkage (keycast flow, no people)');
  assert.ok(done.timings.extract_ms > 0 && done.timings.linkage_ms >= 0 && done.timings.probe_ms >= 0);
  whole = { id: v.id, faces };
});

test('split into 2 s segments (a flow of child jobs): the same faces as one segment', async () => {
  assert.ok(whole, 'needs the previous test');
  deps.config.segmentSeconds = 2;
  const v = await upload({ capture_interval_sec: 1, stop_sec: 4, frame_batch_size: 2 });
  const done = await settled(v.id);
  assert.equal(done.status, 'ready', `${done.errorCode}: ${done.errorMessage}`);
  assert.equal(done.segmentCount, 2);
  assert.equal(done.frameCount, SAMPLED.length);
  assert.deepEqual(await faceSet(v.id), whole.faces);
  const segs = await deps.store.segments.list(v.id);
  assert.deepEqual(
    segs.map((s) => [s.idx, s.startS, s.status]),
    [
      [0, 0, 'done'],
      [1, 2, 'done'],
    ],
  );
  const counts = await deps.queues.counts();
  assert.equal(counts.segment.completed, 2);
});

test('not a video: failed at once with NOT_A_VIDEO (no retry), and video.failed is delivered, signed, after one 500', async () => {
  const junk = `${storage.dir}/junk.mp4`;
  writeFileSync(junk, 'this is not a video'.repeat(100));
  const v = await upload({}, { file: junk, callbackUrl: receiverUrl });
  const done = await settled(v.id);
  assert.equal(done.status, 'failed');
  assert.equal(done.errorCode, 'NOT_A_VIDEO');
  // The video row says failed before BullMQ has moved the job to failed (and counted the attempt): wait for that.
  const job = await waitFor(
    async () => {
      const j = await deps.queues.extract.getJob(`extract-${v.id}`);
      return j && (await j.isFailed()) ? j : null;
    },
    { what: 'the extract job to be failed' },
  );
  assert.equal(job.attemptsMade, 1, 'a KeycastError is not retried');

  const deliveries = await waitFor(
    async () => {
      const d = await deps.store.deliveries.list(v.id);
      return d.length >= 2 ? d : null;
    },
    { what: 'two webhook attempts' },
  );
  assert.deepEqual(
    deliveries.map((d) => [d.event, d.attempt, d.statusCode, d.deliveredAt !== null]),
    [
      ['video.failed', 1, 500, false],
      ['video.failed', 2, 204, true],
    ],
  );
  const mine = received.filter((r) => JSON.parse(r.body).video_id === v.id);
  assert.equal(mine.length, 2);
  for (const r of mine) {
    assert.equal(verifyWebhook(SECRET, r.headers, r.body), true);
    assert.equal(verifyWebhook('wrong-secret', r.headers, r.body), false);
  }
  const ev = JSON.parse(mine[1].body);
  assert.equal(ev.type, 'video.failed');
  assert.equal(ev.status, 'failed');
  assert.equal(ev.error.code, 'NOT_A_VIDEO');
  assert.equal(ev.id, JSON.parse(mine[0].body).id, 'same event id on retry');
});

test('deleting a video removes it; a job queued for it is skipped', async () => {
  const v = await upload({ capture_interval_sec: 1, stop_sec: 2 });
  await deps.store.deleteVideo(v.id);
  const job = await waitFor(
    async () => {
      const j = await deps.queues.extract.getJob(`extract-${v.id}`);
      return j && (await j.isCompleted()) ? j : null;
    },
    { what: 'job of a deleted video to complete' },
  );
  assert.deepEqual(job.returnvalue, { skipped: 'video deleted' });
  assert.equal((await sql(url, 'SELECT 1 FROM faces WHERE video_id = $1', [v.id])).length, 0);
});
