import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { KeycastError, type ClothEncoderName, type FaceChipMode } from '../config/index.js';
// Types only from libs/vision's index (loading it loads TF.js and face-api, which the main thread does not need);
// its backends face plans threads without TF.js.
import { nativeBackendPossible, type BackendName } from '../vision/backends.js';
import type { DetectorName } from '../vision/index.js';
import type { CloseRequest, FrameTask, TaskFace, WorkerInit, WorkerReady, WorkerReply } from './worker-protocol.js';

export interface FrameJob {
  rgb: Buffer;
  width: number;
  height: number;
  minScore: number;
  maxFaces: number;
  clothEncoder: ClothEncoderName;
  /** The chips the descriptors are computed on; default DEFAULT_EXTRACT.face_chips. */
  chips?: FaceChipMode;
  /** Describe each face in every descriptor version too (TaskFace.byVersion). */
  allChips?: boolean;
}

export interface FrameJobResult {
  detected: number;
  faces: TaskFace[];
  ms: { detect: number; cloth: number; crops: number };
}

export interface FacePool {
  readonly size: number;
  /** TF.js backend and face detector runtime, e.g. 'wasm (@tensorflow/tfjs-backend-wasm), detector onnx (…)'. */
  readonly backend: string;
  /** Each thread's start: what it loaded and how long each step took. */
  readonly threads: readonly WorkerReady[];
  analyze(job: FrameJob): Promise<FrameJobResult>;
  /** Lets each thread finish its frames in flight and free its native sessions, then waits for the threads to end. */
  close(): Promise<void>;
}

export interface FacePoolOptions {
  size?: number;
  prefer?: BackendName;
  detector?: DetectorName;
  /** The clothing encoder the jobs will use, so the threads load what it needs while they start (others load at first use). */
  clothEncoder?: ClothEncoderName;
  /** Tests only: every thread fails with this message once its onnxruntime sessions exist. */
  failAfterDetector?: string;
}

/** How long close() waits for a thread to end by itself before terminating it (which may cut a native call short). */
const CLOSE_TIMEOUT_MS = 30_000;

interface Slot {
  worker: Worker;
  busy: number;
  pending: Map<number, { resolve: (r: FrameJobResult) => void; reject: (e: Error) => void }>;
  /** Set once the thread has died: its jobs fail with it. */
  failed?: Error;
  exited: Promise<void>;
  closing?: Promise<void>;
}

const inferenceFailed = (what: string, e: unknown) => new KeycastError('INFERENCE_FAILED', `${what}: ${e instanceof Error ? e.message : String(e)}`);

/**
 * A pool of inference threads, each with its own TF.js and models. With the wasm backend one thread
 * uses one core, so the default is one thread per core; a native backend (tfjs-node, GPU) already
 * spreads over cores, so one thread is enough there. KEYCAST_WORKERS overrides the size.
 * A thread that fails to start fails the pool with an INFERENCE_FAILED KeycastError, once every thread
 * started has ended cleanly.
 */
