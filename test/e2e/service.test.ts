// End to end: real PostgreSQL, Redis and HTTP; the client is the SDK generated from /openapi.json.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createClient, getVideosById, getVideosByIdClusters, postVideos, getVideosByIdMontagePng } from '../../libs/sdk/index.js';
import { createWorkerDeps, type WorkerDeps } from '../../apps/worker/deps.js';
import { startWorkers, type RunningWorkers } from '../../apps/worker/workers.js';
import { verifyWebhook } from '../../libs/sdk/node.js';
import { startApi, type RunningApi } from './support/api.js';
import { startReceiver } from './support/receiver.js';
import { sql, waitFor } from './support/services.js';
import { testVideo } from './support/media.js';
import { probeVideo } from '../../libs/media/index.js';

const SECRET = 'e2e-webhook-secret';
const video = testVideo();
let api: RunningApi;
let deps: WorkerDeps;
let workers: RunningWorkers;
let receiver: Awaited<ReturnType<typeof startReceiver>>;

before(async () => {
  if (!video.real) console.log(`# ${video.name}: ../shared/data/videos/short_hamilton_clip.mp4 absent, using a video made from face-api's demo photos`);
  receiver = await startReceiver();
  // The receiver is on loopback, which webhooks may reach only when allowed: this suite allows 127.0.0.1 explicitly.
  api = await startApi('keycast_test_e2e', { webhookSecret: SECRET, webhookAllowedHosts: ['127.0.0.1'] });
  deps = createWorkerDeps({ ...api.config }, { poolSize: 1 });
  workers = startWorkers(deps);
});

after(async () => {
  await workers?.close();
  await deps?.close();
  await api?.close();
  await receiver?.close();
});

