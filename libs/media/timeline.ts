import { KeycastError, checkSampledRange, samplingStep } from '../config/index.js';
import type { SampleOptions } from './types.js';

/** An exact frame rate, e.g. 30000/1001: the sampling grid must not drift, so it is never rounded to a float. */
export interface Rational {
  num: number;
  den: number;
}

/** "2997/100" → {2997, 100}; "25" → {25, 1}; "0/0", "N/A", non-positive → null. */
export function parseRational(s: string | undefined): Rational | null {
  if (!s) return null;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(?:\/\s*(\d+(?:\.\d+)?))?\s*$/.exec(s);
  if (!m) return null;
  const num = Number(m[1]);
  const den = m[2] === undefined ? 1 : Number(m[2]);
  return num > 0 && den > 0 ? { num, den } : null;
}

/** Time of frame slot k after the grid's first: k / fps seconds. */
export function slotTime(k: number, fps: Rational): number {
  return (k * fps.den) / fps.num;
}

/** Presentation time of slot k of a plan on the file's timeline: the stream's first frame plus k / fps. */
export function planTime(plan: Pick<SamplingPlan, 'fps' | 'start_s'>, k: number): number {
  return plan.start_s + slotTime(k, plan.fps);
}

/** First slot k with k / fps >= t (a tolerance of 1e-6 frame absorbs float noise in t, so t = k / fps maps to k). */
export function firstSlotAtOrAfter(t: number, fps: Rational): number {
  return Math.max(0, Math.ceil((t * fps.num) / fps.den - 1e-6));
}

/** Extra frames decoded before the first wanted one after a seek: scene scores need the two previous frames, and
 *  the frame shown at the first wanted slot may start a little before it (variable frame rate sources). */
export function prerollSlots(fps: Rational): number {
  return Math.max(5, Math.ceil(fps.num / fps.den));
}

export interface SampleRange {
  /** Emit only frames with t >= start_s (segment start; the sampling pattern stays the whole video's). */
  start_s?: number;
  /** Emit only frames with t < end_s (segment end). */
  end_s?: number;
  signal?: AbortSignal;
}

/** Which slots of the constant-frame-rate grid to emit, and how ffmpeg is asked for them. */
export interface SamplingPlan {
  mode: 'interval' | 'scene';
  fps: Rational;
  /** Where slot 0, the stream's first frame, is presented on the file's timeline (ProbedVideo.start_s). */
  start_s: number;
  /** Interval mode: emit slots k whose place on the file's timeline, k + lead, is a multiple of step. */
  step: number;
  /**
   * The first frame's place on the file's timeline grid (frames of 1 / fps from the file's 0): round(start_s * fps).
   * Slot k is presented at about (k + lead) / fps, so interval sampling takes the frames on screen at 0, S, 2S, … of
   * the file's timeline (what a player shows then, and the times the Hamilton ground truth labels), not at S after
   * the first frame; 0 for a stream that starts with the file.
   */
  lead: number;
  /** ffmpeg scene score threshold (strictly greater is a cut): scene mode selects the cuts; both modes name shots by them. */
  threshold: number;
  /** First slot of the whole sampled range (skip_sec): scene mode always emits it. */
  rangeFirstSlot: number;
  /** First slot this call may emit (max of skip_sec and start_s). */
  startSlot: number;
  /** Exclusive end slot (min of stop_sec and end_s); Infinity = to the end of the video. */
  endSlot: number;
  /** Slot ffmpeg seeks to (-ss before -i; see seekTime), startSlot minus a preroll, on the grid so slot numbers stay exact. */
  seekSlot: number;
}

function nonNegative(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new KeycastError('INVALID_OPTION', `${name} must be a number >= 0, got ${JSON.stringify(v)}`);
  }
  return v;
}

/**
 * Plans a sampling run.
 *
 * The video is read as a constant-frame-rate sequence at its own frame rate, starting at the stream's first frame,
 * presented at `start_s` on the file's timeline (what a player shows, and what ffmpeg outputs by default): slot k is
 * the k-th frame of the stream, presented at t = start_s + k / fps. So frame index and time are the same thing
 * everywhere, do not depend on where decoding started, and the index is the frame's number in the stream (the
 * reference's frame counter). The grid does not start at the file's 0: a stream that starts after its audio would
 * fill the slots before its first frame with copies of it (sampled twice or more, reported before it was shown).
 *
 * - interval mode: slots k with (k + lead) % step == 0, step = samplingStep(capture_interval_sec, fps): the frames whose
 *   place on the file's timeline, round(t * fps), is a multiple of step (k is absolute; lead is 0 for most videos).
 * - scene mode: the first slot of [skip_sec, stop_sec) plus every slot whose ffmpeg scene score > scene_threshold.
 * - skip_sec / stop_sec (stop_sec > 0) bound the whole sampling: [skip_sec, stop_sec), times on the file's timeline.
 * - range.start_s / range.end_s further restrict emission to slots with t in [start_s, end_s). The selection pattern is
 *   the whole range's, so adjacent segments [a, b) and [b, c) together emit exactly the frames of [a, c).
 */
