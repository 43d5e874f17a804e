import type { Job } from 'bullmq';
import { extractFaces } from '../../libs/pipeline/index.js';
import type { FaceSink } from '../../libs/pipeline/index.js';
import type { VideoRecord } from '../../libs/store/index.js';
import type { WorkerDeps } from './deps.js';

export interface SegmentOutcome {
  frames: number;
  faces: number;
  /** Faces written by this run (fewer than `faces` when an earlier, interrupted run already stored some). */
  inserted: number;
  timings: Record<string, number>;
}

/**
 * Extracts the faces of one time segment into the database: one transaction per batch of
 * frame_batch_size sampled frames (rows + segment progress), progress reported to the job and the
 * video row. Re-running an interrupted segment from its start is safe: batches already stored are
 * skipped row by row (UNIQUE(video_id, frame, k)).
 */
export async function runSegment(
  deps: WorkerDeps,
  video: VideoRecord,
  seg: { idx: number; startS: number; endS: number | null },
  job: Job,
): Promise<SegmentOutcome> {
  const { store } = deps;
  let inserted = 0;
  const sink: FaceSink = {
    async writeBatch(faces, progress) {
      inserted += await store.writeFaceBatch(video.id, seg.idx, faces, progress);
      await job.updateProgress(Math.round(progress.fraction * 1000) / 10);
    },
  };
  const summary = await extractFaces({
    path: store.files.path(video.sourceKey),
    options: video.options,
    start_s: seg.startS,
    end_s: seg.endS ?? undefined,
    sink,
    pool: await deps.pool(),
  });
  const timings = {
    extract_ms: Math.round(summary.timings.total_ms),
    decode_ms: Math.round(summary.timings.decode_ms),
    detect_ms: Math.round(summary.timings.detect_ms),
    cloth_ms: Math.round(summary.timings.cloth_ms),
    crowd_frames: summary.crowd_frames,
  };
  await store.segments.markDone(video.id, seg.idx, { frames: summary.frames, faces: summary.faces, timings });
  await store.videos.refreshProgress(video.id);
  return { frames: summary.frames, faces: summary.faces, inserted, timings };
}
