// One logger with context: every line a job logs carries its queue, job id and video id, once, through
// libs/logger's withContext (jobDeps), and the libs the worker hands the logger to log through it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Job } from 'bullmq';
import { createLogger } from '../../../libs/logger/index.js';
import { Queues } from '../../../libs/queue/index.js';
import { jobDeps } from '../../../apps/worker/workers.js';
import type { WorkerDeps } from '../../../apps/worker/deps.js';
import { uniquePrefix, waitFor } from '../../e2e/support/services.js';

function capture() {
  const lines: string[] = [];
  const log = createLogger({ component: 'worker', destination: { write: (s: string) => void lines.push(s) } });
  return { lines, log };
}

test("jobDeps: the job's lines carry queue, jobId and videoId once; the base logger's do not", () => {
  const { lines, log } = capture();
  const deps = { log } as unknown as WorkerDeps;
  const job = { queueName: 'segment', id: 'seg-7', data: { videoId: 'v-42', idx: 3 } } as unknown as Job<{ videoId: string }>;
  jobDeps(deps, job).log.info({ idx: 3 }, 'segment');
  deps.log.info('worker started');
  assert.equal(lines.length, 2);
  const line = JSON.parse(lines[0]);
  assert.equal(line.msg, 'segment');
  assert.equal(line.component, 'worker');
  assert.equal(line.queue, 'segment');
  assert.equal(line.jobId, 'seg-7');
  assert.equal(line.videoId, 'v-42');
  assert.equal(line.idx, 3);
  assert.equal(lines[0].match(/"videoId"/g)?.length, 1, 'the video id once per line');
  assert.equal(JSON.parse(lines[1]).videoId, undefined);
});

test('Queues logs a lost Redis through the logger it is given (a warn line, not stderr)', async () => {
  const { lines, log } = capture();
  // Nothing listens on port 1 of the loopback: the connection fails at once.
  const queues = new Queues({ redisUrl: 'redis://127.0.0.1:1', prefix: uniquePrefix('qlog'), webhookMaxAttempts: 1, log });
  try {
    await waitFor(async () => lines.length > 0, { timeoutMs: 10_000 });
    const line = JSON.parse(lines[0]);
    assert.equal(line.msg, 'queue connection error');
    assert.equal(line.level, 40);
    assert.match(line.err, /ECONNREFUSED|connect/i);
  } finally {
    await queues.close(0);
  }
});