export function planSampling(opts: SampleOptions, fps: Rational, range: Pick<SampleRange, 'start_s' | 'end_s'> = {}, start_s = 0): SamplingPlan {
  const skip = nonNegative('skip_sec', opts.skip_sec ?? 0);
  const stop = nonNegative('stop_sec', opts.stop_sec ?? 0);
  checkSampledRange({ skip_sec: skip, stop_sec: stop });
  const mode = opts.use_scene_transition ? 'scene' : 'interval';
  let step = 1;
  // Both modes need it: scene mode selects on it, and every frame is given its shot from the cuts above it.
  const threshold = opts.scene_threshold;
  if (typeof threshold !== 'number' || !(threshold >= 0 && threshold < 1)) {
    throw new KeycastError('INVALID_OPTION', `scene_threshold must be in [0, 1), got ${JSON.stringify(threshold)}`);
  }
  if (mode === 'interval') {
    const iv = opts.capture_interval_sec;
    if (typeof iv !== 'number' || !Number.isFinite(iv) || iv <= 0) {
      throw new KeycastError('INVALID_OPTION', `capture_interval_sec must be a number > 0, got ${JSON.stringify(iv)}`);
    }
    step = samplingStep(iv, fps.num / fps.den);
  }
  const start = range.start_s === undefined ? 0 : nonNegative('start_s', range.start_s);
  const end = range.end_s === undefined ? Infinity : nonNegative('end_s', range.end_s);

  const first = nonNegative('the stream start', start_s);
  const slotAt = (t: number) => firstSlotAtOrAfter(t - first, fps);
  const rangeFirstSlot = slotAt(skip);
  const startSlot = Math.max(rangeFirstSlot, slotAt(start));
  const endSlot = Math.min(stop > 0 ? slotAt(stop) : Infinity, Number.isFinite(end) ? slotAt(end) : Infinity);
  const seekSlot = Math.max(0, startSlot - prerollSlots(fps));
  const lead = Math.round((first * fps.num) / fps.den);
  return { mode, fps, start_s: first, step, lead, threshold, rangeFirstSlot, startSlot, endSlot, seekSlot };
}

/** First slot >= from that the plan emits regardless of content (interval multiples; the scene range's first frame), or -1. */
function firstCertainSlot(plan: SamplingPlan): number {
  if (plan.mode === 'scene') return plan.startSlot === plan.rangeFirstSlot ? plan.startSlot : -1;
  return Math.ceil((plan.startSlot + plan.lead) / plan.step) * plan.step - plan.lead;
}

/**
 * Whether a video of `duration_s` must yield at least one frame under this plan: a slot that is selected regardless of
 * content lies inside both the plan and the video (one frame of slack at the end). Zero frames then means truncation.
 */
export function planExpectsFrames(plan: SamplingPlan, duration_s: number): boolean {
  if (plan.startSlot >= plan.endSlot) return false;
  const k = firstCertainSlot(plan);
  const lastSlot = Math.floor(((duration_s - plan.start_s) * plan.fps.num) / plan.fps.den) - 2;
  return k >= 0 && k < plan.endSlot && k <= lastSlot;
}

/**
 * Interval mode only: the last slot a complete video of `duration_s` must yield under this plan (the last multiple of
 * step inside both the plan and the video, one frame of slack), or -1. Used to tell a file cut short from a short range.
 */
export function lastExpectedSlot(plan: SamplingPlan, duration_s: number): number {
  if (plan.mode !== 'interval') return -1;
  const end = Math.min(plan.endSlot, Math.floor(((duration_s - plan.start_s) * plan.fps.num) / plan.fps.den) - 1);
  const k = Math.floor((end - 1 + plan.lead) / plan.step) * plan.step - plan.lead;
  return k >= plan.startSlot ? k : -1;
}

/** The ffmpeg `select` expression for a plan; `n` counts slots from seekSlot (the fps filter emits every slot from 0). */
export function selectExpression(plan: SamplingPlan): string {
  const a = plan.startSlot - plan.seekSlot;
  const inRange = Number.isFinite(plan.endSlot) ? `between(n,${a},${plan.endSlot - 1 - plan.seekSlot})` : `gte(n,${a})`;
  if (plan.mode === 'interval') return `${inRange}*not(mod(n+${plan.seekSlot + plan.lead},${plan.step}))`;
  const scene = `gt(scene,${plan.threshold})`;
  return plan.startSlot === plan.rangeFirstSlot ? `${inRange}*gt(eq(n,${a})+${scene},0)` : `${inRange}*${scene}`;
}

/**
 * Where ffmpeg seeks (-ss before -i) to decode from seekSlot, or 0 for no seek. ffmpeg's output time 0 is then this
 * point, so the fps filter's slot n (time base 1/fps) is plan slot seekSlot + n. A quarter of a frame early: -ss drops
 * every frame presented before it, and start_s (from ffprobe's rounded figures) may land a hair after the first frame;
 * a quarter frame still rounds to the right slot.
 */
export function seekTime(plan: Pick<SamplingPlan, 'fps' | 'start_s' | 'seekSlot'>): number {
  const t = planTime(plan, plan.seekSlot);
  return t > 0 ? Math.max(0, t - slotTime(0.25, plan.fps)) : 0;
}

/** Seconds formatted for ffmpeg (-ss, -t): microsecond resolution, which is what ffmpeg parses. */
export function ffSeconds(s: number): string {
  return s.toFixed(6);
}
