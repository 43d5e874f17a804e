import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLOTH_ENCODERS, resolveExtractOptions, type ClothEncoderName, type ExtractOptions } from '../libs/config/index.js';
import { probeVideo, sampleFrames } from '../libs/media/index.js';
import { createFacePool, extractFaces, type FacePool, type FrameJobResult } from '../libs/pipeline/index.js';
import {
  createClothEncoder,
  clothRegion,
  detectFaces,
  faceapi,
  faceThumbnails,
  initDetector,
  tf,
  tfjsDetector,
  type BackendName,
  type DetectorName,
  type FaceDetector,
} from '../libs/vision/index.js';
import { loadOrt } from '../libs/vision/onnx/ssd-detector.js';
import { prepareBaseline, runBaselineLoop } from './baseline-loop.js';
import { replaceResultsSection } from './results-file.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const SHARED_VIDEO = resolve(REPO, '../shared/data/videos/short_hamilton_clip.mp4');

export interface AnalyzeBenchOptions {
  /** Video to analyse; default: the shared Hamilton clip, or a clip made from face-api's demo photos. */
  video?: string;
  capture_interval_sec: number;
  /** Timed runs of each variant (after one untimed warm-up each); medians are reported. */
  reps: number;
  /** Threads of the default pipeline variant. */
  workers: number;
  /** Also break the time down: decode wait, per-stage costs, thread utilisation, CPU per thread. */
  profile: boolean;
  /**
   * One more pipeline variant on this TF.js backend (e.g. 'tensorflow': tfjs-node-gpu, else tfjs-node),
   * timed in the same run next to the wasm variants (bench/gpu-check.sh). Omitted: wasm only.
   */
  extraBackend?: BackendName;
  /** Before each timed run, wait up to this many seconds for other processes to use < 0.25 core. */
  waitIdle: number;
  /**
   * A timed run during which other processes used more than this many cores on average is discarded
   * and run again (at most 3 times in a row, reps × variants times in all; after that disturbed runs are kept).
   */
  maxOthers: number;
  log: (line: string) => void;
}

export const DEFAULT_ANALYZE_BENCH: AnalyzeBenchOptions = {
  capture_interval_sec: 0.333,
  reps: 3,
  workers: availableParallelism(),
  profile: false,
  waitIdle: 0,
  maxOthers: 0.3,
  log: (l) => process.stderr.write(`${l}\n`),
};

/** One timed run. CPU figures come from the kernel, so they hold whatever else the machine is doing. */
export interface RunSample {
  frames: number;
  faces: number;
  /** Pipeline only: frames with more than max_faces_per_frame faces, whose faces the method does not describe. */
  crowd_frames: number;
  wall_ms: number;
  /** CPU of this process, every thread (inference threads, main, GC, sharp/libvips). */
  cpu_ms: number;
  /** CPU of the ffmpeg children. */
  ffmpeg_cpu_ms: number;
  /** Average number of cores other processes kept busy during the run. */
  others_cores: number;
}

export interface VariantResult {
  name: string;
  threads: number;
  cloth: string;
  /** Model loading / pool start, once, not in the timed runs. */
  startup_ms: number;
  runs: RunSample[];
  /** Runs thrown away because other processes used more than maxOthers cores meanwhile (then run again). */
  discarded: RunSample[];
  frames: number;
  faces: number;
  crowd_frames: number;
  wall_ms: number;
  cpu_ms: number;
  ffmpeg_cpu_ms: number;
  others_cores: number;
  frames_per_s: number;
  video_s_per_s: number;
  /** Baseline median wall / this median wall: > 1 is faster than the plain loop. */
  speedup: number;
}

export interface StageCosts {
  frames: number;
  faces: number;
  /** Mean ms per frame of the SSD detector alone on TF.js wasm (tensor creation included). */
  ssd_ms_per_frame: number;
  /** The same on onnxruntime-node, one intra-op thread (input resize included); absent where it does not load. */
  ssd_onnx_ms_per_frame?: number;
  /** Mean ms per face of landmarks + alignment + descriptor (detectFaces minus the SSD pass). */
  landmarks_descriptor_ms_per_face: number;
  /**
   * Mean ms per face of each face net alone, TF.js wasm and onnxruntime-node (1 thread) on the same
   * crops, one face at a time (input batch tensor included); absent where onnxruntime does not load.
   */
  face_nets?: { landmarks_tfjs: number; landmarks_onnx: number; descriptor_tfjs: number; descriptor_onnx: number };
  cnn_cloth_ms_per_face: number;
  histogram_cloth_ms_per_face: number;
  thumbnails_ms_per_face: number;
}

