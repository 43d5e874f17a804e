// Per-op profile of the three face nets on onnxruntime-node (the pipeline's `onnx` runtime, one intra-op thread as in
// each pipeline worker): where a frame's SSD time and a face's landmark and descriptor time go now. The inputs are
// real: the Hamilton clip (or --video) sampled as the pipeline samples it, its faces found, cropped and aligned the way
// the pipeline does. Each net then runs in its own profiled session (onnxruntime's profiler: one event per node run):
// --warmup runs on the first input, untimed, then every frame (SSD) or face (one at a time) --reps times. Node times
// are summed per op type, after onnxruntime's graph fusions (a Conv + Clip is one FusedConv).
// --wait-idle S: before each net's timed runs, wait up to S seconds for other processes to go below 0.25 cores.
// usage: npm exec -- node --import tsx bench/onnx-profile.ts [--video FILE] [--interval 0.333] [--warmup 3] [--reps 1] [--wait-idle 0]
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { resolveExtractOptions } from '../libs/config/index.js';
import { sampleFrames } from '../libs/media/index.js';
import { faceapi, initBackend, initDetector, loadFaceModels, MODEL_DIR, tf } from '../libs/vision/index.js';
import { cachedNet } from '../libs/vision/onnx/model-cache.js';
import { createSession } from '../libs/vision/onnx/runtime.js';
import { buildLandmarkOnnx, LANDMARK_INPUT, LANDMARK_MANIFEST } from '../libs/vision/onnx/landmark-model.js';
import { buildRecognitionOnnx, RECOGNITION_INPUT, RECOGNITION_MANIFEST } from '../libs/vision/onnx/recognition-model.js';
import { buildSsdOnnx, SSD_INPUT, SSD_MANIFEST } from '../libs/vision/onnx/ssd-model.js';
import { ssdInput } from '../libs/vision/onnx/ssd-detector.js';
import type { TfjsWeights } from '../libs/vision/onnx/tfjs-weights.js';
import { SHARED_VIDEO, startMeter, waitForIdle } from './analyze.js';

type Tensor3D = ReturnType<typeof tf.tensor3d>;
type FaceApiInput = Parameters<typeof faceapi.extractFaceTensors>[0];

export interface OpRow {
  op: string;
  /** Node runs per net run. */
  calls: number;
  ms_per_run: number;
  total_ms: number;
  share: number;
  /** Multiply-adds per net run, where the op's shapes say (Conv, FusedConv, MatMul, Gemm). */
  macs_per_run?: number;
}

export interface NetProfile {
  net: string;
  /** What one run is: a frame or a face. */
  unit: string;
  runs: number;
  /** onnxruntime's own time per run (its model_run event), and the part of it inside node kernels. */
  session_ms_per_run: number;
  kernel_ms_per_run: number;
  /** session.run as JS sees it (input tensor, native call, output), per run. */
  wall_ms_per_run: number;
  /** Cores other processes kept busy meanwhile (this machine is shared). */
  others_cores: number;
  ops: OpRow[];
}

interface ProfileEvent {
  cat: string;
  name: string;
  ts: number;
  dur: number;
  args?: { op_name?: string; input_type_shape?: Record<string, number[]>[]; output_type_shape?: Record<string, number[]>[] };
}

const shapeOf = (s: Record<string, number[]> | undefined) => (s ? Object.values(s)[0] : undefined);

/**
 * The op type a profile row is filed under, and its multiply-adds: depthwise convolutions (one input channel per
 * group) are split from the dense ones, since they are bound by memory rather than arithmetic.
 */
