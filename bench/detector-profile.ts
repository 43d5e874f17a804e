// Per-op profile of the SSD face detector (face-api's ssdMobilenetv1, 512x512 input) on one TF.js
// backend: where a frame's detection time goes. One frame of the Hamilton clip (or --video), a few
// warm-up passes, then tf.profile over --reps passes; kernel times are summed per op name.
// The same for the three nets on onnxruntime (the pipeline's default runtime): bench/onnx-profile.ts.
// usage: node --import tsx bench/detector-profile.ts [--video FILE] [--at 3] [--reps 5] [--backend wasm]
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { faceapi, initBackend, loadFaceModels, tf, type BackendName } from '../libs/vision/index.js';
import { SHARED_VIDEO } from './analyze.js';

export interface OpRow {
  op: string;
  calls: number;
  ms: number;
  share: number;
}
export interface DetectorProfile {
  backend: string;
  width: number;
  height: number;
  reps: number;
  wall_ms_per_frame: number;
  kernel_ms_per_frame: number;
  ops: OpRow[];
}

/** One RGB frame at `at` seconds, at the video's size (ffmpeg). */
function grabFrame(video: string, at: number): { rgb: Uint8Array; width: number; height: number } {
  const probe = execFileSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width,height', '-of', 'csv=p=0', video], {
    encoding: 'utf8',
  });
  const [width, height] = probe.trim().split(',').map(Number);
  const rgb = execFileSync(
    'ffmpeg',
    ['-v', 'error', '-ss', String(at), '-i', `file:${video}`, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'],
    { maxBuffer: 1 << 28 },
  );
  return { rgb: new Uint8Array(rgb.buffer, rgb.byteOffset, rgb.byteLength), width, height };
}

export async function profileDetector(opts: { video?: string; at?: number; reps?: number; backend?: BackendName } = {}): Promise<DetectorProfile> {
  const b = await initBackend({ prefer: opts.backend ?? 'wasm' });
  await loadFaceModels();
  const { rgb, width, height } = grabFrame(opts.video ?? SHARED_VIDEO, opts.at ?? 3);
  const image = tf.tensor3d(rgb, [height, width, 3], 'int32');
  const options = new faceapi.SsdMobilenetv1Options({ minConfidence: 0.5, maxResults: 100 });
  const detect = () => faceapi.nets.ssdMobilenetv1.locateFaces(image, options);
  for (let i = 0; i < 3; i++) await detect();
  const reps = opts.reps ?? 5;
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) await detect();
  const wall = (performance.now() - t0) / reps;
  const byOp = new Map<string, { calls: number; ms: number }>();
  for (let i = 0; i < reps; i++) {
    const info = await tf.profile(async () => {
      await detect();
    });
    for (const k of info.kernels) {
      const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
      const e = byOp.get(k.name) ?? { calls: 0, ms: 0 };
      e.calls++;
      e.ms += ms;
      byOp.set(k.name, e);
    }
  }
  image.dispose();
  const total = [...byOp.values()].reduce((a, e) => a + e.ms, 0);
  const ops = [...byOp.entries()].map(([op, e]) => ({ op, calls: e.calls / reps, ms: e.ms / reps, share: e.ms / total })).sort((a, b) => b.ms - a.ms);
  return { backend: `${b.name} (${b.provider})`, width, height, reps, wall_ms_per_frame: wall, kernel_ms_per_frame: total / reps, ops };
}

export function detectorProfileTable(p: DetectorProfile): string {
  return [
    `SSD detector on ${p.backend}, one ${p.width}x${p.height} frame (resized to 512x512 inside the net), ${p.reps} profiled passes: ` +
      `${p.wall_ms_per_frame.toFixed(1)} ms per frame unprofiled, ${p.kernel_ms_per_frame.toFixed(1)} ms in kernels.`,
    '',
    '| op | calls per frame | ms per frame | share of kernel time |',
    '|---|---:|---:|---:|',
    ...p.ops.filter((o) => o.share >= 0.005).map((o) => `| ${o.op} | ${o.calls} | ${o.ms.toFixed(1)} | ${(100 * o.share).toFixed(1)}% |`),
    `| (${p.ops.filter((o) => o.share < 0.005).length} other ops) | | ${p.ops
      .filter((o) => o.share < 0.005)
      .reduce((a, o) => a + o.ms, 0)
      .toFixed(1)} | |`,
  ].join('\n');
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  const { values } = parseArgs({ options: { video: { type: 'string' }, at: { type: 'string' }, reps: { type: 'string' }, backend: { type: 'string' } } });
  const p = await profileDetector({
    video: values.video,
    at: values.at ? Number(values.at) : undefined,
    reps: values.reps ? Number(values.reps) : undefined,
    backend: values.backend as BackendName | undefined,
  });
  console.log(detectorProfileTable(p));
}
