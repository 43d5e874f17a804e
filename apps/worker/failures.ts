import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import { isKeycastError, type KeycastError } from '../../libs/config/index.js';
import { isDatabaseUnavailable } from '../../libs/store/index.js';
import type { WorkerDeps } from './deps.js';

/** First wait of a job that met an unreachable database, ms; doubled each time it meets it again, up to the cap. */
const DB_WAIT_FIRST_MS = 1000;
const DB_WAIT_MAX_MS = 15_000;

/** A KeycastError worth another attempt: the tool failed, not the file (ffmpeg killed by a signal, e.g. by the OOM killer). */
function isRetryable(e: KeycastError): boolean {
  return (e.details as { retryable?: unknown } | undefined)?.retryable === true;
}

/** The message stored on a failed video and shown by the API: the storage path of the upload becomes its file name. */
function publicMessage(deps: WorkerDeps, message: string, video: { sourceKey: string; filename: string | null }): string {
  const name = video.filename || 'the uploaded video';
  return message.split(deps.store.files.path(video.sourceKey)).join(name).split(deps.store.files.root).join('<storage>');
}

/** Marks a video failed (KeycastError code, else INTERNAL) and queues its video.failed webhook. */
export async function failVideo(deps: WorkerDeps, videoId: string, err: unknown): Promise<void> {
  const video = await deps.store.videos.get(videoId);
  if (!video || video.status === 'failed' || video.status === 'ready') return;
  const code = isKeycastError(err) ? err.code : 'INTERNAL';
  const message = publicMessage(deps, err instanceof Error ? err.message : String(err), video);
  await deps.store.videos.markFailed(videoId, code, message);
  deps.log.warn({ code, message }, 'video failed');
  if (video.callbackUrl) await deps.queues.enqueueWebhook(videoId, 'video.failed');
}

/**
 * Wraps a processor of a video's job:
 * - an expected failure (KeycastError: bad media, bad options) fails the video at once and is not retried
 *   (UnrecoverableError), unless it is marked retryable (a killed ffmpeg);
 * - the database being unreachable (down, restarting) costs no attempt: the job is put back, delayed, and starts
 *   over once the database answers (rows already committed are kept; the rewritten ones are no-ops);
 * - any other error is retried by BullMQ and fails the video only on the last attempt.
 */
export function failingVideoOnError<T extends { videoId: string }, R>(deps: WorkerDeps, fn: (job: Job<T>, token?: string) => Promise<R>) {
  return async (job: Job<T>, token?: string): Promise<R> => {
    try {
      return await fn(job, token);
    } catch (e) {
      if (isDatabaseUnavailable(e) && token) {
        // attemptsStarted counts every start, the delayed ones included: the waits grow while the outage lasts.
        const waits = Math.max(0, (job.attemptsStarted ?? 0) - job.attemptsMade - 1);
        const delayMs = Math.min(DB_WAIT_MAX_MS, DB_WAIT_FIRST_MS * 2 ** Math.min(waits, 10));
        const moved = await job.moveToDelayed(Date.now() + delayMs, token).then(
          () => true,
          () => false,
        );
        if (moved) {
          deps.log.warn({ delayMs, err: (e as Error).message.split('\n').filter(Boolean).pop() }, 'database unavailable: job delayed');
          throw new DelayedError();
        }
      }
      // Deleted while it was processed: the rows it wrote went with the video (or failed on the foreign key); drop the files it wrote since.
      if ((await deps.store.videos.get(job.data.videoId).catch(() => undefined)) === null) {
        await deps.store.files.removeVideo(job.data.videoId);
        deps.log.info('video deleted during its job');
        return { skipped: 'video deleted' } as R;
      }
      const permanent = isKeycastError(e) && !isRetryable(e);
      const last = permanent || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      if (last) await failVideo(deps, job.data.videoId, e).catch((err) => deps.log.error({ err: String(err) }, 'could not mark video failed'));
      if (permanent) throw new UnrecoverableError(`${e.code}: ${e.message}`);
      throw e;
    }
  };
}
