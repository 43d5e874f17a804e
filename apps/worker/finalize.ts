import { KeycastError } from '../../libs/config/index.js';
import type { WorkerDeps } from './deps.js';

/**
 * Once every segment of a video is in: compute and cache the default linkage, count, mark the video
 * ready and queue its video.ready webhook. Idempotent (a ready video is left alone).
 */
export async function finalizeVideo(deps: WorkerDeps, videoId: string): Promise<{ faces: number; skipped?: string }> {
  const { store } = deps;
  const video = await store.videos.get(videoId);
  if (!video) return { faces: 0, skipped: 'video deleted' };
  if (video.status === 'ready') return { faces: video.faceCount, skipped: 'already ready' };
  if (video.status === 'failed') return { faces: video.faceCount, skipped: 'video failed' };
  const segments = await store.segments.list(videoId);
  const pending = segments.filter((s) => s.status !== 'done');
  if (pending.length > 0) throw new Error(`finalize: segments ${pending.map((s) => s.idx).join(', ')} of ${videoId} are not done`);
  const frameCount = segments.reduce((a, s) => a + s.frames, 0);
  // A file whose container declares a stream its frames do not fill (13,000 s, one decodable frame) sampled nothing:
  // that is not a video with no faces in it, and must not read as one (issue 20: it ended `ready`, 0 frames).
  if (frameCount === 0) {
    const declared = video.probe ? ` of the ${video.probe.duration_s.toFixed(1)} s the file declares` : '';
    throw new KeycastError('DECODE_FAILED', `no frame could be decoded in the sampled range${declared}: the video stream is broken or empty`);
  }

  const linkage = await deps.clusters.storeDefaultLinkage(videoId);
  const faceCount = await store.faces.count(videoId);
  const sum = (k: string) => segments.reduce((a, s) => a + (Number(s.timings[k]) || 0), 0);
  const now = Date.now();
  const queueMs = video.startedAt ? video.startedAt.getTime() - video.createdAt.getTime() : 0;
  const processingMs = video.startedAt ? now - video.startedAt.getTime() : now - video.createdAt.getTime();
  const timings: Record<string, number> = {
    ...video.timings,
    queue_ms: queueMs,
    extract_ms: sum('extract_ms'),
    decode_ms: sum('decode_ms'),
    detect_ms: sum('detect_ms'),
    cloth_ms: sum('cloth_ms'),
    linkage_ms: Math.round(linkage.ms),
    processing_ms: processingMs,
    // Wall-clock figures add up; the stage figures above are work summed over parallel segments and threads.
    total_ms: queueMs + processingMs,
    segments: segments.length,
  };
  await store.videos.markReady(videoId, { faceCount, frameCount, timings });
  deps.log.info({ faces: faceCount, segments: segments.length, linkage_ms: timings.linkage_ms }, 'video ready');
  if (video.callbackUrl) await deps.queues.enqueueWebhook(videoId, 'video.ready');
  return { faces: faceCount };
}
