import { RECOGNITION } from './defaults.js';

/** How a query's face quality changed the naming: 'ok' at the normal threshold, 'raised' threshold, or 'refused' (never named). */
export type QualityGateState = 'ok' | 'raised' | 'refused';

/**
 * Small query faces carry less detail, and their descriptors drift toward everyone's: a stranger's 83 px face
 * scored 0.9365 against a tenant's person (threshold 0.935). Cut-offs chosen on bench/recognition.ts's
 * "Small and blurred query faces, by band" (docs/QUALITY.md): below `refuseBelowPx` no threshold holds
 * 0 strangers named while still naming people; below `raiseBelowPx` the normal threshold names strangers and
 * `raisedThreshold` (that band's zero-stranger threshold) holds 0.
 */
export const QUALITY_GATE = {
  /** Faces whose detector box is lower than this (px, as analysed) are never named. */
  refuseBelowPx: 50,
  /** Faces lower than this (and not refused) must pass `raisedThreshold`. */
  raiseBelowPx: 90,
  raisedThreshold: 0.95,
} as const;

export interface QueryQuality {
  /** Height of the face's detector box in the pixels it was described from. */
  face_px: number;
  gate: QualityGateState;
  /** The threshold the face must pass to be named; null when refused. */
  threshold: number | null;
}

/** The gate one query face (or a cluster's typical face, `facePx` its median height) passes, and the threshold it must reach. */
export function qualityGate(facePx: number): QueryQuality {
  const face_px = Math.round(facePx);
  if (facePx < QUALITY_GATE.refuseBelowPx) return { face_px, gate: 'refused', threshold: null };
  if (facePx < QUALITY_GATE.raiseBelowPx) return { face_px, gate: 'raised', threshold: QUALITY_GATE.raisedThreshold };
  return { face_px, gate: 'ok', threshold: RECOGNITION.threshold };
}
