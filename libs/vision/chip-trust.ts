import type { Rect } from './cloth-region.js';
import type { ChipDetails } from './face-chip.js';

/**
 * Whether a face's landmarks can be trusted to place dlib's chip. face-api's 68-point landmark net
 * returns scrambled shapes on many small or downward-looking video faces; fitted to the template, such
 * a shape collapses to a chip a few pixels wide (or wanders off the face), and the descriptor of that
 * chip is noise. Three measures, each scale-free:
 * - `residual`: the similarity fit's RMS error in pixels of the 150 px chip (ChipDetails.residual): a
 *   real face is a similarity of the mean face up to expression and pose, a few px; a scrambled one is not;
 * - `sideToBox`: the chip's side over the detector box's mean side. dlib's chip spans the mean face plus
 *   0.25 of it on each side, so about 1.5 face widths, while the detector's box is about one face: a
 *   ratio far below 1 is the collapse, far above it a shape spread beyond the face;
 * - `centreOffset`: the distance from the chip's centre to the box's centre, in box sides: the chip must
 *   sit on the face the detector found.
 */
export interface ChipFit {
  residual: number;
  sideToBox: number;
  centreOffset: number;
}

export function chipFit(d: ChipDetails, box: Rect): ChipFit {
  const side = d.rect.right - d.rect.left + 1;
  const boxSide = (box[2] + box[3]) / 2;
  const cx = (d.rect.left + d.rect.right) / 2,
    cy = (d.rect.top + d.rect.bottom) / 2;
  return {
    residual: d.residual,
    sideToBox: boxSide > 0 ? side / boxSide : 0,
    centreOffset: boxSide > 0 ? Math.hypot(cx - (box[0] + box[2] / 2), cy - (box[1] + box[3] / 2)) / boxSide : Infinity,
  };
}

/** The bounds a trusted fit stays within. */
export interface ChipGuard {
  maxResidual: number;
  minSideToBox: number;
  maxSideToBox: number;
  maxCentreOffset: number;
}

/**
 * The guard of descriptor version 2. The side and offset bounds come from the geometry above (a chip
 * narrower than 0.9 of the box is the collapse the issue measured; dlib-made chips sit at 1.05-1.18); the
 * residual bound, 8 chip px, was chosen (lowest EER) on one half of the verification pairs of
 * bench/chip-verification.ts and is reported on the other (docs/QUALITY.md, "Aligned chips"); good faces
 * fit within 1.5-3.6 px. Changing a bound changes what version 2 means: make it a new version instead.
 */
export const DEFAULT_CHIP_GUARD: ChipGuard = { maxResidual: 8, minSideToBox: 0.9, maxSideToBox: 2.5, maxCentreOffset: 0.35 };

export function trustChip(fit: ChipFit, guard: ChipGuard = DEFAULT_CHIP_GUARD): boolean {
  return (
    fit.residual <= guard.maxResidual && fit.sideToBox >= guard.minSideToBox && fit.sideToBox <= guard.maxSideToBox && fit.centreOffset <= guard.maxCentreOffset
  );
}
