import { isDecimalSpelling } from './decimal.js';
import { KeycastError } from './errors.js';
import { checkSampledRange } from './sampling.js';
import { unknownNameMessage } from './suggest.js';

/** Clothing encoders available in libs/vision (see docs/QUALITY.md for why the default is the default). */
export const CLOTH_ENCODERS = ['cnn', 'histogram'] as const;
export type ClothEncoderName = (typeof CLOTH_ENCODERS)[number];

/**
 * Which chip the face descriptor is computed on (libs/vision descriptor-version.ts): face-api's square
 * around the eyes and mouth, dlib's aligned chip, or dlib's where the landmarks can be trusted. Each mode
 * is a descriptor version; descriptors of different versions are never compared (docs/QUALITY.md).
 */
export const FACE_CHIP_MODES = ['face-api', 'dlib', 'guarded'] as const;
export type FaceChipMode = (typeof FACE_CHIP_MODES)[number];

/**
 * The descriptor version of each chip mode, stored with every face. Version 1 is every descriptor made
 * before versions existed (face-api's chips); a change of the guard's bounds or of the chip is a new version.
 */
export const DESCRIPTOR_VERSIONS: Readonly<Record<FaceChipMode, number>> = Object.freeze({ 'face-api': 1, guarded: 2, dlib: 3 });
export const descriptorVersion = (mode: FaceChipMode): number => DESCRIPTOR_VERSIONS[mode];

export const LINKAGE_METHODS = ['average', 'single', 'complete'] as const;
export type LinkageMethod = (typeof LINKAGE_METHODS)[number];

/** Options that decide which faces are extracted and how they are fingerprinted. */
export interface ExtractOptions {
  capture_interval_sec: number;
  use_scene_transition: boolean;
  /** ffmpeg scene score threshold in (0, 1) used with use_scene_transition. */
  scene_threshold: number;
  skip_sec: number;
  /** 0 = to the end. */
  stop_sec: number;
  /** Stop after this many faces (0 = no limit). */
  face_cnt: number;
  frame_batch_size: number;
  /** Frames wider than this are resized. */
  resizing_resolution: number;
  /** Resize factor used instead of resizing_resolution when given. */
  resizing_ratio: number | null;
  max_faces_per_frame: number;
  /** Minimum detector confidence for a face. */
  min_face_score: number;
  cloth_encoder: ClothEncoderName;
  /** The chips the recognition net sees (FACE_CHIP_MODES): the descriptor version of the faces extracted. */
  face_chips: FaceChipMode;
}

/**
 * Where the dendrogram is cut: a number in [0, 1] is the reference's relative similarity (cut height
 * = max(pdist) * (1 - sim)); 'auto' is an absolute cut on face-unit distances (libs/clustering
 * autoCutHeight, libs/flow/pair-distances.ts) that needs no per-video tuning.
 */
export type SimOption = number | 'auto';

/** Options that only change how stored fingerprints are grouped: no re-extraction needed. */
export interface ClusterOptions {
  sim: SimOption;
  min_csize: number;
  method: LinkageMethod;
  merge: boolean;
  face_threshold: number;
  cloth_threshold: number;
  iterations: number;
  face_cloth_weights: [number, number];
  /** Two faces of one frame are never one person (libs/flow/cluster-faces.ts). */
  cannot_link: boolean;
  /** Faces linked across consecutive samples (overlapping boxes, close descriptors) are clustered as one track. */
  tracks: boolean;
  /** Face quality (size, sharpness, pose, detection score) shifts each pair's weight between the face and the clothing half. */
  quality_weighting: boolean;
  /** Shot-aware fusion: across a cut the face alone decides; within a shot clothing counts (libs/flow/shots.ts). */
  shot_aware: boolean;
  /** After the cut, a small cluster joins a larger one that shares no frame with it when their nearest faces agree (libs/flow/fragments.ts). */
  merge_fragments: boolean;
  /**
   * Key-character gate (libs/report summarizeClusters): a cluster is a key character when its screen time
   * is at least key_min_s seconds or at least key_min_share of the video's duration (Azure Video
   * Indexer's rule: ≥ 4 s or ≥ 10%). Only the summary reads it: no new linkage.
   */
  key_min_s: number;
  key_min_share: number;
}

