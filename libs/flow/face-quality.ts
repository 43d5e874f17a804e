import type { Box } from '../config/index.js';

/** What the quality of a stored appearance is judged from (sharpness and yaw may be absent: old fingerprints). */
export interface QualityFeatures {
  box: Box;
  score: number;
  sharpness?: number | null;
  yaw?: number | null;
}

/** Ramps of the quality factors: each maps [bad, good] linearly to [0, 1] and clamps. */
export const QUALITY_RAMPS = Object.freeze({
  /** Face box short side, source pixels: face-api aligns faces to 150 px; below ~25 px little is left. */
  size: [24, 96] as const,
  /** log(variance of the Laplacian at 64x64): a focused face reads several hundred, a blurred one ~10. */
  sharpness: [20, 400] as const,
  /** |yaw| (nose offset / eye distance): 0 frontal; a half profile ~0.5-0.8 already confuses the descriptor. */
  yaw: [0.8, 0] as const,
  /** Detector confidence: the SSD's scores of real faces run from the 0.5 floor to ~1. */
  score: [0.5, 0.9] as const,
});

const ramp = (x: number, [bad, good]: readonly [number, number]) => Math.min(1, Math.max(0, (x - bad) / (good - bad)));

/**
 * A face's quality in [0, 1]: q = Π_k (0.05 + 0.95·r_k)^(1/4) over four factors r_k in [0, 1], each a
 * clamped linear ramp (QUALITY_RAMPS) — size (short side of the box), sharpness (on a log scale),
 * frontalness (|yaw|) and detection score. One bad factor pulls the quality down, but (the 0.05
 * floor) no single one zeroes it; q = 1 only when every factor is at its good end.
 * null when sharpness or yaw is unknown (fingerprints made before these features): neutral.
 */
export function faceQuality(f: QualityFeatures): number | null {
  if (typeof f.sharpness !== 'number' || typeof f.yaw !== 'number' || !Number.isFinite(f.sharpness) || !Number.isFinite(f.yaw)) return null;
  const size = ramp(Math.min(f.box[2], f.box[3]), QUALITY_RAMPS.size);
  const sharp = ramp(Math.log(Math.max(f.sharpness, 1e-9)), [Math.log(QUALITY_RAMPS.sharpness[0]), Math.log(QUALITY_RAMPS.sharpness[1])]);
  const pose = ramp(Math.abs(f.yaw), QUALITY_RAMPS.yaw);
  const score = ramp(f.score, QUALITY_RAMPS.score);
  // A small floor keeps one zero factor from deciding alone.
  const floor = 0.05;
  return Math.pow((floor + (1 - floor) * size) * (floor + (1 - floor) * sharp) * (floor + (1 - floor) * pose) * (floor + (1 - floor) * score), 1 / 4);
}

/** The face share of a pair when nothing is known of its quality: the halves count as their weights say. */
export const NEUTRAL_SHARE = 0.5;

/**
 * How much the face half counts in the distance of a pair, in [0, 1] (the cloth half counts 1 − it):
 * the quality of the pair's worse face — a face comparison is only as reliable as its worse face.
 * NEUTRAL_SHARE (0.5) when either quality is unknown.
 */
export function faceShare(qi: number | null, qj: number | null): number {
  if (qi === null || qj === null) return NEUTRAL_SHARE;
  return Math.min(qi, qj);
}
