import type { Job } from 'bullmq';
import { probe } from '../../libs/media/index.js';
import { JOB_NAMES, type ExtractQueueData } from '../../libs/queue/index.js';
import type { WorkerDeps } from './deps.js';
import { failingVideoOnError } from './failures.js';
import { finalizeVideo } from './finalize.js';
import { planSegments } from './plan-segments.js';
import { runSegment } from './run-segment.js';

export type ExtractResult =
  { skipped: string } | { segments: number; split: true } | { segments: 1; faces: number; inserted: number } | { faces: number; skipped?: string };

/**
 * The `extract` queue's processor.
 * - `extract`: probe the upload, plan the segments, mark the video processing. One segment: extract
 *   it here, then finalize. Several: queue them as a flow (children `segment` jobs, parent `finalize`)
 *   and return; the parent runs when every segment is in.
 * - `finalize`: see finalizeVideo.
 */
export function extractProcessor(deps: WorkerDeps) {
  return failingVideoOnError<ExtractQueueData, ExtractResult>(deps, async (job: Job<ExtractQueueData>) => {
    const { videoId } = job.data;
    if (job.name === JOB_NAMES.finalize) return finalizeVideo(deps, videoId);

    const { store } = deps;
    const video = await store.videos.get(videoId);
    if (!video) return { skipped: 'video deleted' };
    if (video.status === 'ready' || video.status === 'failed') return { skipped: `video already ${video.status}` };

    const t0 = performance.now();
    const info = await probe(store.files.path(video.sourceKey));
    const probeMs = Math.round(performance.now() - t0);
    const plan = planSegments(info.duration_s, video.options, deps.config.segmentSeconds);
    await store.segments.ensure(
      videoId,
      plan.map((s) => ({ idx: s.idx, startS: s.startS, endS: s.endS ?? info.duration_s })),
    );
    await store.videos.markProcessing(videoId, plan.length, info);
    await store.videos.update(videoId, { timings: { probe_ms: probeMs } });
    deps.log.info({ duration_s: info.duration_s, segments: plan.length, attempt: job.attemptsMade + 1 }, 'extract');

    if (plan.length > 1) {
      await deps.queues.enqueueSegments(videoId, plan);
      return { segments: plan.length, split: true };
    }
    const r = await runSegment(deps, { ...video, probe: info }, plan[0], job);
    await finalizeVideo(deps, videoId);
    return { segments: 1, faces: r.faces, inserted: r.inserted };
  });
}
