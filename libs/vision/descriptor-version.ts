/**
 * How a face descriptor's chip was made. Descriptors of different versions are different features (the
 * same face described on two chips lies 0.10-0.15 apart on dlib's own chips, as far as two people sometimes are): stored with
 * each face, and never compared across versions (libs/recognition, services/face-library).
 */

import { DEFAULT_EXTRACT, DESCRIPTOR_VERSIONS, FACE_CHIP_MODES, descriptorVersion, type FaceChipMode } from '../config/index.js';

/** The chip a face was described on: face-api's axis-aligned square, or dlib's aligned chip (face-chip.ts). */
export type ChipKind = 'face-api' | 'dlib';

/** Which chips a run uses: one kind for every face, or dlib's where the fit is trusted (chip-trust.ts). */
export type ChipMode = FaceChipMode;
export const CHIP_MODES: readonly ChipMode[] = FACE_CHIP_MODES;

export { DESCRIPTOR_VERSIONS, descriptorVersion };

/**
 * A face described on both chips, in every version: what a search photo needs to be compared with stored
 * faces of any version. `trusted`: the guard's verdict on this face (chip-trust.ts).
 */
export function descriptorsByVersion(d: Readonly<Record<ChipKind, Float32Array>>, trusted: boolean): Map<number, Float32Array> {
  return new Map([
    [DESCRIPTOR_VERSIONS['face-api'], d['face-api']],
    [DESCRIPTOR_VERSIONS.guarded, trusted ? d.dlib : d['face-api']],
    [DESCRIPTOR_VERSIONS.dlib, d.dlib],
  ]);
}

/** What keycast uses unless told otherwise. */
export const DEFAULT_CHIP_MODE: ChipMode = DEFAULT_EXTRACT.face_chips;
export const DEFAULT_DESCRIPTOR_VERSION = descriptorVersion(DEFAULT_CHIP_MODE);
