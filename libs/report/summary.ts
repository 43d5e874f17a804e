import { DEFAULT_CLUSTER, KeycastError } from '../config/index.js';
import type { ClusterSummary, FaceBox } from './types.js';

/** What summarizeClusters needs of a face (ResultFace satisfies it). */
export interface SummaryFace {
  id: number;
  t: number;
  score: number;
  box: FaceBox;
  cluster: number | null;
}

export interface SummaryOptions {
  /**
   * Time one sampled frame stands for, seconds. With fixed-interval sampling this is
   * `capture_interval_sec`. With scene-transition sampling frames are irregular: pass the typical gap
   * (estimateSampleInterval over the sampled frame times, or over the face times when those are all
   * there is). Must be > 0.
   */
  sample_interval_s: number;
  /** When given (> 0), segment ends are clipped to the video's duration. */
  duration_s?: number;
  /** The key-character gate: screen time in seconds (default: libs/config DEFAULT_CLUSTER.key_min_s)… */
  key_min_s?: number;
  /** …or share of `duration_s` (default DEFAULT_CLUSTER.key_min_share; ignored when the duration is unknown). */
  key_min_share?: number;
}

/**
 * Whether a cluster is a key character: screen_time_s ≥ key_min_s, or (with a known duration > 0)
 * screen_time_s ≥ key_min_share · duration_s. Screen times within 1e-6 s of a gate count as at it.
 */
export function isKeyCharacter(screen_time_s: number, gate: { key_min_s?: number; key_min_share?: number; duration_s?: number } = {}): boolean {
  const minS = gate.key_min_s ?? DEFAULT_CLUSTER.key_min_s;
  const share = gate.key_min_share ?? DEFAULT_CLUSTER.key_min_share;
  if (screen_time_s >= minS - 1e-6) return true;
  const d = gate.duration_s;
  return d !== undefined && Number.isFinite(d) && d > 0 && screen_time_s >= share * d - 1e-6;
}

/** Gaps up to this many sample intervals are bridged: one missed detection does not split a segment. */
export const JOIN_GAP_FACTOR = 1.5;

/**
 * Summarizes clusters into key characters.
 *
 * Faces with `cluster === null` are ignored (the caller lists them as unclustered). For each cluster id:
 *
 * - `faces`: its face ids sorted by (t, id); `size` = their count; `first_t` / `last_t`: min / max t.
 * - `segments`: let I = sample_interval_s and t_1 < t_2 < … < t_n the cluster's distinct face times
 *   (two faces of one cluster in one frame count once). Appearance k covers [t_k, t_k + I).
 *   A segment starts at t_1; while t_{k} - t_{k-1} <= 1.5·I the segment grows to end at t_k + I
 *   (the gap is bridged); a larger gap closes the segment [start, t_{k-1} + I) and opens a new one at t_k.
 *   So segments are disjoint and increasing by construction: overlapping appearances (gaps < I, as with
 *   irregular scene sampling) are merged, never counted twice. With `duration_s`, every end is clipped
 *   to min(end, duration_s) (and never below its start).
 * - `screen_time_s`: the sum of (end - start) over the segments. With regular sampling a run of n
 *   consecutive appearances gives n·I.
 * - `representative`: the face maximizing score · sqrt(w · h) (detector confidence times the box's
 *   geometric-mean side, i.e. confident and large faces win; a non-positive w or h counts as size 0);
 *   ties go to the earlier face (t, then id).
 *
 * - `key`: isKeyCharacter(screen_time_s, {key_min_s, key_min_share, duration_s}).
 *
 * All times in the output are rounded to microseconds so sums like 0.1 + 0.2 print cleanly.
 * Result order: key characters first, then screen_time_s descending, then size descending, then
 * first_t ascending, then id ascending (screen times within 1e-6 s count as equal).
 *
 * Throws KeycastError('INVALID_OPTION') for a non-positive or non-finite sample_interval_s.
 */
export function summarizeClusters(faces: readonly SummaryFace[], opts: SummaryOptions): ClusterSummary[] {
  const byCluster = new Map<number, SummaryFace[]>();
  for (const f of faces) {
    if (f.cluster === null || f.cluster === undefined) continue;
    let list = byCluster.get(f.cluster);
    if (!list) byCluster.set(f.cluster, (list = []));
    list.push(f);
  }
  const summarize = clusterSummarizer(opts);
  const out: ClusterSummary[] = [];
  for (const [id, members] of byCluster) {
    const s = summarize(members);
    out.push({ id, ...s, key: isKeyCharacter(s.screen_time_s, keyGate(opts)) });
  }
  return out.sort(compareSummaries);
}

/** What a cluster's summary reads of a member. */
export type MemberFace = Omit<SummaryFace, 'cluster'>;

/** What a cluster's summary says of its members alone (no id, no key gate): the same for the same faces in any cut. */
export type MemberSummary = Omit<ClusterSummary, 'id' | 'key'>;