export interface PipelineProfile {
  name: string;
  threads: number;
  cloth: ClothEncoderName;
  wall_ms: number;
  /** Main loop time waiting for the next decoded frame (extractFaces' decode_ms). */
  decode_wait_ms: number;
  /** Sums over frames of the worker-side wall time of each step. */
  detect_ms: number;
  cloth_ms: number;
  thumbnails_ms: number;
  /** Worker-side busy time / (wall × threads). */
  utilisation: number;
  /** Share of the wall time with fewer frames in flight than threads (a thread had nothing to do). */
  starved_share: number;
  /** CPU ms of this process's threads, busiest first (the first `threads` are the inference threads). */
  thread_cpu_ms: { tid: number; role: string; cpu_ms: number }[];
  ffmpeg_cpu_ms: number;
  others_cores: number;
}

export interface AnalyzeBenchReport {
  date: string;
  /** The clothing encoder `keycast analyze` uses by default (variants 1 and 2). */
  default_cloth: ClothEncoderName;
  max_others: number;
  max_faces_per_frame: number;
  video: { path: string; generated: boolean; duration_s: number; fps: number; width: number; height: number };
  capture_interval_sec: number;
  reps: number;
  backend: string;
  machine: { nproc: number; cpu: string; node: string; load_before: number[]; load_after: number[] };
  variants: VariantResult[];
  stages?: StageCosts;
  profiles?: PipelineProfile[];
}

// ---------- kernel accounting ----------

const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

function statFields(text: string): string[] {
  // Fields after "(comm)": the comm itself may hold spaces or parentheses.
  return text.slice(text.lastIndexOf(')') + 2).split(' ');
}

/** CPU ms of reaped children (ffmpeg): cutime + cstime of /proc/self/stat. */
function childrenCpuMs(): number {
  const f = statFields(readFileSync('/proc/self/stat', 'utf8'));
  return ((Number(f[13]) + Number(f[14])) * 1000) / CLK_TCK;
}

/** Busy CPU ms of the whole machine (all cores) from /proc/stat. */
function machineBusyMs(): number {
  const v = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
  return ((total - v[3] - v[4]) * 1000) / CLK_TCK;
}

function threadCpuMs(): Map<number, number> {
  const out = new Map<number, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const f = statFields(readFileSync(`/proc/self/task/${tid}/stat`, 'utf8'));
      out.set(Number(tid), ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK);
    } catch {
      // the thread ended between readdir and read
    }
  }
  return out;
}

interface Meter {
  stop(): Omit<RunSample, 'frames' | 'faces' | 'crowd_frames'>;
}

export function startMeter(): Meter {
  const wall0 = performance.now();
  const cpu0 = process.cpuUsage();
  const child0 = childrenCpuMs();
  const busy0 = machineBusyMs();
  return {
    stop() {
      const wall_ms = performance.now() - wall0;
      const c = process.cpuUsage(cpu0);
      const cpu_ms = (c.user + c.system) / 1000;
      const ffmpeg_cpu_ms = childrenCpuMs() - child0;
      const others = machineBusyMs() - busy0 - cpu_ms - ffmpeg_cpu_ms;
      return { wall_ms, cpu_ms, ffmpeg_cpu_ms, others_cores: Math.max(0, others / wall_ms) };
    },
  };
}

/** Waits until other processes use less than `cores` cores over a 1 s window, for at most `maxS` seconds. */
export async function waitForIdle(maxS: number, log: (l: string) => void, cores = 0.25): Promise<void> {
  if (maxS <= 0) return;
  const until = performance.now() + maxS * 1000;
  for (;;) {
    const m = startMeter();
    await new Promise((r) => setTimeout(r, 1000));
    const s = m.stop();
    if (s.others_cores < cores) return;
    if (performance.now() > until) {
      log(`  (machine still busy: others use ${s.others_cores.toFixed(2)} cores; running anyway)`);
      return;
    }
  }
}

// ---------- the video ----------

/**
 * The shared Hamilton clip when present; otherwise a 12 s clip made once from face-api's demo photos
 * (each shown 2 s, scaled and padded to 640x360, 29.97 fps), so the bench runs from a bare clone.
 */
export function benchVideo(explicit?: string): { path: string; generated: boolean } {
  if (explicit) return { path: resolve(explicit), generated: false };
  if (existsSync(SHARED_VIDEO)) return { path: SHARED_VIDEO, generated: false };
  return { path: makeDemoVideo(join(tmpdir(), 'keycast-bench')), generated: true };
}

