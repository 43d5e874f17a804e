// Faces are biometric data, gone everywhere when deleted: a real worker process that holds a video in memory (its
// linkage job loaded the fingerprints) lets go of it when the video is deleted through the API, at once (the erasure
// broadcast), with no job of its own touching the video again. Seen from its debug log line ("erasure heard": counts
// only), so no endpoint has to expose a process's memory.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_CLUSTER, treeShapingOf } from '../../libs/config/index.js';
import { startApi, type RunningApi } from './support/api.js';
import { seedSyntheticVideo } from './support/seed.js';
import { waitFor } from './support/services.js';
import { envOf, startWorkerProcess, type WorkerProcess } from './support/worker-process.js';

let api: RunningApi;
let worker: WorkerProcess;

before(async () => {
  api = await startApi('keycast_test_erasure_processes');
  worker = await startWorkerProcess(envOf(api.config, { LOG_LEVEL: 'debug' }));
  // The worker subscribes as it starts; wait until Redis counts its subscription (and the API's).
  await waitFor(async () => (await api.deps.queues.connection.pubsub('NUMSUB', api.deps.queues.channel('erasure')))[1] === 2, {
    timeoutMs: 10_000,
    what: 'the worker subscribed',
  });
});
after(async () => {
  await worker?.stop();
  await api?.close();
});

test('DELETE /videos/:id: the worker process drops the video it held, at once', async () => {
  const { id, faces } = await seedSyntheticVideo(api.deps.store, {
    tenantId: api.auth.tenantId,
    filename: 'held.mp4',
    n: 40,
    face: (i, j) => Math.sin((i % 4) * 97 + j),
  });
  // A linkage job (what a 202 queues): the worker loads the video's fingerprints and keeps them, with its pair distances.
  const opts = { ...DEFAULT_CLUSTER, sim: 0.5 };
  await api.deps.queues.enqueueLinkage(id, 'erasure-e2e', treeShapingOf(opts));
  await waitFor(async () => worker.logs.some((l) => l.msg === 'linkage' && l.faces === 40), { timeoutMs: 30_000, what: 'the linkage job' });

  const r = await api.call('DELETE', `/videos/${id}`);
  assert.equal(r.status, 204);
  const heard = await waitFor(async () => worker.logs.find((l) => l.msg === 'erasure heard'), { timeoutMs: 3000, what: 'the worker to hear the erasure' });
  assert.equal(heard.videos, 1);
  assert.equal(heard.held, 1, 'the worker held the video and dropped it');
  // Its log says what was erased in counts only: no face id, no descriptor, not even the video id.
  const out = worker.output();
  const line = out.split('\n').find((l) => l.includes('erasure heard'))!;
  assert.ok(!line.includes(id) && !faces.some((f) => out.includes(f)), line);
});

test('SIGTERM: the worker closes its subscription with the rest and exits 0', async () => {
  const exit = await worker.stop('SIGTERM');
  assert.deepEqual(exit, { code: 0, signal: null });
  assert.ok(worker.logs.some((l) => l.msg === 'worker stopped'));
  await waitFor(async () => (await api.deps.queues.connection.pubsub('NUMSUB', api.deps.queues.channel('erasure')))[1] === 1, {
    timeoutMs: 5000,
    what: "the worker's subscription gone",
  });
});
