import type { Box, ExtractOptions } from '../config/index.js';
import type { ChipKind } from '../vision/index.js';
import type { VideoInfo } from '../media/index.js';

export type { Box };

/** One appearance of a face: what the pipeline emits and the sinks store (quality features may be absent: neutral). */
export interface FaceRecord {
  /** Frame index in the source video and the face's rank within that frame (detector order): (frame, k) is unique and stable across re-runs. */
  frame: number;
  k: number;
  /** Seconds from the start of the video. */
  t: number;
  /** Face box in source-video pixels. */
  box: Box;
  score: number;
  /** 128-d face descriptor (face-api / dlib ResNet), as returned (not normalised). */
  face: Float32Array;
  /** 128-d clothing vector from the chosen encoder (not normalised). */
  cloth: Float32Array;
  /** JPEG of the face box. */
  thumbnail: Buffer;
  /** JPEG of the upper body: the face box grown by one face size on each side. */
  body: Buffer;
  /** Variance of the Laplacian of the face box at 64x64 grayscale (libs/vision faceSharpness): higher is sharper. */
  sharpness?: number;
  /** Head turn from the landmarks (libs/vision landmarkYaw): about 0 frontal, ±0.5 half profile. */
  yaw?: number;
  /** The shot of the face's frame, named by the frame index where the shot starts (libs/media Frame.shot). */
  shot?: number;
  /**
   * How the descriptor's chip was made (libs/vision descriptor-version.ts): faces of different versions are
   * never compared. Absent: version 1 (face-api's chips, every face stored before versions existed).
   */
  descriptorVersion?: number;
  /** The chip `face` was computed on (in 'guarded' mode it differs from face to face). */
  chip?: ChipKind;
}

export interface ExtractProgress {
  /** Sampled frames processed so far. */
  frames: number;
  faces: number;
  /** Video seconds covered so far (from the segment start). */
  t: number;
  /** 0..1 of the time span being processed. */
  fraction: number;
}

/** Where extracted faces go: files (CLI) or the database (worker). Batches arrive in frame order. */
export interface FaceSink {
  /** One batch = the faces of `frame_batch_size` sampled frames. Must be idempotent on (frame, k). */
  writeBatch(faces: FaceRecord[], progress: ExtractProgress): Promise<void>;
}

export interface ExtractRequest {
  path: string;
  options: ExtractOptions;
  /** Process only [start_s, end_s) of the video (segments); defaults to skip_sec .. stop_sec. */
  start_s?: number;
  end_s?: number;
  sink: FaceSink;
  onProgress?: (p: ExtractProgress) => void;
  signal?: AbortSignal;
}

export interface ExtractSummary {
  video: VideoInfo;
  frames: number;
  faces: number;
  /** Frames skipped because they held more than max_faces_per_frame faces. */
  crowd_frames: number;
  /** True when face_cnt stopped extraction early. */
  truncated: boolean;
  timings: { total_ms: number; decode_ms: number; detect_ms: number; cloth_ms: number };
  backend: string;
}
