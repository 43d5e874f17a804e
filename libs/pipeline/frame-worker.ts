import { parentPort, workerData } from 'node:worker_threads';
import { createFrameAnalyzer, initBackend, initDetector, loadFaceModels, type FaceDetector, type FrameAnalysis, type FrameInput } from '../vision/index.js';
import type { FrameTask, WorkerInit, WorkerReply } from './worker-protocol.js';

// One TF.js instance per thread: the wasm backend is single-threaded, so threads are how the cores get used.
const port = parentPort!;
const init = workerData as WorkerInit;
const analyzers = new Map<string, (f: FrameInput) => Promise<FrameAnalysis>>();
let detector: FaceDetector | undefined;

function post(msg: WorkerReply, transfer: ArrayBuffer[] = []): void {
  port.postMessage(msg, transfer);
}

try {
  const backend = await initBackend({ prefer: init.prefer });
  // face-api's TF.js nets: the TF.js path runs them, and the CNN clothing encoder reads the SSD's MobileNet layers.
  await loadFaceModels();
  // One onnxruntime thread per worker: the pool already runs one worker per core.
  detector = await initDetector({ prefer: init.detector, nativeTf: backend.multiThreaded, threads: 1 });
  post({ type: 'ready', backend: `${backend.name} (${backend.provider})`, multiThreaded: backend.multiThreaded, detector: detector.name });
} catch (e) {
  post({ type: 'error', id: null, message: (e as Error).message });
}

// Frames are processed strictly one after another per thread: TF.js kernels are not re-entrant in wasm anyway.
let chain = Promise.resolve();
port.on('message', (task: FrameTask) => {
  chain = chain.then(() => run(task));
});

async function run(task: FrameTask): Promise<void> {
  try {
    const key = `${task.minScore}|${task.maxFaces}|${task.clothEncoder}`;
    let analyze = analyzers.get(key);
    if (!analyze) {
      analyze = createFrameAnalyzer({ minScore: task.minScore, maxFaces: task.maxFaces, clothEncoder: task.clothEncoder, detector });
      analyzers.set(key, analyze);
    }
    const rgb = Buffer.from(task.rgb.buffer, task.rgb.byteOffset, task.rgb.byteLength);
    const r = await analyze({ rgb, width: task.width, height: task.height });
    const faces = r.faces.map((f) => ({
      box: f.box,
      score: f.score,
      face: f.face,
      cloth: f.cloth,
      thumbnail: new Uint8Array(f.thumbnail),
      body: new Uint8Array(f.body),
      sharpness: f.sharpness,
      yaw: f.yaw,
    }));
    post({ type: 'result', id: task.id, detected: r.detected, faces, ms: r.ms });
  } catch (e) {
    post({ type: 'error', id: task.id, message: (e as Error).message });
  }
}
