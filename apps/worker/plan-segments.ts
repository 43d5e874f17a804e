import type { ExtractOptions } from '../../libs/config/index.js';

export interface PlannedSegment {
  idx: number;
  startS: number;
  /** Null for the last segment: to the end of the sampled range (stop_sec or the end of the video). */
  endS: number | null;
}

/**
 * Splits the sampled range [skip_sec, stop_sec or duration) into segments of `segmentSeconds`.
 * The sampler keeps the whole range's selection pattern when restricted to [start_s, end_s), so the
 * segments together yield exactly the frames of one run. One segment when the range fits, when
 * segmentSeconds is 0 (splitting off), or when face_cnt caps the faces (a global count cannot be split).
 */
export function planSegments(duration_s: number, o: ExtractOptions, segmentSeconds: number): PlannedSegment[] {
  const start = o.skip_sec;
  const end = o.stop_sec > 0 ? Math.min(o.stop_sec, duration_s) : duration_s;
  const span = end - start;
  if (segmentSeconds <= 0 || o.face_cnt > 0 || !(span > segmentSeconds)) return [{ idx: 0, startS: start, endS: null }];
  const n = Math.ceil(span / segmentSeconds);
  return Array.from({ length: n }, (_, i) => ({ idx: i, startS: start + i * segmentSeconds, endS: i === n - 1 ? null : start + (i + 1) * segmentSeconds }));
}
