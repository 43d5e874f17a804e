import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Queues, jobIds, JOB_NAMES } from '../../../libs/queue/index.js';
import { TEST_REDIS_URL, uniquePrefix } from '../../e2e/support/services.js';

let queues: Queues;
const VID = '7f0c6a51-3c1d-4a53-9d7e-2b1f1f0a0001';

before(() => {
  queues = new Queues({ redisUrl: TEST_REDIS_URL, prefix: uniquePrefix('queue'), webhookMaxAttempts: 4, webhookBackoffMs: 1500 });
});
after(async () => {
  await queues.obliterate();
  await queues.close();
});

test('enqueueExtract is idempotent: one job per video id', async () => {
  await queues.enqueueExtract(VID);
  await queues.enqueueExtract(VID);
  const counts = await queues.extract.getJobCounts();
  assert.equal(counts.waiting, 1);
  const job = await queues.extract.getJob(jobIds.extract(VID));
  assert.equal(job?.name, JOB_NAMES.extract);
  assert.deepEqual(job?.data, { videoId: VID });
  assert.equal(job?.opts.attempts, 3);
});

test('enqueueSegments: a finalize parent waiting on one child per segment; a second call adds nothing', async () => {
  const spans = [
    { idx: 0, startS: 0, endS: 5 },
    { idx: 1, startS: 5, endS: 10 },
    { idx: 2, startS: 10, endS: null },
  ];
  assert.equal(await queues.enqueueSegments(VID, spans), true);
  assert.equal(await queues.enqueueSegments(VID, spans), false);
  const parent = await queues.extract.getJob(jobIds.finalize(VID));
  assert.equal(await parent?.getState(), 'waiting-children');
  const deps = await parent!.getDependencies();
  assert.equal(Object.keys(deps.unprocessed ?? {}).length, 3);
  assert.equal((await queues.segment.getJobCounts()).waiting, 3);
  const child = await queues.segment.getJob(jobIds.segment(VID, 2));
  assert.deepEqual(child?.data, { videoId: VID, idx: 2, startS: 10, endS: null });
});

test('enqueueWebhook: one job per (video, event), attempts and exponential backoff from the settings, a stable event id', async () => {
  await queues.enqueueWebhook(VID, 'video.ready');
  await queues.enqueueWebhook(VID, 'video.ready');
  await queues.enqueueWebhook(VID, 'video.failed');
  assert.equal((await queues.webhook.getJobCounts()).waiting, 2);
  const job = await queues.webhook.getJob(jobIds.webhook(VID, 'video.ready'));
  assert.equal(job?.opts.attempts, 4);
  assert.deepEqual(job?.opts.backoff, { type: 'exponential', delay: 1500 });
  assert.equal(job?.data.eventId, jobIds.webhook(VID, 'video.ready'));
  // The callback URL stays in PostgreSQL (the delivery reads it there): Redis holds ids only.
  assert.deepEqual(Object.keys(job?.data ?? {}).sort(), ['event', 'eventId', 'videoId']);
});

test('ping answers; a queue on an unreachable Redis closes within its timeout', async () => {
  await queues.ping();
  const dead = new Queues({ redisUrl: 'redis://127.0.0.1:1', prefix: 'x', webhookMaxAttempts: 1, onError: () => {} });
  const t0 = Date.now();
  await dead.close(500);
  assert.ok(Date.now() - t0 < 3000);
});
