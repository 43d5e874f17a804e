import type { Units } from '../clustering/index.js';
import { medianGap, type Box } from '../config/index.js';
import { normalised } from './pair-distances.js';

/** Two detections in consecutive samples join a track only when their boxes overlap at least this much (IoU). */
export const TRACK_MIN_IOU = 0.3;
/**
 * …and their L2-normalised face descriptors are at most this far apart. Below what separates two
 * people on the labelled sets (docs/QUALITY.md: the closest two different people are ~0.38 apart, on
 * small blurred faces), so a cut to another person at the same place does not continue the track.
 */
export const TRACK_MAX_FACE_DISTANCE = 0.35;
/** Consecutive samples further apart than this many sample intervals do not link (a gap in the sampling). */
export const TRACK_MAX_GAP = 1.5;

export interface TrackableFace {
  t: number;
  frame: number;
  box: Box;
  face: ArrayLike<number>;
}

export interface TrackOptions {
  /** Seconds between two samples; default: the median gap between the distinct times of the faces. */
  sample_interval_s?: number;
  minIou?: number;
  maxFaceDistance?: number;
  maxGap?: number;
}

export function boxIou(a: Box, b: Box): number {
  const iw = Math.max(0, Math.min(a[0] + a[2], b[0] + b[2]) - Math.max(a[0], b[0]));
  const ih = Math.max(0, Math.min(a[1] + a[3], b[1] + b[3]) - Math.max(a[1], b[1]));
  const inter = iw * ih;
  const union = a[2] * a[3] + b[2] * b[3] - inter;
  return union > 0 ? inter / union : 0;
}

function dist(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) {
    const t = a[k] - b[k];
    s += t * t;
  }
  return Math.sqrt(s);
}

/**
 * Temporal links: faces of consecutive samples that are the same appearance continuing.
 *
 * The samples are the distinct frames that hold faces, in time order (t, then frame). Samples A and
 * B are consecutive when B is the next one after A and t_B - t_A <= maxGap * sample_interval_s (a
 * sample without any face breaks every track). Face a of A and face b of B are a candidate link when
 * IoU(box_a, box_b) >= minIou and |a - b| <= maxFaceDistance (L2-normalised descriptors). Links are
 * one-to-one: candidates are taken by decreasing IoU (ties: smaller descriptor distance, then input
 * order) and a candidate is kept when neither a already links forward nor b backward. A track is a
 * chain of links; a face without a link is a track of its own. So a track never holds two faces of
 * one frame.
 *
 * Returns the track of every face, numbered 0..k-1 in the order of each track's first face in the input.
 */
export function buildTracks(faces: readonly TrackableFace[], opts: TrackOptions = {}): Units {
  const n = faces.length;
  const minIou = opts.minIou ?? TRACK_MIN_IOU;
  const maxD = opts.maxFaceDistance ?? TRACK_MAX_FACE_DISTANCE;
  const maxGap = opts.maxGap ?? TRACK_MAX_GAP;
  const byFrame = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const m = byFrame.get(faces[i].frame);
    if (m) m.push(i);
    else byFrame.set(faces[i].frame, [i]);
  }
  const samples = [...byFrame.entries()].map(([frame, idx]) => ({ frame, t: faces[idx[0]].t, idx })).sort((a, b) => a.t - b.t || a.frame - b.frame);
  // Without a sampling to go by, the samples' own median gap; a single sample links nothing.
  const interval = opts.sample_interval_s ?? medianGap(samples.map((s) => s.t)) ?? Infinity;
  const next = new Int32Array(n).fill(-1);
  const hasPrev = new Uint8Array(n);
  const units = new Map<number, Float64Array>();
  const unitOf = (i: number) => {
    let u = units.get(i);
    if (!u) {
      u = normalised(faces[i].face);
      units.set(i, u);
    }
    return u;
  };
  for (let s = 0; s + 1 < samples.length; s++) {
    const A = samples[s],
      B = samples[s + 1];
    if (!(B.t - A.t <= maxGap * interval)) continue;
    const cands: { iou: number; d: number; a: number; b: number }[] = [];
    for (const a of A.idx) {
      for (const b of B.idx) {
        const iou = boxIou(faces[a].box, faces[b].box);
        if (iou < minIou) continue;
        const d = dist(unitOf(a), unitOf(b));
        if (d <= maxD) cands.push({ iou, d, a, b });
      }
    }
    cands.sort((x, y) => y.iou - x.iou || x.d - y.d || x.a - y.a || x.b - y.b);
    for (const c of cands) {
      if (next[c.a] !== -1 || hasPrev[c.b]) continue;
      next[c.a] = c.b;
      hasPrev[c.b] = 1;
    }
  }
  // Chains → ids; a chain's faces may not be contiguous in the input, so number by first face.
  const track = new Int32Array(n).fill(-1);
  const headOf = new Int32Array(n);
  for (let i = 0; i < n; i++) headOf[i] = i;
  for (let i = 0; i < n; i++) if (next[i] !== -1) headOf[next[i]] = -1;
  const root = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    if (headOf[i] === -1) continue;
    for (let j = i; j !== -1; j = next[j]) root[j] = i;
  }
  let count = 0;
  const idOfRoot = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    let id = idOfRoot.get(root[i]);
    if (id === undefined) {
      id = count++;
      idOfRoot.set(root[i], id);
    }
    track[i] = id;
  }
  return { unitOf: track, count };
}
