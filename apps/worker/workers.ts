import { Worker, type Job } from 'bullmq';
import { withContext } from '../../libs/logger/index.js';
import { QUEUE_NAMES, createRedisConnection } from '../../libs/queue/index.js';
import type { WorkerDeps } from './deps.js';
import { downloadProcessor } from './download.js';
import { extractProcessor } from './extract.js';
import { failVideo } from './failures.js';
import { linkageProcessor } from './linkage.js';
import { segmentProcessor } from './segment.js';
import { webhookProcessor } from './webhook.js';

export interface RunningWorkers {
  workers: Worker[];
  /** Stops taking jobs and waits for the running ones to finish (BullMQ's graceful close). */
  close(): Promise<void>;
}

/**
 * The deps one job runs with: the logger bound to the job (queue, job id, video id), so every line its processor and
 * what it calls log carries them.
 */
export function jobDeps(deps: WorkerDeps, job: Job<{ videoId?: string }>): WorkerDeps {
  return { ...deps, log: withContext(deps.log, { queue: job.queueName, jobId: job.id, videoId: job.data?.videoId }) };
}

/** A processor made for each job with that job's deps (jobDeps). */
function perJob<T extends { videoId?: string }, R>(deps: WorkerDeps, make: (deps: WorkerDeps) => (job: Job<T>, token?: string) => Promise<R>) {
  return (job: Job<T>, token?: string): Promise<R> => make(jobDeps(deps, job))(job, token);
}

/**
 * Starts the BullMQ workers of the five queues. A job whose worker died (SIGKILL, lost node) stays
 * locked for `workerLockMs`, is then found stalled and handed to another worker: it starts over, and
 * UNIQUE(video_id, frame, k) makes the rows it rewrites no-ops.
 */
export function startWorkers(deps: WorkerDeps, { concurrency = deps.config.workerConcurrency || 1 } = {}): RunningWorkers {
  const common = {
    prefix: deps.config.queuePrefix,
    lockDuration: deps.config.workerLockMs,
    stalledInterval: Math.max(1000, Math.round(deps.config.workerLockMs / 2)),
    maxStalledCount: 2,
  };
  const conn = () => {
    const c = createRedisConnection(deps.config.redisUrl);
    c.on('error', (err) => deps.log.debug({ err: err.message }, 'redis connection error'));
    return c;
  };
  const workers = [
    // Downloads wait on the network, not the CPU: a few run beside the extractions.
    new Worker(QUEUE_NAMES.download, perJob(deps, downloadProcessor), { ...common, connection: conn(), concurrency: Math.max(2, concurrency) }),
    new Worker(QUEUE_NAMES.extract, perJob(deps, extractProcessor), { ...common, connection: conn(), concurrency }),
    new Worker(QUEUE_NAMES.segment, perJob(deps, segmentProcessor), { ...common, connection: conn(), concurrency }),
    new Worker(QUEUE_NAMES.webhook, perJob(deps, webhookProcessor), { ...common, connection: conn(), concurrency: 4 }),
    // One at a time: a linkage is CPU-bound on the event loop (and n² memory); identical requests share one job.
    new Worker(QUEUE_NAMES.linkage, perJob(deps, linkageProcessor), { ...common, connection: conn(), concurrency: 1 }),
  ];
  for (const w of workers) {
    w.on('error', (err) => deps.log.error({ queue: w.name, err: String(err) }, 'worker error'));
    w.on('failed', (job, err) => {
      const d = job ? jobDeps(deps, job) : deps;
      d.log.warn({ ...(job ? {} : { queue: w.name }), attempt: job?.attemptsMade, err: err.message }, 'job failed');
      // A job that stalled too often fails without its processor running: the video must not stay "processing".
      // (A webhook or linkage job is not the video's processing: the video stays ready.)
      if (job && (w.name === QUEUE_NAMES.download || w.name === QUEUE_NAMES.extract || w.name === QUEUE_NAMES.segment) && /stalled/i.test(err.message)) {
        failVideo(d, job.data.videoId, err).catch(() => {});
      }
    });
  }
  return {
    workers,
    async close() {
      await Promise.all(workers.map((w) => w.close()));
      await Promise.all(
        workers.map(async (w) => {
          await (w.opts.connection as { quit?: () => Promise<unknown> }).quit?.().catch(() => {});
        }),
      );
    },
  };
}