/** Makes (once; cached in `dir`) a 640x360, 29.97 fps clip showing each of face-api's demo photos for 2 s. */
export function makeDemoVideo(dir: string): string {
  const demo = join(REPO, 'node_modules/@vladmandic/face-api/demo');
  const images = readdirSync(demo)
    .filter((f) => /^sample\d+\.jpg$/.test(f))
    .sort();
  if (images.length === 0) throw new Error(`no video: ${SHARED_VIDEO} is absent and ${demo} has no sample*.jpg`);
  mkdirSync(dir, { recursive: true });
  const out = join(dir, `face-api-demo-${images.length}.mp4`);
  if (existsSync(out) && statSync(out).size > 0) return out;
  const inputs = images.flatMap((f) => ['-loop', '1', '-framerate', '30000/1001', '-t', '2', '-i', join(demo, f)]);
  const scaled = images.map((_, i) => `[${i}:v]scale=640:360:force_original_aspect_ratio=decrease,pad=640:360:(ow-iw)/2:(oh-ih)/2,setsar=1[v${i}]`);
  const filter = `${scaled.join(';')};${images.map((_, i) => `[v${i}]`).join('')}concat=n=${images.length}:v=1:a=0,format=yuv420p[out]`;
  // Written under a temporary name first, so an interrupted run never leaves a half clip behind as the cache.
  const tmp = `${out}.${process.pid}.mp4`;
  execFileSync('ffmpeg', ['-v', 'error', '-y', ...inputs, '-filter_complex', filter, '-map', '[out]', '-c:v', 'libx264', '-r', '30000/1001', tmp]);
  renameSync(tmp, out);
  return out;
}

// ---------- variants ----------

interface Variant {
  name: string;
  /** The pipeline's face nets' runtime as the pool reports it (e.g. 'onnx (onnxruntime-node 1.30.0, 1 thread)'). */
  detector?: string;
  threads: number;
  cloth: string;
  setup(): Promise<number>;
  warm(): Promise<void>;
  run(): Promise<{ frames: number; faces: number; crowd_frames: number }>;
  close(): Promise<void>;
}

const noopSink = { async writeBatch() {} };

function baselineVariant(path: string, interval: number): Variant {
  return {
    name: 'baseline: sequential face-api loop',
    threads: 1,
    cloth: 'none',
    async setup() {
      const t0 = performance.now();
      await prepareBaseline();
      return performance.now() - t0;
    },
    async warm() {
      await runBaselineLoop(path, { capture_interval_sec: interval, stop_sec: 2 });
    },
    async run() {
      const r = await runBaselineLoop(path, { capture_interval_sec: interval });
      return { frames: r.frames, faces: r.faces, crowd_frames: 0 };
    },
    async close() {},
  };
}

