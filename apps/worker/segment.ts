import type { Job } from 'bullmq';
import type { SegmentJobData } from '../../libs/queue/index.js';
import type { WorkerDeps } from './deps.js';
import { failingVideoOnError } from './failures.js';
import { runSegment, type SegmentOutcome } from './run-segment.js';

/** The `segment` queue's processor: one time segment of a long video (a child of its `finalize` job). */
export function segmentProcessor(deps: WorkerDeps) {
  return failingVideoOnError<SegmentJobData, SegmentOutcome | { skipped: string }>(deps, async (job: Job<SegmentJobData>) => {
    const { videoId, idx, startS, endS } = job.data;
    const video = await deps.store.videos.get(videoId);
    if (!video) return { skipped: 'video deleted' };
    if (video.status === 'failed') return { skipped: 'video failed' };
    deps.log.info({ idx, startS, endS, attempt: job.attemptsMade + 1 }, 'segment');
    return runSegment(deps, video, { idx, startS, endS }, job);
  });
}