/**
 * summarizeClusters' rules for one cluster (`members` in any order; sorted here): checks the options once, then
 * summarises cluster after cluster (libs/flow buildClusterReport keeps each summary per member set across cuts).
 */
export function clusterSummarizer(opts: Pick<SummaryOptions, 'sample_interval_s' | 'duration_s'>): (members: MemberFace[]) => MemberSummary {
  const I = opts.sample_interval_s;
  if (typeof I !== 'number' || !Number.isFinite(I) || I <= 0) {
    throw new KeycastError('INVALID_OPTION', `sample_interval_s must be a positive number, got ${JSON.stringify(I)}`);
  }
  const duration = opts.duration_s !== undefined && Number.isFinite(opts.duration_s) && opts.duration_s > 0 ? opts.duration_s : Infinity;
  return (members) => {
    members.sort((a, b) => a.t - b.t || a.id - b.id);
    const segments = appearanceSegments(
      members.map((f) => f.t),
      I,
      duration,
    );
    const screen = segments.reduce((s, [a, b]) => s + (b - a), 0);
    return {
      size: members.length,
      faces: members.map((f) => f.id),
      screen_time_s: round6(screen),
      first_t: round6(members[0].t),
      last_t: round6(members[members.length - 1].t),
      segments: segments.map(([a, b]) => [round6(a), round6(b)]),
      representative: pickRepresentative(members),
    };
  };
}

/** The key-character gate of summarizeClusters' options (isKeyCharacter's). */
export const keyGate = (opts: SummaryOptions) => ({ key_min_s: opts.key_min_s, key_min_share: opts.key_min_share, duration_s: opts.duration_s });

/**
 * The order of summarizeClusters' result: key characters first, then screen_time_s descending (within 1e-6 s
 * equal), size descending, first_t ascending, id ascending.
 */
export function compareSummaries(a: ClusterSummary, b: ClusterSummary): number {
  if (a.key !== b.key) return a.key ? -1 : 1;
  if (Math.abs(a.screen_time_s - b.screen_time_s) > 1e-6) return b.screen_time_s - a.screen_time_s;
  return b.size - a.size || a.first_t - b.first_t || a.id - b.id;
}

/** The segments rule of summarizeClusters, on sorted times. */
function appearanceSegments(sortedTimes: number[], I: number, duration: number): [number, number][] {
  const segs: [number, number][] = [];
  let start = NaN;
  let prev = NaN;
  for (const t of sortedTimes) {
    if (t === prev) continue;
    if (Number.isNaN(start)) start = t;
    else if (t - prev > JOIN_GAP_FACTOR * I) {
      segs.push([start, prev + I]);
      start = t;
    }
    prev = t;
  }
  if (!Number.isNaN(start)) segs.push([start, prev + I]);
  for (const s of segs) s[1] = Math.max(s[0], Math.min(s[1], duration));
  return segs;
}

/** score · sqrt(w · h); members are already in (t, id) order, so the first maximum is the earliest. */
function pickRepresentative(members: MemberFace[]): number {
  let best = members[0];
  let bestQ = -Infinity;
  for (const f of members) {
    const q = faceQuality(f);
    if (q > bestQ) {
      best = f;
      bestQ = q;
    }
  }
  return best.id;
}

/** The representative's criterion: detector confidence times the box's geometric-mean side (pixels). */
export function faceQuality(f: Pick<SummaryFace, 'score' | 'box'>): number {
  const [, , w, h] = f.box;
  const area = w > 0 && h > 0 ? w * h : 0;
  const s = Number.isFinite(f.score) ? f.score : 0;
  return s * Math.sqrt(area);
}

/**
 * The typical sampling gap for summarizeClusters when frames are irregular (scene-transition sampling):
 * the median of the positive gaps between consecutive distinct times (sorted first). Pass the sampled
 * frame times when known; face times over-estimate the gap where frames without faces were sampled.
 * Returns `fallback` when there are fewer than two distinct times.
 */
export function estimateSampleInterval(times: readonly number[], fallback = 1): number {
  const ts = [...new Set(times.filter(Number.isFinite))].sort((a, b) => a - b);
  const gaps: number[] = [];
  for (let i = 1; i < ts.length; i++) gaps.push(ts[i] - ts[i - 1]);
  if (gaps.length === 0) return fallback;
  gaps.sort((a, b) => a - b);
  const m = gaps.length >> 1;
  return gaps.length % 2 ? gaps[m] : (gaps[m - 1] + gaps[m]) / 2;
}

/** Ids of the faces with no cluster, in (t, id) order: result.json's `unclustered`. */
export function unclusteredFaceIds(faces: readonly SummaryFace[]): number[] {
  return faces
    .filter((f) => f.cluster === null || f.cluster === undefined)
    .sort((a, b) => a.t - b.t || a.id - b.id)
    .map((f) => f.id);
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
