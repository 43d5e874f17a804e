import { KeycastError } from './errors.js';
import type { ExtractOptions } from './options.js';

/**
 * The interval sampler's step, in frames: `max(1, round(capture_interval_sec * round(fps)))`.
 * Matches the reference: 0.333 s at 29.97 fps → round(0.333 * 30) = 10. Never below one frame, so a
 * frame is never sampled twice however small the interval.
 */
export function samplingStep(capture_interval_sec: number, fps: number): number {
  return Math.max(1, Math.round(capture_interval_sec * Math.round(fps)));
}

/** The median gap between the distinct values of `times` (seconds); null when fewer than two. */
export function medianGap(times: readonly number[]): number | null {
  const uniq = [...new Set(times)].sort((a, b) => a - b);
  const gaps = uniq
    .slice(1)
    .map((t, i) => t - uniq[i])
    .sort((a, b) => a - b);
  return gaps.length ? gaps[Math.floor(gaps.length / 2)] : null;
}

/**
 * Seconds between two sampled frames, the one rule behind screen time, segments and tracks:
 * - interval sampling: the real step, samplingStep(capture_interval_sec, fps) / fps (0.333 s at
 *   29.97 fps samples every 10 frames, 0.3337 s); capture_interval_sec when fps is unknown;
 * - scene sampling (no fixed interval): the median gap between the sampled times, else capture_interval_sec.
 */
export function sampleInterval(
  o: Pick<ExtractOptions, 'use_scene_transition' | 'capture_interval_sec'>,
  video: { fps?: number | null; times?: readonly number[] },
): number {
  if (o.use_scene_transition) return medianGap(video.times ?? []) ?? o.capture_interval_sec;
  const fps = video.fps;
  if (typeof fps === 'number' && Number.isFinite(fps) && fps > 0) return samplingStep(o.capture_interval_sec, fps) / fps;
  return o.capture_interval_sec;
}

/**
 * The one rule for the sampled range [skip_sec, stop_sec) (stop_sec 0 = to the end): stop_sec must lie after
 * skip_sec, and, once the video's duration is known (ffprobe at upload, or before decoding), skip_sec must lie
 * inside the video. Refusing these up front beats a job that fails later or a `ready` video with nothing sampled.
 * Throws KeycastError INVALID_OPTION naming the options and the values.
 */
export function checkSampledRange(o: Pick<ExtractOptions, 'skip_sec' | 'stop_sec'>, duration_s?: number | null): void {
  if (o.stop_sec > 0 && o.stop_sec <= o.skip_sec) {
    throw new KeycastError('INVALID_OPTION', `stop_sec (${o.stop_sec}) must be greater than skip_sec (${o.skip_sec}), or 0 for the end of the video`);
  }
  if (typeof duration_s === 'number' && Number.isFinite(duration_s) && duration_s > 0 && o.skip_sec >= duration_s) {
    throw new KeycastError(
      'INVALID_OPTION',
      `skip_sec (${o.skip_sec}) must be less than the video's duration (${duration_s.toFixed(3)} s): nothing would be sampled`,
    );
  }
}
