import { FlowProducer, Queue, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { TreeShapingOptions } from '../config/index.js';
import { createLogger, type Logger } from '../logger/index.js';
import { createRedisConnection } from './connection.js';
import { jobIds } from './ids.js';
import { JOB_NAMES, QUEUE_NAMES } from './names.js';
import {
  WEBHOOK_EVENTS,
  type DownloadJobData,
  type ExtractQueueData,
  type LinkageJobData,
  type SegmentJobData,
  type WebhookEventType,
  type WebhookJobData,
} from './payloads.js';

export interface QueueSettings {
  redisUrl: string;
  prefix: string;
  webhookMaxAttempts: number;
  /** First webhook retry delay, ms; doubled at each attempt. */
  webhookBackoffMs?: number;
  /** Attempts of extraction jobs (a worker that died mid-job counts as one). */
  extractAttempts?: number;
  /** Connection errors (Redis down, …). Default: a warning on `log` at most every 10 s; /ready reports the state. */
  onError?: (err: Error) => void;
  /** The process's logger (libs/logger); default: one of component `queue`. */
  log?: Logger;
}

function throttledWarn(log: Logger): (err: Error) => void {
  let last = 0;
  return (err) => {
    if (Date.now() - last < 10_000) return;
    last = Date.now();
    log.warn({ err: err.message }, 'queue connection error');
  };
}

/** How long an upload waits for its job to be queued before it is answered 503. */
const ENQUEUE_TIMEOUT_MS = 5000;

/** Redis is down or does not answer: the request may be retried once it is back. */
/** ioredis states of a connection that was up and is gone: an enqueue would only wait for the outage to end. */
const LOST_STATES = new Set(['reconnecting', 'close', 'end']);

export class QueueUnavailableError extends Error {
  override name = 'QueueUnavailableError';
}

/** A process's hearing of one channel (Queues.subscribe). */
export interface Subscription {
  /** Resolves once Redis has confirmed the subscription (never, while Redis is unreachable). */
  readonly ready: Promise<void>;
  /** Stops hearing and closes its connection (at once when Redis is unreachable). */
  close(timeoutMs?: number): Promise<void>;
}

/** Keep finished jobs long enough to inspect, not forever. */
const KEEP: Pick<JobsOptions, 'removeOnComplete' | 'removeOnFail'> = {
  removeOnComplete: { age: 24 * 3600, count: 10_000 },
  removeOnFail: { age: 7 * 24 * 3600 },
};

/** The producer side: what the API and the workers enqueue. */
export class Queues {
  readonly connection: Redis;
  readonly download: Queue<DownloadJobData>;
  readonly extract: Queue<ExtractQueueData>;
  readonly segment: Queue<SegmentJobData>;
  readonly webhook: Queue<WebhookJobData>;
  readonly linkage: Queue<LinkageJobData>;
  readonly flow: FlowProducer;
  private readonly onError: (err: Error) => void;

  constructor(readonly settings: QueueSettings) {
    this.connection = createRedisConnection(settings.redisUrl);
    const opts = { connection: this.connection, prefix: settings.prefix };
    this.download = new Queue<DownloadJobData>(QUEUE_NAMES.download, opts);
    this.extract = new Queue<ExtractQueueData>(QUEUE_NAMES.extract, opts);
    this.segment = new Queue<SegmentJobData>(QUEUE_NAMES.segment, opts);
    this.webhook = new Queue<WebhookJobData>(QUEUE_NAMES.webhook, opts);
    this.linkage = new Queue<LinkageJobData>(QUEUE_NAMES.linkage, opts);
    this.flow = new FlowProducer(opts);
    const onError = (this.onError = settings.onError ?? throttledWarn(settings.log ?? createLogger({ component: 'queue' })));
    this.connection.on('error', onError);
    for (const q of [this.download, this.extract, this.segment, this.webhook, this.linkage]) q.on('error', onError);
    this.flow.on('error', onError);
  }

  get extractJobOptions(): JobsOptions {
    return { attempts: this.settings.extractAttempts ?? 3, backoff: { type: 'exponential', delay: 2000 }, ...KEEP };
  }

  /**
   * Queues the extraction of a video (idempotent: one job per video id). An upload request waits on it, so it fails
   * fast instead of waiting out a Redis outage (the connection queues commands while it reconnects): at once when
   * the connection is lost (reconnecting or closed), after `timeoutMs` when Redis does not answer. A connection
   * still making its first connect (a process just started) is waited for, within the same `timeoutMs`.
   */
  async enqueueExtract(videoId: string, { timeoutMs = ENQUEUE_TIMEOUT_MS } = {}): Promise<void> {
    await this.failFast(() => this.extract.add(JOB_NAMES.extract, { videoId }, { ...this.extractJobOptions, jobId: jobIds.extract(videoId) }), timeoutMs);
  }

  /**
   * Queues the download of a video given by URL (idempotent: one job per video id; its payload the id only). Fails
   * fast like enqueueExtract. Its attempts cover a worker that died: the download retries network errors itself.
   */
  async enqueueDownload(videoId: string, { timeoutMs = ENQUEUE_TIMEOUT_MS } = {}): Promise<void> {
    await this.failFast(() => this.download.add(JOB_NAMES.download, { videoId }, { ...this.extractJobOptions, jobId: jobIds.download(videoId) }), timeoutMs);
  }

  /** Runs `add` unless the connection is lost, and gives up on it after `timeoutMs` (QueueUnavailableError). */
  private async failFast<T>(add: () => Promise<T>, timeoutMs: number): Promise<T> {
    if (LOST_STATES.has(this.connection.status)) throw new QueueUnavailableError('the job queue (Redis) is unreachable');
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new QueueUnavailableError(`the job queue (Redis) did not answer within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      return await Promise.race([add(), late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Queues the segments of a long video as children of a `finalize` job that runs once all of them
   * are in. Returns false when that flow was already created (a retried split).
   */
  async enqueueSegments(videoId: string, spans: { idx: number; startS: number; endS: number | null }[]): Promise<boolean> {
    if (await this.extract.getJob(jobIds.finalize(videoId))) return false;
    await this.flow.add({
      name: JOB_NAMES.finalize,
      queueName: QUEUE_NAMES.extract,
      data: { videoId },
      opts: { ...this.extractJobOptions, jobId: jobIds.finalize(videoId) },
      children: spans.map((s) => ({
        name: JOB_NAMES.segment,
        queueName: QUEUE_NAMES.segment,
        data: { videoId, idx: s.idx, startS: s.startS, endS: s.endS },
        opts: { ...this.extractJobOptions, jobId: jobIds.segment(videoId, s.idx), failParentOnFailure: true },
      })),
    });
    return true;
  }

  /** Queues one webhook event; its attempts are the retries, with exponential backoff. */
  async enqueueWebhook(videoId: string, event: WebhookEventType): Promise<void> {
    const jobId = jobIds.webhook(videoId, event);
    await this.webhook.add(
      JOB_NAMES.webhook,
      { videoId, event, eventId: jobId },
      {
        jobId,
        attempts: Math.max(1, this.settings.webhookMaxAttempts),
        backoff: { type: 'exponential', delay: this.settings.webhookBackoffMs ?? 2000 },
        ...KEEP,
      },
    );
  }

  /**
   * Removes every job of a video (extraction, its segments, finalize, webhooks) with its payload and results, so a
   * deleted video leaves nothing in Redis. A job running right now is locked and stays: its worker finds the video
   * gone and stops. Returns how many jobs were removed.
   */
  async removeVideoJobs(videoId: string, segmentCount: number): Promise<number> {
    const ids: [Queue, string][] = [
      [this.download, jobIds.download(videoId)],
      [this.extract, jobIds.extract(videoId)],
      [this.extract, jobIds.finalize(videoId)],
      ...Array.from({ length: Math.max(0, segmentCount) }, (_, i): [Queue, string] => [this.segment, jobIds.segment(videoId, i)]),
      ...WEBHOOK_EVENTS.map((e): [Queue, string] => [this.webhook, jobIds.webhook(videoId, e)]),
    ];
    // Linkage jobs are named by a hash of their key: found by their payload's video id among the unfinished ones.
    for (const job of await this.linkage.getJobs(['waiting', 'delayed', 'prioritized', 'failed'])) {
      if (job?.data.videoId === videoId && job.id) ids.push([this.linkage, job.id]);
    }
    let removed = 0;
    for (const [queue, id] of ids) {
      const job = await queue.getJob(id);
      if (!job) continue;
      try {
        await job.remove({ removeChildren: true });
        removed++;
      } catch {
        // Locked by a running worker (or already gone): the worker handles the deleted video.
      }
    }
    return removed;
  }

  /**
   * Queues a person.updated event for one video's callback URL (read at delivery, as for every event; `changeId` unique per change). Fails
   * fast (QueueUnavailableError) when the connection is lost, and after `timeoutMs` when Redis does not answer.
   */
  async enqueuePersonWebhook(
    videoId: string,
    person: { id: string; action: string },
    changeId: string,
    { timeoutMs = ENQUEUE_TIMEOUT_MS } = {},
  ): Promise<void> {
    if (LOST_STATES.has(this.connection.status)) throw new QueueUnavailableError('the job queue (Redis) is unreachable');
    const jobId = jobIds.personWebhook(videoId, changeId);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new QueueUnavailableError(`the job queue (Redis) did not answer within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([
        this.webhook.add(
          JOB_NAMES.webhook,
          { videoId, event: 'person.updated', eventId: jobId, person },
          {
            jobId,
            attempts: Math.max(1, this.settings.webhookMaxAttempts),
            backoff: { type: 'exponential', delay: this.settings.webhookBackoffMs ?? 2000 },
            ...KEEP,
          },
        ),
        late,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Queues the computation of one linkage of a video (a clustering request's, answered 202 meanwhile). The job id is
   * derived from the video id and the linkage key, so identical requests queue one job while it waits or runs; a
   * finished job is removed at once, so a linkage dropped later (a person's edit) can be queued again, and a failed
   * one is retried by the next request. Fails fast like enqueueExtract. Returns the job's state.
   */
  async enqueueLinkage(
    videoId: string,
    linkageKey: string,
    options: TreeShapingOptions,
    { timeoutMs = ENQUEUE_TIMEOUT_MS } = {},
  ): Promise<'queued' | 'running' | 'retried'> {
    if (LOST_STATES.has(this.connection.status)) throw new QueueUnavailableError('the job queue (Redis) is unreachable');
    const jobId = jobIds.linkage(videoId, linkageKey);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new QueueUnavailableError(`the job queue (Redis) did not answer within ${timeoutMs} ms`)), timeoutMs);
    });
    const add = async (): Promise<'queued' | 'running' | 'retried'> => {
      const job = await this.linkage.getJob(jobId);
      if (job) {
        const state = await job.getState();
        if (state === 'active') return 'running';
        if (state === 'failed') {
          // Two requests may both see it failed: the second retry finds it waiting, which is what it wanted.
          await job.retry().catch(() => {});
          return 'retried';
        }
        if (state !== 'completed' && state !== 'unknown') return 'queued';
        await job.remove().catch(() => {});
      }
      await this.linkage.add(
        JOB_NAMES.linkage,
        { videoId, options },
        { jobId, attempts: 2, backoff: { type: 'fixed', delay: 1000 }, removeOnComplete: true, removeOnFail: { age: 3600 } },
      );
      return 'queued';
    };
    try {
      return await Promise.race([add(), late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The pub/sub channel `name` under the queue prefix: deployments and test runs sharing a Redis never hear each other. */
  channel(name: string): string {
    return `${this.settings.prefix}:channel:${name}`;
  }

  /**
   * Sends `message` (as JSON) to every process subscribed to channel `name` right now; returns how many heard it.
   * Pub/sub is not durable: a process that is down or not yet subscribed never hears it. Fails fast like
   * enqueueExtract (QueueUnavailableError): a caller that must not wait out a Redis outage does not.
   */
  async publish(name: string, message: unknown, { timeoutMs = ENQUEUE_TIMEOUT_MS } = {}): Promise<number> {
    return this.failFast(() => this.connection.publish(this.channel(name), JSON.stringify(message)), timeoutMs);
  }

  /**
   * Hears channel `name`: each message, parsed from JSON (anything else is dropped), goes to `onMessage`. A subscribed
   * Redis connection can send nothing else, so it is a connection of its own (duplicated: same server and options),
   * which subscribes again by itself after a reconnect; its errors go where the producers' do.
   */
  subscribe(name: string, onMessage: (message: unknown) => void): Subscription {
    const channel = this.channel(name);
    const sub = this.connection.duplicate();
    sub.on('error', this.onError);
    sub.on('message', (from: string, text: string) => {
      if (from !== channel) return;
      let message: unknown;
      try {
        message = JSON.parse(text);
      } catch {
        return;
      }
      onMessage(message);
    });
    const ready = sub.subscribe(channel).then(() => undefined);
    ready.catch(() => {});
    return {
      ready,
      async close(timeoutMs = 2000) {
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise((resolve) => {
          timer = setTimeout(resolve, sub.status === 'ready' ? timeoutMs : 0);
        });
        await Promise.race([sub.quit().catch(() => {}), timeout]);
        clearTimeout(timer);
        sub.disconnect();
      },
    };
  }

  /** Jobs of every state in every queue (for tests and the readiness view). */
  async counts(): Promise<Record<string, Record<string, number>>> {
    const [download, extract, segment, webhook, linkage] = await Promise.all(
      [this.download, this.extract, this.segment, this.webhook, this.linkage].map((q) => q.getJobCounts()),
    );
    return { download, extract, segment, webhook, linkage };
  }

  /** Deletes every job and key of the queues (tests; tearing down a deployment). */
  async obliterate(): Promise<void> {
    await Promise.all([this.download, this.extract, this.segment, this.webhook, this.linkage].map((q) => q.obliterate({ force: true })));
  }

  /** Throws unless Redis answers. */
  async ping(): Promise<void> {
    const r = await this.connection.ping();
    if (r !== 'PONG') throw new Error(`unexpected PING reply ${String(r)}`);
  }

  /** Closes the producers; with Redis unreachable it gives up after `timeoutMs` and drops the connection. */
  async close(timeoutMs = 5000): Promise<void> {
    const closing = Promise.all([
      this.download.close(),
      this.extract.close(),
      this.segment.close(),
      this.webhook.close(),
      this.linkage.close(),
      this.flow.close(),
    ]).then(() => this.connection.quit());
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise((resolve) => {
      timer = setTimeout(resolve, this.connection.status === 'ready' ? timeoutMs : 0);
    });
    await Promise.race([closing.catch(() => {}), timeout]);
    clearTimeout(timer);
    this.connection.disconnect();
  }
}
