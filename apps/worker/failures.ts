import { UnrecoverableError, type Job } from 'bullmq';
import { isKeycastError } from '../../libs/config/index.js';
import type { WorkerDeps } from './deps.js';

/** Marks a video failed (KeycastError code, else INTERNAL) and queues its video.failed webhook. */
export async function failVideo(deps: WorkerDeps, videoId: string, err: unknown): Promise<void> {
  const video = await deps.store.videos.get(videoId);
  if (!video || video.status === 'failed' || video.status === 'ready') return;
  const code = isKeycastError(err) ? err.code : 'INTERNAL';
  const message = err instanceof Error ? err.message : String(err);
  await deps.store.videos.markFailed(videoId, code, message);
  deps.log.warn('video failed', { videoId, code, message });
  if (video.callbackUrl) await deps.queues.enqueueWebhook(videoId, 'video.failed', video.callbackUrl);
}

/**
 * Wraps a processor of a video's job: an expected failure (KeycastError: bad media, bad options) fails
 * the video at once and is not retried (UnrecoverableError); any other error is retried by BullMQ, and
 * fails the video only on the last attempt.
 */
export function failingVideoOnError<T extends { videoId: string }, R>(deps: WorkerDeps, fn: (job: Job<T>, token?: string) => Promise<R>) {
  return async (job: Job<T>, token?: string): Promise<R> => {
    try {
      return await fn(job, token);
    } catch (e) {
      // Deleted while it was processed: the rows it wrote went with the video (or failed on the foreign key); drop the files it wrote since.
      if ((await deps.store.videos.get(job.data.videoId).catch(() => undefined)) === null) {
        await deps.store.files.removeVideo(job.data.videoId);
        deps.log.info('video deleted during its job', { videoId: job.data.videoId, job: job.id });
        return { skipped: 'video deleted' } as R;
      }
      const permanent = isKeycastError(e);
      const last = permanent || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      if (last) await failVideo(deps, job.data.videoId, e).catch((err) => deps.log.error('could not mark video failed', { videoId: job.data.videoId, err: String(err) }));
      if (permanent) throw new UnrecoverableError(`${e.code}: ${e.message}`);
      throw e;
    }
  };
}
