import type { ClothEncoderName } from '../config/index.js';
import type { BackendName, DetectorName } from '../vision/index.js';

/** Messages between the pipeline and its inference worker threads (structured clone, buffers transferred). */
export interface WorkerInit {
  prefer?: BackendName;
  /** The SSD's runtime; default: onnx where onnxruntime-node loads (KEYCAST_DETECTOR overrides). */
  detector?: DetectorName;
}

export interface FrameTask {
  type: 'frame';
  id: number;
  rgb: Uint8Array;
  width: number;
  height: number;
  minScore: number;
  maxFaces: number;
  clothEncoder: ClothEncoderName;
}

export interface TaskFace {
  box: [number, number, number, number];
  score: number;
  face: Float32Array;
  cloth: Float32Array;
  thumbnail: Uint8Array;
  body: Uint8Array;
  sharpness: number;
  yaw: number;
}

export type WorkerReply =
  | { type: 'ready'; backend: string; multiThreaded: boolean; detector: string }
  | { type: 'result'; id: number; detected: number; faces: TaskFace[]; ms: { detect: number; cloth: number; crops: number } }
  | { type: 'error'; id: number | null; message: string };