function classify(e: ProfileEvent): { op: string; macs?: number } {
  const op = e.args?.op_name ?? e.name;
  const ins = (e.args?.input_type_shape ?? []).map(shapeOf);
  const out = shapeOf(e.args?.output_type_shape?.[0]);
  if ((op === 'Conv' || op === 'FusedConv') && ins[0] && ins[1] && out) {
    const [, perGroup, kh, kw] = ins[1];
    const depthwise = perGroup === 1 && ins[0][1] > 1;
    return { op: depthwise ? `${op} (depthwise)` : op, macs: out.reduce((a, b) => a * b, 1) * perGroup * kh * kw };
  }
  if ((op === 'MatMul' || op === 'Gemm') && ins[0] && ins[1] && out) {
    return { op, macs: out.reduce((a, b) => a * b, 1) * ins[1][0] };
  }
  return { op };
}

/** Sums the node events of the runs after the first `warmup` ones (onnxruntime writes one model_run event per run). */
export function summariseProfile(events: ProfileEvent[], warmup: number): Omit<NetProfile, 'net' | 'unit' | 'wall_ms_per_run' | 'others_cores'> {
  const runs = events.filter((e) => e.cat === 'Session' && e.name === 'model_run').sort((a, b) => a.ts - b.ts);
  const timed = runs.slice(warmup);
  if (timed.length === 0) throw new Error(`profile: ${runs.length} runs, none after the ${warmup} warm-up runs`);
  const from = timed[0].ts;
  const byOp = new Map<string, { calls: number; us: number; macs: number }>();
  for (const e of events) {
    if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time') || e.ts < from) continue;
    const { op, macs } = classify(e);
    const row = byOp.get(op) ?? { calls: 0, us: 0, macs: 0 };
    row.calls++;
    row.us += e.dur;
    row.macs += macs ?? NaN;
    byOp.set(op, row);
  }
  const n = timed.length;
  const kernelUs = [...byOp.values()].reduce((a, r) => a + r.us, 0);
  const ops = [...byOp.entries()]
    .map(([op, r]) => ({
      op,
      calls: r.calls / n,
      ms_per_run: r.us / 1000 / n,
      total_ms: r.us / 1000,
      share: r.us / kernelUs,
      ...(Number.isNaN(r.macs) ? {} : { macs_per_run: r.macs / n }),
    }))
    .sort((a, b) => b.total_ms - a.total_ms);
  return {
    runs: n,
    session_ms_per_run: timed.reduce((a, e) => a + e.dur, 0) / 1000 / n,
    kernel_ms_per_run: kernelUs / 1000 / n,
    ops,
  };
}

interface NetSpec {
  net: string;
  unit: string;
  manifest: string;
  build: (w: TfjsWeights) => Uint8Array;
  dims: (n: number) => number[];
}

const NETS = {
  ssd: { net: 'SSD detector', unit: 'frame', manifest: SSD_MANIFEST, build: buildSsdOnnx, dims: (n) => [n, 3, SSD_INPUT, SSD_INPUT] },
  landmarks: {
    net: 'landmark net',
    unit: 'face',
    manifest: LANDMARK_MANIFEST,
    build: buildLandmarkOnnx,
    dims: (n) => [n, LANDMARK_INPUT, LANDMARK_INPUT, 3],
  },
  recognition: {
    net: 'recognition net',
    unit: 'face',
    manifest: RECOGNITION_MANIFEST,
    build: buildRecognitionOnnx,
    dims: (n) => [n, RECOGNITION_INPUT, RECOGNITION_INPUT, 3],
  },
} satisfies Record<string, NetSpec>;

