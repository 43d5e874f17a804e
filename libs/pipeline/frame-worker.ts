import { parentPort, workerData } from 'node:worker_threads';
import {
  createClothEncoder,
  createFrameAnalyzer,
  faceModelsLoaded,
  initBackend,
  initDetector,
  type FaceDetector,
  type FrameAnalysis,
  type FrameInput,
} from '../vision/index.js';
import type { FrameTask, WorkerInit, WorkerReply, WorkerRequest } from './worker-protocol.js';

// One TF.js instance per thread: the wasm backend is single-threaded, so threads are how the cores get used.
const port = parentPort!;
const init = workerData as WorkerInit;
const analyzers = new Map<string, (f: FrameInput) => Promise<FrameAnalysis>>();
let detector: FaceDetector | undefined;

function post(msg: WorkerReply, transfer: ArrayBuffer[] = []): void {
  port.postMessage(msg, transfer);
}

// Step times of this thread's start, for the pool's report and the start-up bench (bench/RESULTS.md).
const initMs: Record<string, number> = { imports: Math.round(performance.timeOrigin + performance.now() - init.spawnedAt) };
let last = performance.now();
// A pool that gave up (another thread failed, the video did not probe) asks to close while this one starts:
// it stops at the next step rather than making sessions nobody will use.
let closeRequested = false;
const stopped = new Error('closed while starting');
const step = (name: string) => {
  const now = performance.now();
  initMs[name] = Math.round(now - last);
  last = now;
  if (closeRequested) throw stopped;
};

// Frames and the close request run strictly one after another: TF.js kernels are not re-entrant in wasm anyway,
// and closing after the frames in flight means no onnxruntime session is freed under a native run.
let chain: Promise<void> = (async () => {
  try {
    // TF.js itself is needed on every path (the frame tensor, face crops and alignment); face-api's TF.js nets only
    // by the tfjs detector and the CNN clothing encoder, which load them (initDetector, prepare()).
    const backend = await initBackend({ prefer: init.prefer });
    step('backend');
    // One onnxruntime thread per worker: the pool already runs one worker per core.
    detector = await initDetector({ prefer: init.detector, nativeTf: backend.multiThreaded, threads: 1 });
    step('detector');
    if (init.failAfterDetector) throw new Error(init.failAfterDetector);
    // The clothing encoder the pool's jobs are expected to use loads now, in parallel with the video's start;
    // another one loads at its first frame.
    if (init.clothEncoder) {
      await createClothEncoder(init.clothEncoder).prepare();
      step('cloth');
    }
    post({
      type: 'ready',
      backend: `${backend.name} (${backend.provider})`,
      multiThreaded: backend.multiThreaded,
      detector: detector.name,
      faceModels: faceModelsLoaded(),
      initMs,
    });
  } catch (e) {
    if (e !== stopped) post({ type: 'error', id: null, message: (e as Error).message });
  }
})();

port.on('message', (msg: WorkerRequest) => {
  if (msg.type === 'close') {
    closeRequested = true;
    chain = chain.then(close);
  } else chain = chain.then(() => run(msg));
});

/** Frees the native sessions, then lets the thread end by itself: the pool never has to terminate it mid-call. */
async function close(): Promise<void> {
  try {
    await detector?.release();
  } finally {
    detector = undefined;
    port.close();
  }
}

async function run(task: FrameTask): Promise<void> {
  try {
    if (!detector) throw new Error('the inference thread did not start');
    const key = `${task.minScore}|${task.maxFaces}|${task.clothEncoder}|${task.chips}|${task.allChips}`;
    let analyze = analyzers.get(key);
    if (!analyze) {
      analyze = createFrameAnalyzer({
        minScore: task.minScore,
        maxFaces: task.maxFaces,
        clothEncoder: task.clothEncoder,
        detector,
        chips: task.chips,
        allChips: task.allChips,
      });
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
      chip: f.chip,
      byVersion: f.byVersion,
    }));
    post({ type: 'result', id: task.id, detected: r.detected, faces, ms: r.ms });
  } catch (e) {
    post({ type: 'error', id: task.id, message: (e as Error).message });
  }
}
