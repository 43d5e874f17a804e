import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { ClothEncoderName } from '../config/index.js';
import type { BackendName, DetectorName } from '../vision/index.js';
import type { FrameTask, TaskFace, WorkerReply } from './worker-protocol.js';

export interface FrameJob {
  rgb: Buffer;
  width: number;
  height: number;
  minScore: number;
  maxFaces: number;
  clothEncoder: ClothEncoderName;
}

export interface FrameJobResult {
  detected: number;
  faces: TaskFace[];
  ms: { detect: number; cloth: number; crops: number };
}

interface Slot {
  worker: Worker;
  busy: number;
  pending: Map<number, { resolve: (r: FrameJobResult) => void; reject: (e: Error) => void }>;
}

export interface FacePool {
  readonly size: number;
  /** TF.js backend and face detector runtime, e.g. 'wasm (@tensorflow/tfjs-backend-wasm), detector onnx (…)'. */
  readonly backend: string;
  analyze(job: FrameJob): Promise<FrameJobResult>;
  close(): Promise<void>;
}

/**
 * A pool of inference threads, each with its own TF.js and models. With the wasm backend one thread
 * uses one core, so the default is one thread per core; a native backend (tfjs-node, GPU) already
 * spreads over cores, so one thread is enough there. KEYCAST_WORKERS overrides the size.
 */
export async function createFacePool(opts: { size?: number; prefer?: BackendName; detector?: DetectorName } = {}): Promise<FacePool> {
  const envSize = Number(process.env.KEYCAST_WORKERS);
  const wanted = opts.size ?? (Number.isInteger(envSize) && envSize > 0 ? envSize : availableParallelism());
  const first = await startWorker(opts.prefer, opts.detector);
  const slots: Slot[] = [first.slot];
  if (!first.multiThreaded) {
    const rest = await Promise.all(Array.from({ length: Math.max(0, wanted - 1) }, () => startWorker(opts.prefer, opts.detector)));
    slots.push(...rest.map((r) => r.slot));
  }
  let nextId = 1;
  return {
    size: slots.length,
    backend: `${first.backend}, detector ${first.detector}`,
    analyze(job) {
      const slot = slots.reduce((a, b) => (b.busy < a.busy ? b : a));
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
      await Promise.all(slots.map((s) => s.worker.terminate()));
    },
  };
}

async function startWorker(prefer?: BackendName, detector?: DetectorName): Promise<{ slot: Slot; backend: string; multiThreaded: boolean; detector: string }> {
  const worker = new Worker(new URL('./frame-worker.mjs', import.meta.url), { workerData: { prefer, detector } });
  const slot: Slot = { worker, busy: 0, pending: new Map() };
  const ready = new Promise<{ backend: string; multiThreaded: boolean; detector: string }>((resolve, reject) => {
    worker.on('message', (msg: WorkerReply) => {
      if (msg.type === 'ready') resolve(msg);
      else if (msg.type === 'result') {
        const p = slot.pending.get(msg.id);
        slot.pending.delete(msg.id);
        p?.resolve({ detected: msg.detected, faces: msg.faces, ms: msg.ms });
      } else if (msg.type === 'error') {
        if (msg.id === null) return reject(new Error(msg.message));
        const p = slot.pending.get(msg.id);
        slot.pending.delete(msg.id);
        p?.reject(new Error(msg.message));
      }
    });
    const fail = (e: Error) => {
      reject(e);
      for (const p of slot.pending.values()) p.reject(e);
      slot.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => {
      if (code !== 0) fail(new Error(`inference worker exited with code ${code}`));
    });
  });
  const r = await ready;
  return { slot, ...r };
}