test(`upload with the SDK → ready → clusters at two sims (the second: no job, no face row, no linkage) → signed webhook (${video.name})`, async () => {
  // The SDK sends the key itself: the document marks these operations with the bearer scheme.
  const client = createClient({ baseUrl: api.baseUrl, auth: api.auth.key });
  const t0 = Date.now();
  const up = await postVideos({
    client,
    body: { file: new Blob([readFileSync(video.path)]), capture_interval_sec: 1, frame_batch_size: 4, callback_url: receiver.url, owner: 'e2e' },
  });
  assert.equal(up.response.status, 202, JSON.stringify(up.error));
  const id = up.data!.id;

  const progress: number[] = [];
  const ready = await waitFor(
    async () => {
      const r = await getVideosById({ client, path: { id } });
      assert.equal(r.response.status, 200);
      progress.push(r.data!.progress * 100);
      assert.notEqual(r.data!.status, 'failed', JSON.stringify(r.data!.error));
      return r.data!.status === 'ready' ? r.data! : null;
    },
    { timeoutMs: 180_000, intervalMs: 250, what: 'video ready' },
  );
  const processMs = Date.now() - t0;
  assert.equal(ready.progress, 1);
  // One frame a second on the file's timeline, from the video stream's first frame (the Hamilton clip's starts at 0.852 s,
  // so its first sample is the frame at 1 s) to its last.
  const { start_s } = await probeVideo(video.path);
  assert.equal(
    ready.sampled_frames,
    Math.floor(ready.media!.duration_s - 1 / ready.media!.fps) - Math.ceil(start_s - 1e-6) + 1,
    'one frame a second, from the first frame to the last',
  );
  assert.ok(ready.face_count >= 5, `${ready.face_count} faces`);
  assert.deepEqual(
    progress,
    [...progress].sort((a, b) => a - b),
    'progress never goes back',
  );
  const [{ n: rowCount }] = await sql<{ n: string }>(api.databaseUrl, 'SELECT count(*) AS n FROM faces WHERE video_id = $1', [id]);
  assert.equal(Number(rowCount), ready.face_count);

  const snapshot = async () => ({
    jobs: await deps.queues.counts(),
    faces: Number((await sql<{ n: string }>(api.databaseUrl, 'SELECT count(*) AS n FROM faces'))[0].n),
    linkages: (await sql<{ id: string; created_at: Date }>(api.databaseUrl, 'SELECT id, created_at FROM linkages WHERE video_id = $1 ORDER BY id', [id])).map(
      (r) => String(r.id),
    ),
  });

  // Cuts (200), never 202 LinkageComputing here: the default linkage was stored at ready, and a new sim only cuts it.
  const cutOf = <T extends object>(d: T | undefined): Extract<T, { clusters: unknown }> => {
    assert.ok(d && 'clusters' in d, `a cut, got ${JSON.stringify(d)}`);
    return d as Extract<T, { clusters: unknown }>;
  };
  const first = await getVideosByIdClusters({ client, path: { id }, query: { sim: 0.63 } });
  assert.equal(first.response.status, 200, JSON.stringify(first.error));
  assert.equal(cutOf(first.data).linkage_cached, true, 'the worker cached the default linkage');
  assert.equal(cutOf(first.data).faces.length, ready.face_count);
  assert.ok(cutOf(first.data).clusters.length >= 1);
  const before = await snapshot();
  assert.equal(before.linkages.length, 1);

  const t1 = performance.now();
  const second = await getVideosByIdClusters({ client, path: { id }, query: { sim: 0.4 } });
  const secondMs = performance.now() - t1;
  assert.equal(second.response.status, 200);
  assert.equal(cutOf(second.data).linkage_cached, true);
  assert.equal(cutOf(second.data).params.sim, 0.4);
  assert.deepEqual(await snapshot(), before, 'a new sim creates no job, writes no face row, computes no linkage');
  const sizes = (r: typeof first) => cutOf(r.data).clusters.reduce((a, c) => a + c.size, 0) + cutOf(r.data).unclustered_count;
  assert.equal(sizes(first), ready.face_count, 'every face is in one cluster or unclustered');
  assert.equal(sizes(second), ready.face_count);

  const anonymous = await getVideosById({ client: createClient({ baseUrl: api.baseUrl }), path: { id } });
  assert.equal(anonymous.response.status, 401, 'the same SDK call without the key');
  assert.equal(anonymous.response.headers.get('www-authenticate')?.startsWith('Bearer'), true);

  const montage = await getVideosByIdMontagePng({ client, path: { id }, parseAs: 'arrayBuffer' } as never);
  assert.equal(montage.response.status, 200);
  assert.equal(montage.response.headers.get('content-type'), 'image/png');

  const hook = await waitFor(async () => receiver.deliveries.find((d) => JSON.parse(d.body).video_id === id), { what: 'the video.ready webhook' });
  assert.equal(verifyWebhook(SECRET, hook.headers, hook.body), true, 'signature verifies with the shared secret');
  assert.equal(verifyWebhook('another-secret', hook.headers, hook.body), false);
  assert.equal(verifyWebhook(SECRET, hook.headers, hook.body.replace('"ready"', '"failed"')), false, 'a tampered body fails');
  const event = JSON.parse(hook.body);
  assert.equal(event.type, 'video.ready');
  assert.equal(event.status, 'ready');
  assert.equal(event.face_count, ready.face_count);
  assert.equal(hook.headers['x-keycast-event'], 'video.ready');
  const deliveries = await sql<{ attempt: number; status_code: number; delivered_at: Date | null }>(
    api.databaseUrl,
    'SELECT attempt, status_code, delivered_at FROM webhook_deliveries WHERE video_id = $1',
    [id],
  );
  assert.deepEqual(
    deliveries.map((d) => [d.attempt, d.status_code, d.delivered_at !== null]),
    [[1, 204, true]],
  );
  console.log(
    `# e2e: ${ready.face_count} faces, ${ready.sampled_frames} sampled frames, ${cutOf(first.data).clusters.length} clusters at sim 0.63, ${cutOf(second.data).clusters.length} at 0.4; upload→ready ${processMs} ms; second sim ${secondMs.toFixed(1)} ms (server ${cutOf(second.data).timings.total_ms} ms)`,
  );
});
