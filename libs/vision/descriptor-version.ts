/**
 * How a face descriptor's chip was made. Descriptors of different versions are different features (the
 * same face described on two chips lies ~0.1-0.3 apart, as far as two people sometimes are): stored with
 * each face, and never compared across versions (libs/recognition, services/face-library).
 */

/** The chip a face was described on: face-api's axis-aligned square, or dlib's aligned chip (face-chip.ts). */
export type ChipKind = 'face-api' | 'dlib';

/** Which chips a run uses: one kind for every face, or dlib's where the fit is trusted (chip-trust.ts). */
export type ChipMode = ChipKind | 'guarded';
export const CHIP_MODES: readonly ChipMode[] = ['face-api', 'dlib', 'guarded'];

/**
 * The descriptor version of a chip mode. Version 1 is every descriptor made before versions existed
 * (face-api's chips); a change of the guard's bounds or of the chip would be a new version.
 */
export const DESCRIPTOR_VERSIONS: Readonly<Record<ChipMode, number>> = { 'face-api': 1, guarded: 2, dlib: 3 };

export const descriptorVersion = (mode: ChipMode): number => DESCRIPTOR_VERSIONS[mode];

/** What keycast uses unless told otherwise. */
export const DEFAULT_CHIP_MODE: ChipMode = 'face-api';
export const DEFAULT_DESCRIPTOR_VERSION = descriptorVersion(DEFAULT_CHIP_MODE);
