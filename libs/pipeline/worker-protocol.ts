import type { ClothEncoderName, FaceChipMode } from '../config/index.js';
import type { BackendName, ChipKind, DetectorName } from '../vision/index.js';

/** Messages between the pipeline and its inference worker threads (structured clone, buffers transferred). */
export interface WorkerInit {
  prefer?: BackendName;
  /** The SSD's runtime; default: onnx where onnxruntime-node loads (KEYCAST_DETECTOR overrides). */
  detector?: DetectorName;
  /** The clothing encoder the jobs are expected to use: what it needs loads with the thread (others at first use). */
  clothEncoder?: ClothEncoderName;
  /** performance.timeOrigin + performance.now() when the pool made the thread: the start's first step is timed from it. */
  spawnedAt: number;
  /** Tests only: fail with this message once the detector's onnxruntime sessions exist, as a fault there would. */
  failAfterDetector?: string;
}

/** Frees the thread's native sessions after the frames in flight, then the thread ends by itself. */
export interface CloseRequest {
  type: 'close';
}

export type WorkerRequest = FrameTask | CloseRequest;

/** What a thread reports once it can take frames. */
export interface WorkerReady {
  type: 'ready';
  backend: string;
  multiThreaded: boolean;
  detector: string;
  /** Whether face-api's TF.js nets were loaded (the tfjs detector or the CNN clothing encoder need them). */
  faceModels: boolean;
  /** Milliseconds per step of the start: imports (from the pool's spawn), backend, detector, cloth. */
  initMs: Record<string, number>;
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
  /** The chips the descriptors are computed on (default DEFAULT_EXTRACT.face_chips). */
  chips?: FaceChipMode;
  /** Describe each face in every descriptor version too (TaskFace.byVersion): search photos. */
  allChips?: boolean;
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
  chip: ChipKind;
  byVersion?: Map<number, Float32Array>;
}

export type WorkerReply =
  | WorkerReady
  | { type: 'result'; id: number; detected: number; faces: TaskFace[]; ms: { detect: number; cloth: number; crops: number } }
  | { type: 'error'; id: number | null; message: string };