/** Runs one net over `inputs` in a profiled session (the pipeline's session options); reads back the profile. */
async function profileNet(spec: NetSpec, inputs: Float32Array[], o: { warmup: number; reps: number; waitIdle: number }): Promise<NetProfile> {
  const { warmup, reps } = o;
  const dir = mkdtempSync(join(tmpdir(), 'keycast-ort-profile-'));
  try {
    const model = cachedNet(MODEL_DIR, spec.manifest, spec.build);
    const session = await createSession(model, 1, join(dir, 'net'));
    const run = (x: Float32Array) => session.run({ image: new session.rt.Tensor('float32', x, spec.dims(1)) });
    for (let i = 0; i < warmup; i++) await run(inputs[0]);
    await waitForIdle(o.waitIdle, (l) => process.stderr.write(`${l}\n`));
    const meter = startMeter();
    for (let r = 0; r < reps; r++) for (const x of inputs) await run(x);
    const m = meter.stop();
    const wall = m.wall_ms / (reps * inputs.length);
    session.endProfiling();
    await session.release();
    const file = readdirSync(dir).find((f) => f.endsWith('.json'));
    if (!file) throw new Error(`onnxruntime wrote no profile in ${dir}`);
    const events = JSON.parse(readFileSync(join(dir, file), 'utf8')) as ProfileEvent[];
    return { net: spec.net, unit: spec.unit, wall_ms_per_run: wall, others_cores: m.others_cores, ...summariseProfile(events, warmup) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** face-api's batch tensor of one face image (pad to a centred square, resize to `side`), as the onnx nets take it. */
async function batchOf(face: Tensor3D, side: number): Promise<Float32Array> {
  const input = await faceapi.toNetInput([face]);
  const batch = input.toBatchTensor(side, true);
  const data = (await batch.data()) as Float32Array;
  batch.dispose();
  return data;
}

export interface OnnxProfileReport {
  video: string;
  frames: number;
  faces: number;
  warmup: number;
  reps: number;
  load_before: number[];
  load_after: number[];
  /** face-api's batch tensor of one face on TF.js (pad, resize, read back): the landmark and recognition nets' input. */
  batch_ms_per_face: { landmarks: number; recognition: number };
  nets: NetProfile[];
}

export async function profileOnnxNets(
  o: { video?: string; interval?: number; warmup?: number; reps?: number; waitIdle?: number } = {},
): Promise<OnnxProfileReport> {
  const load_before = loadavg();
  const video = o.video ?? SHARED_VIDEO;
  const warmup = o.warmup ?? 3;
  const reps = o.reps ?? 1;
  await initBackend({ prefer: 'wasm' });
  await loadFaceModels();
  const detector = await initDetector({ prefer: 'onnx', threads: 1 });
  const options = resolveExtractOptions({ capture_interval_sec: o.interval ?? 0.333 });
  // The inputs, made the pipeline's way (analyze-frame.ts): detections, their crops → landmarks → dlib-aligned chips.
  const ssd: Float32Array[] = [];
  const crops: Float32Array[] = [];
  const chips: Float32Array[] = [];
  const batchMs = { landmarks: 0, recognition: 0 };
  const timed = async (net: keyof typeof batchMs, face: Tensor3D, side: number) => {
    const t = performance.now();
    const data = await batchOf(face, side);
    batchMs[net] += performance.now() - t;
    return data;
  };
  for await (const frame of sampleFrames(video, options)) {
    const rgb = frame.data;
    ssd.push(ssdInput(rgb, frame.width, frame.height));
    const image = tf.tensor3d(new Uint8Array(rgb.buffer, rgb.byteOffset, rgb.byteLength), [frame.height, frame.width, 3], 'int32');
    const detections = await detector.locate(image, { minScore: options.min_face_score, maxResults: 100, rgb });
    const faces = (await faceapi.extractFaceTensors(image as unknown as FaceApiInput, detections)) as unknown as Tensor3D[];
    const landmarks = await detector.landmarks(faces);
    for (const f of faces) crops.push(await timed('landmarks', f, LANDMARK_INPUT));
    tf.dispose(faces);
    const aligned = detections.map((d, i) =>
      faceapi.extendWithFaceLandmarks(faceapi.extendWithFaceDetection({}, d), landmarks[i]).landmarks.align(null, { useDlibAlignment: true }),
    );
    const aligns = (await faceapi.extractFaceTensors(image as unknown as FaceApiInput, aligned)) as unknown as Tensor3D[];
    for (const c of aligns) chips.push(await timed('recognition', c, RECOGNITION_INPUT));
    tf.dispose(aligns);
    image.dispose();
  }
  if (crops.length === 0) throw new Error(`${video}: no face found, nothing to profile the face nets on`);
  const run = { warmup, reps, waitIdle: o.waitIdle ?? 0 };
  const nets = [await profileNet(NETS.ssd, ssd, run), await profileNet(NETS.landmarks, crops, run), await profileNet(NETS.recognition, chips, run)];
  const batch_ms_per_face = { landmarks: batchMs.landmarks / crops.length, recognition: batchMs.recognition / chips.length };
  return { video, frames: ssd.length, faces: crops.length, warmup, reps, load_before, load_after: loadavg(), batch_ms_per_face, nets };
}

export function onnxProfileTables(r: OnnxProfileReport): string {
  const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(', ');
  const out = [
    `${r.frames} frames, ${r.faces} faces of ${r.video}; onnxruntime-node, 1 intra-op thread; ${r.warmup} warm-up runs per net, then ${r.reps} ` +
      `pass(es) over the frames (SSD) or faces (one at a time). Load average before: ${load(r.load_before)}; after: ${load(r.load_after)}.`,
    `Not in the tables: each face's input, face-api's batch tensor on TF.js wasm (pad, resize, read back), ` +
      `${r.batch_ms_per_face.landmarks.toFixed(2)} ms for the landmark net, ${r.batch_ms_per_face.recognition.toFixed(2)} ms for the recognition net (first faces included).`,
  ];
  for (const n of r.nets) {
    const shown = n.ops.filter((op) => op.share >= 0.005);
    const rest = n.ops.filter((op) => op.share < 0.005);
    out.push(
      '',
      `${n.net}, per ${n.unit} (${n.runs} runs): session.run ${n.wall_ms_per_run.toFixed(2)} ms, of which onnxruntime's run ` +
        `${n.session_ms_per_run.toFixed(2)} ms, in node kernels ${n.kernel_ms_per_run.toFixed(2)} ms; others kept ${n.others_cores.toFixed(2)} cores busy meanwhile.`,
      '',
      `| op (after onnxruntime's fusions) | calls per ${n.unit} | ms per ${n.unit} | total ms | share of kernel time | GMAC per ${n.unit} | GFLOP/s |`,
      '|---|---:|---:|---:|---:|---:|---:|',
      ...shown.map((op) => {
        const gmac = op.macs_per_run === undefined ? '' : (op.macs_per_run / 1e9).toFixed(3);
        const gflops = op.macs_per_run === undefined ? '' : ((2 * op.macs_per_run) / 1e6 / op.ms_per_run).toFixed(1);
        return `| ${op.op} | ${op.calls} | ${op.ms_per_run.toFixed(2)} | ${op.total_ms.toFixed(1)} | ${(100 * op.share).toFixed(1)}% | ${gmac} | ${gflops} |`;
      }),
      ...(rest.length
        ? [
            `| (${rest.length} other ops: ${rest.map((op) => op.op).join(', ')}) | | ${rest.reduce((a, op) => a + op.ms_per_run, 0).toFixed(2)} | ${rest
              .reduce((a, op) => a + op.total_ms, 0)
              .toFixed(1)} | ${(100 * rest.reduce((a, op) => a + op.share, 0)).toFixed(1)}% | | |`,
          ]
        : []),
    );
  }
  return out.join('\n');
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  const { values } = parseArgs({
    options: { video: { type: 'string' }, interval: { type: 'string' }, warmup: { type: 'string' }, reps: { type: 'string' }, 'wait-idle': { type: 'string' } },
  });
  const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
  const r = await profileOnnxNets({
    video: values.video,
    interval: num(values.interval),
    warmup: num(values.warmup),
    reps: num(values.reps),
    waitIdle: num(values['wait-idle']),
  });
  console.log(onnxProfileTables(r));
}