export const DEFAULT_EXTRACT: Readonly<ExtractOptions> = Object.freeze({
  capture_interval_sec: 1,
  use_scene_transition: false,
  // ffmpeg's scene score of real cuts is often 0.2-0.25 (the Hamilton clip's are): 0.3 misses them.
  scene_threshold: 0.2,
  skip_sec: 0,
  stop_sec: 0,
  face_cnt: 0,
  frame_batch_size: 16,
  resizing_resolution: 1280,
  resizing_ratio: null,
  max_faces_per_frame: 4,
  min_face_score: 0.5,
  // Measured, not chosen: docs/QUALITY.md (the CNN's pooled vectors sit close together, so the
  // cloth merge rule over-merges with it; the histogram separates outfits).
  cloth_encoder: 'histogram',
  // Measured (docs/QUALITY.md, "Aligned chips").
  face_chips: 'face-api',
});

export const DEFAULT_CLUSTER: Readonly<ClusterOptions> = Object.freeze({
  sim: 'auto',
  min_csize: 2,
  method: 'average',
  // Off by default: on every labelled set it improves nothing and it joins different people whose
  // clothing regions look alike (docs/QUALITY.md). --merge turns the reference's step 6 on.
  merge: false,
  face_threshold: 0.18,
  cloth_threshold: 0.12,
  iterations: 1,
  face_cloth_weights: [1, 1] as [number, number],
  // Measured on every labelled set, on and off from these defaults (docs/QUALITY.md, "Ablation"):
  // the auto cut, cannot-link and quality weighting each raise the mean NMI (the report lists where
  // each gains and loses); tracks lower it (bbt-scenes, mixed), so they are off (--tracks turns them on).
  cannot_link: true,
  tracks: false,
  quality_weighting: true,
  // Measured (docs/QUALITY.md): shot-aware fusion raises the clothing-change set (bbt-outfits) and mixed
  // and lowers none; the fragment pass adds nothing on top of it on the labelled sets, so it stays off.
  shot_aware: true,
  merge_fragments: false,
  // Measured on the labelled sets (docs/QUALITY.md, "Key characters"): Azure Video Indexer's 4 s, but 5% of
  // the video rather than its 10% (short videos with many people: 10% misses a quarter of them).
  key_min_s: 4,
  key_min_share: 0.05,
});

/** A value as an error message shows it: numbers as JavaScript prints them (Infinity, not JSON's null), text quoted. */
function shown(v: unknown): string {
  if (typeof v === 'number') return String(v);
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 100 ? `${s.slice(0, 100)}…` : s;
}

function num(name: string, v: unknown, lo: number, hi: number, { integer = false, loOpen = false } = {}): number {
  // Text is read in the one decimal spelling: Number() alone took "0x10" as 16 and " 1" as 1.
  const x = typeof v === 'string' && isDecimalSpelling(v) ? Number(v) : v;
  const what = `${integer ? 'an integer' : 'a number'} in ${loOpen ? '(' : '['}${lo}, ${hi}]`;
  if (typeof x !== 'number' || !Number.isFinite(x) || (integer && !Number.isInteger(x)) || x < lo || x > hi || (loOpen && x === lo)) {
    throw new KeycastError('INVALID_OPTION', `${name} must be ${what}, got ${shown(v)}`);
  }
  return x;
}

/**
 * The one boolean rule of every option, wherever it comes from (upload field, query parameter, fingerprints file):
 * true or false, as JSON and the OpenAPI document spell them. The CLI's switches are flags (--merge/--no-merge).
 */
function bool(name: string, v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw new KeycastError('INVALID_OPTION', `${name} must be true or false, got ${shown(v)}`);
}

function oneOf<T extends string>(name: string, v: unknown, allowed: readonly T[]): T {
  if (typeof v === 'string' && (allowed as readonly string[]).includes(v)) return v as T;
  throw new KeycastError('INVALID_OPTION', `${name} must be one of ${allowed.join(', ')}, got ${shown(v)}`);
}

/** A number in [0, 1] (string or number) or 'auto'. */
export function parseSim(v: unknown): SimOption {
  if (v === 'auto') return 'auto';
  try {
    if (typeof v !== 'number' && typeof v !== 'string') throw new KeycastError('INVALID_OPTION', 'not a number');
    return num('sim', v, 0, 1);
  } catch {
    throw new KeycastError('INVALID_OPTION', `sim must be a number in [0, 1] or "auto", got ${shown(v)}`);
  }
}