export async function createFacePool(opts: FacePoolOptions = {}): Promise<FacePool> {
  const envSize = Number(process.env.KEYCAST_WORKERS);
  const wanted = opts.size ?? (Number.isInteger(envSize) && envSize > 0 ? envSize : availableParallelism());
  const init: Omit<WorkerInit, 'spawnedAt'> = {
    prefer: opts.prefer,
    detector: opts.detector,
    clothEncoder: opts.clothEncoder,
    failAfterDetector: opts.failAfterDetector,
  };
  const slots: Slot[] = [];
  const threads: WorkerReady[] = [];
  const start = async () => {
    const { slot, ready } = startWorker(init);
    slots.push(slot);
    threads.push(await ready);
  };
  try {
    // Only a native TF.js backend makes one thread enough, and only the first thread's start tells; where none is
    // installed (the usual case) all threads start at once, which halves the pool's start on two cores.
    if (nativeBackendPossible(opts.prefer)) {
      await start();
      if (!threads[0].multiThreaded) await Promise.all(Array.from({ length: Math.max(0, wanted - 1) }, start));
    } else await Promise.all(Array.from({ length: Math.max(1, wanted) }, start));
  } catch (e) {
    await Promise.allSettled(slots.map(closeSlot));
    throw inferenceFailed('an inference thread failed to start', e);
  }
  let nextId = 1;
  return {
    size: slots.length,
    backend: `${threads[0].backend}, detector ${threads[0].detector}`,
    threads,
    analyze(job) {
      const slot = slots.reduce((a, b) => (b.busy < a.busy ? b : a));
      if (slot.failed) return Promise.reject(slot.failed);
      const id = nextId++;
      const task: FrameTask = {
        type: 'frame',
        id,
        rgb: new Uint8Array(job.rgb.buffer, job.rgb.byteOffset, job.rgb.byteLength),
        width: job.width,
        height: job.height,
        minScore: job.minScore,
        maxFaces: job.maxFaces,
        clothEncoder: job.clothEncoder,
        chips: job.chips,
        allChips: job.allChips,
      };
      slot.busy++;
      return new Promise<FrameJobResult>((resolve, reject) => {
        slot.pending.set(id, { resolve, reject });
        slot.worker.postMessage(task);
      }).finally(() => {
        slot.busy--;
      });
    },
    async close() {
      await Promise.all(slots.map(closeSlot));
    },
  };
}

function startWorker(init: Omit<WorkerInit, 'spawnedAt'>): { slot: Slot; ready: Promise<WorkerReady> } {
  const workerData: WorkerInit = { ...init, spawnedAt: performance.timeOrigin + performance.now() };
  const worker = new Worker(new URL('./frame-worker.mjs', import.meta.url), { workerData });
  let onExit!: () => void;
  const slot: Slot = { worker, busy: 0, pending: new Map(), exited: new Promise((r) => (onExit = r)) };
  const ready = new Promise<WorkerReady>((resolve, reject) => {
    const fail = (e: Error) => {
      slot.failed ??= inferenceFailed('an inference thread failed', e);
      reject(e);
      for (const p of slot.pending.values()) p.reject(slot.failed);
      slot.pending.clear();
    };
    worker.on('message', (msg: WorkerReply) => {
      if (msg.type === 'ready') resolve(msg);
      else if (msg.type === 'result') {
        const p = slot.pending.get(msg.id);
        slot.pending.delete(msg.id);
        p?.resolve({ detected: msg.detected, faces: msg.faces, ms: msg.ms });
      } else if (msg.type === 'error') {
        // The thread could not start: it stays up only to free what it made, on close.
        if (msg.id === null) return fail(new Error(msg.message));
        const p = slot.pending.get(msg.id);
        slot.pending.delete(msg.id);
        p?.reject(new Error(msg.message));
      }
    });
    worker.on('error', fail);
    worker.on('exit', (code) => {
      onExit();
      fail(new Error(code === 0 ? 'inference worker ended' : `inference worker exited with code ${code}`));
    });
  });
  // The pool reports a start failure itself; this copy must not count as unhandled.
  ready.catch(() => {});
  return { slot, ready };
}

/**
 * Asks the thread to end by itself, after its frames in flight (and its start, if still going): it frees its
 * onnxruntime sessions and closes its port. Worker.terminate() is the fallback for a thread that does not answer.
 */
function closeSlot(slot: Slot): Promise<void> {
  slot.closing ??= (async () => {
    const close: CloseRequest = { type: 'close' };
    slot.worker.postMessage(close);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((r) => (timer = setTimeout(() => r(true), CLOSE_TIMEOUT_MS)));
    const stuck = await Promise.race([slot.exited.then(() => false), timedOut]);
    clearTimeout(timer);
    if (stuck) await slot.worker.terminate();
  })();
  return slot.closing;
}