function pipelineVariant(path: string, options: ExtractOptions, threads: number, backend: BackendName = 'wasm', detector?: DetectorName): Variant {
  let pool: FacePool | null = null;
  const v: Variant = {
    name: `pipeline: extractFaces, ${threads} thread${threads > 1 ? 's' : ''}${backend === 'wasm' ? '' : `, backend ${backend}`}`,
    threads,
    cloth: options.cloth_encoder,
    async setup() {
      const t0 = performance.now();
      pool = await createFacePool({ size: threads, prefer: backend, detector });
      v.detector = pool.backend.replace(/^.*, detector /, '');
      v.name += `, detector ${v.detector.replace(/ \(.*$/, '')}`;
      // a native backend threads by itself: the pool then holds one worker
      if (backend !== 'wasm') v.name = `pipeline: extractFaces, backend ${pool.backend}, ${pool.size} worker${pool.size > 1 ? 's' : ''}`;
      return performance.now() - t0;
    },
    async warm() {
      await extractFaces({ path, options: { ...options, stop_sec: 2 }, sink: noopSink, pool: pool! });
    },
    async run() {
      // Crowd frames count as processed frames; their faces were detected but not described (the method skips them).
      const r = await extractFaces({ path, options, sink: noopSink, pool: pool! });
      return { frames: r.frames, faces: r.faces, crowd_frames: r.crowd_frames };
    },
    async close() {
      await pool?.close();
    },
  };
  return v;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

// ---------- profile ----------

/** Per-stage costs measured one after another in this thread, on the sampled frames of the video. */
async function stageCosts(path: string, options: ExtractOptions): Promise<StageCosts> {
  await prepareBaseline();
  const cnn = createClothEncoder('cnn');
  const hist = createClothEncoder('histogram');
  const ssdOptions = new faceapi.SsdMobilenetv1Options({ minConfidence: options.min_face_score, maxResults: 100 });
  const acc = { frames: 0, faces: 0, ssd: 0, ssdOnnx: 0, full: 0, cnn: 0, hist: 0, thumbs: 0 };
  const nets = { faces: 0, landmarks_tfjs: 0, landmarks_onnx: 0, descriptor_tfjs: 0, descriptor_onnx: 0 };
  const onnx = loadOrt() ? await initDetector({ prefer: 'onnx', threads: 1 }) : null;
  if (onnx) {
    const blank = tf.tensor3d(new Int32Array(360 * 640 * 3), [360, 640, 3], 'int32');
    // warm-up: the first run of each net plans its graph
    await onnx.locate(blank, { minScore: 0.5, maxResults: 100 });
    const face = tf.tensor3d(new Int32Array(120 * 100 * 3), [120, 100, 3], 'int32');
    await onnx.landmarks([face]);
    await onnx.describe([face]);
    tf.dispose([blank, face]);
  }
  for await (const frame of sampleFrames(path, options)) {
    const rgb = frame.data;
    const mk = () => tf.tensor3d(new Uint8Array(rgb.buffer, rgb.byteOffset, rgb.byteLength), [frame.height, frame.width, 3], 'int32');
    let t = performance.now();
    let image = mk();
    await faceapi.nets.ssdMobilenetv1.locateFaces(image, ssdOptions);
    image.dispose();
    acc.ssd += performance.now() - t;
    if (onnx) {
      t = performance.now();
      await onnx.locate(image, { minScore: options.min_face_score, maxResults: 100, rgb });
      acc.ssdOnnx += performance.now() - t;
    }
    t = performance.now();
    image = mk();
    const det = await detectFaces(image, { minScore: options.min_face_score, maxFaces: options.max_faces_per_frame });
    acc.full += performance.now() - t;
    if (onnx && det.faces.length > 0) await timeFaceNets(image, onnx, options.min_face_score, nets);
    const regions = det.faces.map((f) => clothRegion(f.box));
    const batch = { image, rgb, width: frame.width, height: frame.height, regions };
    t = performance.now();
    await cnn.encode(batch);
    acc.cnn += performance.now() - t;
    t = performance.now();
    await hist.encode(batch);
    acc.hist += performance.now() - t;
    t = performance.now();
    await Promise.all(det.faces.map((f) => faceThumbnails(rgb, frame.width, frame.height, f.box)));
    acc.thumbs += performance.now() - t;
    image.dispose();
    acc.frames++;
    acc.faces += det.faces.length;
  }
  const perFace = (x: number) => (acc.faces ? x / acc.faces : 0);
  return {
    frames: acc.frames,
    faces: acc.faces,
    ssd_ms_per_frame: acc.ssd / acc.frames,
    ...(onnx ? { ssd_onnx_ms_per_frame: acc.ssdOnnx / acc.frames } : {}),
    landmarks_descriptor_ms_per_face: perFace(Math.max(0, acc.full - acc.ssd)),
    ...(onnx && nets.faces
      ? {
          face_nets: {
            landmarks_tfjs: nets.landmarks_tfjs / nets.faces,
            landmarks_onnx: nets.landmarks_onnx / nets.faces,
            descriptor_tfjs: nets.descriptor_tfjs / nets.faces,
            descriptor_onnx: nets.descriptor_onnx / nets.faces,
          },
        }
      : {}),
    cnn_cloth_ms_per_face: perFace(acc.cnn),
    histogram_cloth_ms_per_face: perFace(acc.hist),
    thumbnails_ms_per_face: perFace(acc.thumbs),
  };
}

type Tensor3D = ReturnType<typeof tf.tensor3d>;

/** Times the landmark and recognition nets on each runtime, face by face, on the same crops and chips. */
async function timeFaceNets(
  image: Tensor3D,
  onnx: FaceDetector,
  minScore: number,
  acc: Record<'faces' | 'landmarks_tfjs' | 'landmarks_onnx' | 'descriptor_tfjs' | 'descriptor_onnx', number>,
) {
  const input = image as unknown as Parameters<typeof faceapi.extractFaceTensors>[0];
  const detections = await tfjsDetector.locate(image, { minScore, maxResults: 100 });
  const crops = (await faceapi.extractFaceTensors(input, detections)) as unknown as Tensor3D[];
  const time = async <T>(f: () => Promise<T>): Promise<[T, number]> => {
    const t = performance.now();
    const r = await f();
    return [r, performance.now() - t];
  };
  const landmarks: Awaited<ReturnType<FaceDetector['landmarks']>> = [];
  for (const c of crops) {
    const [l, ms] = await time(() => tfjsDetector.landmarks([c]));
    landmarks.push(l[0]);
    acc.landmarks_tfjs += ms;
    acc.landmarks_onnx += (await time(() => onnx.landmarks([c])))[1];
  }
  tf.dispose(crops);
  const aligned = detections.map((d, i) =>
    faceapi.extendWithFaceLandmarks(faceapi.extendWithFaceDetection({}, d), landmarks[i]).landmarks.align(null, { useDlibAlignment: true }),
  );
  const chips = (await faceapi.extractFaceTensors(input, aligned)) as unknown as Tensor3D[];
  for (const c of chips) {
    acc.descriptor_tfjs += (await time(() => tfjsDetector.describe([c])))[1];
    acc.descriptor_onnx += (await time(() => onnx.describe([c])))[1];
  }
  tf.dispose(chips);
  acc.faces += detections.length;
}

/** A pool that records when each frame was handed over and came back, and the worker's own step timings. */
function recordingPool(inner: FacePool, log: { submit: number; done: number; r: FrameJobResult }[]): FacePool {
  return {
    size: inner.size,
    backend: inner.backend,
    threads: inner.threads,
    async analyze(job) {
      const submit = performance.now();
      const r = await inner.analyze(job);
      log.push({ submit, done: performance.now(), r });
      return r;
    },
    close: () => inner.close(),
  };
}

/** Share of [t0, t1] during which fewer than `size` jobs were in flight. */
function starvedShare(jobs: { submit: number; done: number }[], size: number, t0: number, t1: number): number {
  const ev = jobs
    .flatMap(
      (j) =>
        [
          [j.submit, 1],
          [j.done, -1],
        ] as [number, number][],
    )
    .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let n = 0;
  let last = t0;
  let starved = 0;
  for (const [t, d] of ev) {
    if (n < size) starved += t - last;
    n += d;
    last = t;
  }
  if (n < size) starved += t1 - last;
  return starved / (t1 - t0);
}

async function profilePipeline(path: string, options: ExtractOptions, threads: number, detector?: DetectorName): Promise<PipelineProfile> {
  const inner = await createFacePool({ size: threads, prefer: 'wasm', detector });
  try {
    await extractFaces({ path, options: { ...options, stop_sec: 2 }, sink: noopSink, pool: inner });
    const jobs: { submit: number; done: number; r: FrameJobResult }[] = [];
    const pool = recordingPool(inner, jobs);
    const before = threadCpuMs();
    const meter = startMeter();
    const t0 = performance.now();
    const s = await extractFaces({ path, options, sink: noopSink, pool });
    const t1 = performance.now();
    const m = meter.stop();
    const after = threadCpuMs();
    const sum = (k: 'detect' | 'cloth' | 'crops') => jobs.reduce((a, j) => a + j.r.ms[k], 0);
    const detect = sum('detect');
    const cloth = sum('cloth');
    const crops = sum('crops');
    const mainTid = process.pid;
    const threadsCpu = [...after]
      .map(([tid, ms]) => ({ tid, cpu_ms: ms - (before.get(tid) ?? 0) }))
      .filter((x) => x.cpu_ms > 0)
      .sort((a, b) => b.cpu_ms - a.cpu_ms);
    let inferenceLeft = threads;
    const thread_cpu_ms = threadsCpu.map((x) => ({
      ...x,
      role: x.tid === mainTid ? 'main' : inferenceLeft-- > 0 ? 'inference' : 'other',
    }));
    return {
      name: `pipeline, ${threads} thread${threads > 1 ? 's' : ''}, detector ${inner.backend.replace(/^.*, detector /, '').replace(/ \(.*$/, '')}`,
      threads,
      cloth: options.cloth_encoder,
      wall_ms: m.wall_ms,
      decode_wait_ms: s.timings.decode_ms,
      detect_ms: detect,
      cloth_ms: cloth,
      thumbnails_ms: crops,
      utilisation: (detect + cloth + crops) / (m.wall_ms * threads),
      starved_share: starvedShare(jobs, threads, t0, t1),
      thread_cpu_ms,
      ffmpeg_cpu_ms: m.ffmpeg_cpu_ms,
      others_cores: m.others_cores,
    };
  } finally {
    await inner.close();
  }
}

// ---------- the bench ----------

export async function runAnalyzeBench(partial: Partial<AnalyzeBenchOptions> = {}): Promise<AnalyzeBenchReport> {
  const o = { ...DEFAULT_ANALYZE_BENCH, ...partial };
  const log = o.log;
  const load_before = loadavg();
  const video = benchVideo(o.video);
  const { info } = await probeVideo(video.path);
  // The default clothing encoder is what `keycast analyze` runs; the other one is timed too, on all threads.
  const options = resolveExtractOptions({ capture_interval_sec: o.capture_interval_sec });
  const otherEncoders = CLOTH_ENCODERS.filter((e) => e !== options.cloth_encoder);
  const variants: Variant[] = [
    baselineVariant(video.path, o.capture_interval_sec),
    pipelineVariant(video.path, options, o.workers),
    // The previous default, face-api's SSD on TF.js wasm in every thread, where the default is onnx.
    ...(loadOrt() ? [pipelineVariant(video.path, options, o.workers, 'wasm', 'tfjs')] : []),
    pipelineVariant(video.path, options, 1),
    ...otherEncoders.map((e) => pipelineVariant(video.path, { ...options, cloth_encoder: e }, o.workers)),
    ...(o.extraBackend && o.extraBackend !== 'wasm' ? [pipelineVariant(video.path, options, o.workers, o.extraBackend)] : []),
  ];

  log(`analyze bench: ${video.path} (${info.duration_s.toFixed(2)} s), every ${o.capture_interval_sec} s, ${o.reps} timed runs per variant`);
  const startup: number[] = [];
  const samples: RunSample[][] = variants.map(() => []);
  const discarded: RunSample[][] = variants.map(() => []);
  let retriesLeft = o.reps * variants.length;
  try {
    for (const v of variants) {
      startup.push(await v.setup());
      await v.warm();
    }
    for (let rep = 0; rep < o.reps; rep++) {
      // Alternate the order so a load change during the bench hits every variant alike.
      const order = variants.map((_, i) => i);
      if (rep % 2 === 1) order.reverse();
      for (const i of order) {
        for (let tries = 0; ; tries++) {
          await waitForIdle(o.waitIdle, log);
          const meter = startMeter();
          const r = await variants[i].run();
          const s = { ...r, ...meter.stop() };
          const disturbed = s.others_cores > o.maxOthers;
          const retry = disturbed && retriesLeft > 0 && tries < 3;
          log(
            `  ${variants[i].name} [${variants[i].cloth}]: ${s.frames} frames, ${s.faces} faces, ${(s.wall_ms / 1000).toFixed(2)} s, others ${s.others_cores.toFixed(2)} cores${retry ? ' (disturbed: discarded, run again)' : ''}`,
          );
          if (!retry) {
            samples[i].push(s);
            break;
          }
          retriesLeft--;
          discarded[i].push(s);
        }
      }
    }
  } finally {
    for (const v of variants) await v.close();
  }

  const baseWall = median(samples[0].map((s) => s.wall_ms));
  const results: VariantResult[] = variants.map((v, i) => {
    const runs = samples[i];
    const wall_ms = median(runs.map((s) => s.wall_ms));
    const frames = runs[0].frames;
    return {
      name: v.name,
      threads: v.threads,
      cloth: v.cloth,
      startup_ms: startup[i],
      runs,
      discarded: discarded[i],
      frames,
      faces: runs[0].faces,
      crowd_frames: runs[0].crowd_frames,
      wall_ms,
      cpu_ms: median(runs.map((s) => s.cpu_ms)),
      ffmpeg_cpu_ms: median(runs.map((s) => s.ffmpeg_cpu_ms)),
      others_cores: median(runs.map((s) => s.others_cores)),
      frames_per_s: frames / (wall_ms / 1000),
      video_s_per_s: info.duration_s / (wall_ms / 1000),
      speedup: baseWall / wall_ms,
    };
  });

  const report: AnalyzeBenchReport = {
    date: new Date().toISOString(),
    video: { path: video.path, generated: video.generated, duration_s: info.duration_s, fps: info.fps, width: info.width, height: info.height },
    default_cloth: options.cloth_encoder,
    max_others: o.maxOthers,
    max_faces_per_frame: options.max_faces_per_frame,
    capture_interval_sec: o.capture_interval_sec,
    reps: o.reps,
    backend:
      (o.extraBackend && o.extraBackend !== 'wasm'
        ? `wasm (@tensorflow/tfjs-backend-wasm, SIMD), except the variant marked backend ${o.extraBackend}`
        : 'wasm (@tensorflow/tfjs-backend-wasm, SIMD), in every variant') +
      `; face nets (SSD detector, 68-point landmarks, recognition): face-api on TF.js in the baseline, ${variants[1].detector ?? 'tfjs'} in the pipeline variants not marked otherwise`,
    machine: { nproc: availableParallelism(), cpu: cpus()[0]?.model ?? 'unknown', node: process.version, load_before, load_after: [] },
    variants: results,
  };
  if (o.profile) {
    log('profile: per-stage costs (one thread)…');
    report.stages = await stageCosts(video.path, options);
    report.profiles = [];
    const runs: [number, ClothEncoderName][] = [
      [o.workers, options.cloth_encoder],
      ...otherEncoders.map((e): [number, ClothEncoderName] => [o.workers, e]),
      [1, options.cloth_encoder],
    ];
    const detectors: (DetectorName | undefined)[] = loadOrt() ? [undefined, 'tfjs'] : [undefined];
    for (const [threads, cloth, detector] of runs.flatMap(([t, c]) => detectors.map((d): [number, ClothEncoderName, DetectorName | undefined] => [t, c, d]))) {
      log(`profile: pipeline ${threads} thread(s), ${cloth}…`);
      let p: PipelineProfile;
      for (let tries = 0; ; tries++) {
        await waitForIdle(o.waitIdle, log);
        p = await profilePipeline(video.path, { ...options, cloth_encoder: cloth }, threads, detector);
        if (p.others_cores <= o.maxOthers || tries >= 2) break;
        log(`  (disturbed: others used ${p.others_cores.toFixed(2)} cores; profiling again)`);
      }
      report.profiles.push(p);
    }
  }
  report.machine.load_after = loadavg();
  return report;
}

// ---------- markdown ----------

const f1 = (x: number) => x.toFixed(1);
const f2 = (x: number) => x.toFixed(2);

export function analyzeTable(r: AnalyzeBenchReport): string {
  const head =
    "| variant | threads | clothing | frames | faces | wall s (median) | wall s, each run | sampled frames/s | video s / wall s | CPU s (process + ffmpeg) | others' load (cores) | speed vs baseline |";
  const rows = r.variants.map(
    (v) =>
      `| ${v.name} | ${v.threads} | ${v.cloth} | ${v.frames} | ${v.faces}${v.crowd_frames ? ` (${v.crowd_frames} crowd frames not described)` : ''} | ${f2(v.wall_ms / 1000)} | ${v.runs.map((x) => f2(x.wall_ms / 1000)).join(', ')} | ${f2(v.frames_per_s)} | ${f2(v.video_s_per_s)} | ${f1(v.cpu_ms / 1000)} + ${f1(v.ffmpeg_cpu_ms / 1000)} | ${f2(v.others_cores)} | ${f2(v.speedup)}x |`,
  );
  return [head, '|---|---:|---|---:|---:|---:|---|---:|---:|---:|---:|---:|', ...rows].join('\n');
}

/** "inference 5.1 + 5.0, main 0.1, other threads 0.4" (CPU seconds). */
function threadSummary(ts: PipelineProfile['thread_cpu_ms']): string {
  const sum = (role: string) => ts.filter((t) => t.role === role).reduce((a, t) => a + t.cpu_ms, 0);
  const inference = ts
    .filter((t) => t.role === 'inference')
    .map((t) => f1(t.cpu_ms / 1000))
    .join(' + ');
  return `inference ${inference}, main ${f1(sum('main') / 1000)}, other threads ${f1(sum('other') / 1000)}`;
}

export function profileTables(r: AnalyzeBenchReport): string {
  const out: string[] = [];
  if (r.stages) {
    const s = r.stages;
    out.push(
      `Per-stage cost, measured one after another in one thread (${s.frames} frames, ${s.faces} faces):`,
      '',
      '| stage | ms |',
      '|---|---:|',
      `| SSD detector, per frame (TF.js wasm) | ${f1(s.ssd_ms_per_frame)} |`,
      ...(s.ssd_onnx_ms_per_frame !== undefined
        ? [
            `| SSD detector, per frame (onnxruntime-node, 1 thread) | ${f1(s.ssd_onnx_ms_per_frame)} (${f2(s.ssd_ms_per_frame / s.ssd_onnx_ms_per_frame)}x faster) |`,
          ]
        : []),
      `| landmarks + aligned crop + descriptor, per face (TF.js wasm) | ${f1(s.landmarks_descriptor_ms_per_face)} |`,
      ...(s.face_nets
        ? [
            `| landmark net alone, per face (TF.js wasm) | ${f1(s.face_nets.landmarks_tfjs)} |`,
            `| landmark net alone, per face (onnxruntime-node, 1 thread) | ${f1(s.face_nets.landmarks_onnx)} (${f2(s.face_nets.landmarks_tfjs / s.face_nets.landmarks_onnx)}x faster) |`,
            `| recognition net alone, per face (TF.js wasm) | ${f1(s.face_nets.descriptor_tfjs)} |`,
            `| recognition net alone, per face (onnxruntime-node, 1 thread) | ${f1(s.face_nets.descriptor_onnx)} (${f2(s.face_nets.descriptor_tfjs / s.face_nets.descriptor_onnx)}x faster) |`,
          ]
        : []),
      `| clothing, CNN encoder, per face | ${f1(s.cnn_cloth_ms_per_face)} |`,
      `| clothing, histogram encoder, per face | ${f2(s.histogram_cloth_ms_per_face)} |`,
      `| thumbnails (face + body JPEG), per face | ${f1(s.thumbnails_ms_per_face)} |`,
      '',
    );
  }
  if (r.profiles?.length) {
    out.push(
      "Where the pipeline's time goes (one instrumented run each; worker-side step times summed over frames):",
      '',
      "| run | clothing | wall s | main loop waiting for frames, s | detect+landmarks+descriptors, s | clothing, s | thumbnails, s | thread utilisation | time with a thread idle | CPU s per thread | ffmpeg CPU s | others' load |",
      '|---|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|',
      ...r.profiles.map(
        (p) =>
          `| ${p.name} | ${p.cloth} | ${f2(p.wall_ms / 1000)} | ${f2(p.decode_wait_ms / 1000)} | ${f2(p.detect_ms / 1000)} | ${f2(p.cloth_ms / 1000)} | ${f2(p.thumbnails_ms / 1000)} | ${(p.utilisation * 100).toFixed(0)}% | ${(p.starved_share * 100).toFixed(0)}% | ${threadSummary(p.thread_cpu_ms)} | ${f2(p.ffmpeg_cpu_ms / 1000)} | ${f2(p.others_cores)} |`,
      ),
      '',
    );
  }
  return out.join('\n');
}

// ---------- bench/RESULTS.md ----------

export const RESULTS_FILE = join(REPO, 'bench/RESULTS.md');
const HEADING = '## analyze throughput';
const NOTES_BEGIN = '<!-- analyze-notes:begin (kept by --record) -->';
const NOTES_END = '<!-- analyze-notes:end -->';
/** Issue 15: the default pipeline at least 3x the plain loop (it was 1.5x before the native detector). */
export const TARGET_SPEEDUP = 3;

const fmtLoad = (l: number[]) => l.map((x) => x.toFixed(2)).join(', ');

/** The "## analyze throughput" section for bench/RESULTS.md (without the hand-written notes block). */
export function analyzeSection(r: AnalyzeBenchReport, command: string): string {
  // The default configuration: all threads, the default clothing encoder.
  const main = r.variants[1];
  const verdict = main.speedup >= TARGET_SPEEDUP ? 'meets' : 'does NOT meet';
  const busy = Math.max(...r.variants.map((v) => v.others_cores));
  return [
    HEADING,
    '',
    `Recorded ${r.date.slice(0, 16).replace('T', ' ')} UTC with \`${command}\`.`,
    '',
    `- Machine: ${r.machine.nproc} cores (\`nproc\`), ${r.machine.cpu}, Node ${r.machine.node}; backend ${r.backend}.`,
    `- Load average (1, 5, 15 min) before: ${fmtLoad(r.machine.load_before)}; after: ${fmtLoad(r.machine.load_after)}. Other processes kept up to ${f2(busy)} cores busy during the timed runs (median per variant in the table): ` +
      (busy > 0.3 ? 'the machine was shared, so wall times are inflated and the ratio is noisier than on an idle machine.' : 'the machine was quiet.'),
    `- Video: ${r.video.generated ? "generated from face-api's demo photos (the shared clip was absent)" : `\`${r.video.path.replace(/^.*\/shared\//, '../shared/')}\``}, ${f2(r.video.duration_s)} s, ${r.video.width}x${r.video.height}, ${r.video.fps} fps; one frame every ${r.capture_interval_sec} s (every ${Math.max(1, Math.round(r.capture_interval_sec * Math.round(r.video.fps)))}th frame of the constant-frame-rate grid, the pipeline's sampling, in every variant).`,
    `- Method: all variants run in one process. Models are loaded (baseline) and thread pools started (pipeline) once, before timing; each variant then does one untimed warm-up pass over the first 2 s. Then ${r.reps} timed pass${r.reps > 1 ? 'es' : ''} over the whole video per variant, in alternating order (A B C D, D C B A, …); the table gives medians. A run during which other processes used more than ${r.max_others} cores on average was discarded and run again (${r.variants.reduce((a, v) => a + v.discarded.length, 0)} discarded this time${
      r.variants.some((v) => v.discarded.length)
        ? `: ${r.variants
            .filter((v) => v.discarded.length)
            .map((v) => `${v.name} [${v.cloth}] ${v.discarded.map((d) => `${f2(d.wall_ms / 1000)} s at ${f2(d.others_cores)} cores`).join(', ')}`)
            .join('; ')}`
        : ''
    }), at most 3 times in a row and reps × variants times in all. Wall time runs from the call to the last result: decoding (ffmpeg startup included), inference and, for the pipeline, clothing vectors and JPEG thumbnails (sink: no-op). CPU comes from the kernel (all threads of the process; ffmpeg separately).`,
    `- Baseline: one thread, one ffmpeg (\`fps\` + \`select\`, rgb24 on a pipe), each frame read, then \`detectAllFaces(SsdMobilenetv1Options{minConfidence: 0.5}).withFaceLandmarks().withFaceDescriptors()\`, then the next frame. Pipeline: \`extractFaces\` (ffmpeg ahead of a pool of inference threads: the SSD detector, the landmark and recognition nets on the runtime named in the variant, face crops and alignment on TF.js wasm; clothing vectors, thumbnails).`,
    `- Startup, not timed: baseline model load ${f2(r.variants[0].startup_ms / 1000)} s; pipeline pool start ${r.variants
      .slice(1)
      .map((v) => `${v.threads} thread${v.threads > 1 ? 's' : ''} ${f2(v.startup_ms / 1000)} s`)
      .join(', ')}.`,
    ...(r.variants.some((v) => v.crowd_frames > 0)
      ? [
          `- Faces differ: the pipeline skips frames with more than ${r.max_faces_per_frame} faces (the method's crowd-shot rule) before landmarks and descriptors; the plain loop describes every face, so it did more work here.`,
        ]
      : []),
    '',
    analyzeTable(r),
    '',
    `**Pipeline (${main.threads} threads, ${main.cloth} clothing, the default) vs the plain loop: ${f2(main.speedup)}x — ${verdict} the ${TARGET_SPEEDUP}x target.**`,
    '',
    profileTables(r),
  ].join('\n');
}

/** Replaces (or appends) this bench's section of bench/RESULTS.md, leaving every other section and the notes block alone. */
export function recordAnalyzeSection(body: string, file = RESULTS_FILE): void {
  replaceResultsSection(file, HEADING, body, NOTES_BEGIN, NOTES_END);
}