/** Accepts [1, 1] or "1,1". */
export function parseWeights(v: unknown): [number, number] {
  const parts = typeof v === 'string' ? v.split(',') : v;
  if (!Array.isArray(parts) || parts.length !== 2) {
    throw new KeycastError('INVALID_OPTION', `face_cloth_weights must be two numbers "face,cloth", got ${JSON.stringify(v)}`);
  }
  const w: [number, number] = [num('face_cloth_weights[0]', parts[0], 0, 1e6), num('face_cloth_weights[1]', parts[1], 0, 1e6)];
  if (w[0] === 0 && w[1] === 0) throw new KeycastError('INVALID_OPTION', 'face_cloth_weights must not both be 0');
  return w;
}

/** The option names, as the API's fields and parameters spell them (the CLI's flags in snake_case). */
export const EXTRACT_KEYS = Object.keys(DEFAULT_EXTRACT) as (keyof ExtractOptions)[];
export const CLUSTER_KEYS = Object.keys(DEFAULT_CLUSTER) as (keyof ClusterOptions)[];

function rejectUnknown(input: Record<string, unknown>, known: readonly string[]): void {
  for (const k of Object.keys(input)) {
    if (input[k] !== undefined && !known.includes(k)) throw new KeycastError('UNKNOWN_OPTION', unknownNameMessage('option', k, known));
  }
}

/** Validates and fills defaults. Values may be strings (CLI, multipart fields). Throws KeycastError. */
export function resolveExtractOptions(input: Record<string, unknown> = {}, { strict = true } = {}): ExtractOptions {
  if (strict) rejectUnknown(input, [...EXTRACT_KEYS, 'face_cloth_weights']);
  const o = { ...DEFAULT_EXTRACT, ...definedOnly(input) } as Record<string, unknown>;
  const resolved: ExtractOptions = {
    capture_interval_sec: num('capture_interval_sec', o.capture_interval_sec, 0, 3600, { loOpen: true }),
    use_scene_transition: bool('use_scene_transition', o.use_scene_transition),
    scene_threshold: num('scene_threshold', o.scene_threshold, 0, 1, { loOpen: true }),
    skip_sec: num('skip_sec', o.skip_sec, 0, 1e7),
    stop_sec: num('stop_sec', o.stop_sec, 0, 1e7),
    face_cnt: num('face_cnt', o.face_cnt, 0, 1e7, { integer: true }),
    frame_batch_size: num('frame_batch_size', o.frame_batch_size, 1, 1024, { integer: true }),
    resizing_resolution: num('resizing_resolution', o.resizing_resolution, 16, 16384, { integer: true }),
    resizing_ratio:
      o.resizing_ratio === null || o.resizing_ratio === undefined || o.resizing_ratio === ''
        ? null
        : num('resizing_ratio', o.resizing_ratio, 0, 1, { loOpen: true }),
    max_faces_per_frame: num('max_faces_per_frame', o.max_faces_per_frame, 1, 1000, { integer: true }),
    min_face_score: num('min_face_score', o.min_face_score, 0, 1),
    cloth_encoder: oneOf('cloth_encoder', o.cloth_encoder, CLOTH_ENCODERS),
    face_chips: oneOf('face_chips', o.face_chips, FACE_CHIP_MODES),
  };
  checkSampledRange(resolved);
  return resolved;
}

export function resolveClusterOptions(input: Record<string, unknown> = {}, { strict = true } = {}): ClusterOptions {
  if (strict) rejectUnknown(input, CLUSTER_KEYS);
  const o = { ...DEFAULT_CLUSTER, ...definedOnly(input) } as Record<string, unknown>;
  return {
    sim: parseSim(o.sim),
    min_csize: num('min_csize', o.min_csize, 1, 1e7, { integer: true }),
    method: oneOf('method', o.method, LINKAGE_METHODS),
    merge: bool('merge', o.merge),
    face_threshold: num('face_threshold', o.face_threshold, 0, 1e6),
    cloth_threshold: num('cloth_threshold', o.cloth_threshold, 0, 1e6),
    iterations: num('iterations', o.iterations, 0, 100, { integer: true }),
    face_cloth_weights: parseWeights(o.face_cloth_weights),
    cannot_link: bool('cannot_link', o.cannot_link),
    tracks: bool('tracks', o.tracks),
    quality_weighting: bool('quality_weighting', o.quality_weighting),
    shot_aware: bool('shot_aware', o.shot_aware),
    merge_fragments: bool('merge_fragments', o.merge_fragments),
    key_min_s: num('key_min_s', o.key_min_s, 0, 1e7),
    key_min_share: num('key_min_share', o.key_min_share, 0, 1),
  };
}

function definedOnly(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}
