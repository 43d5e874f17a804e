import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { DEFAULT_EXTRACT } from '../libs/config/index.js';
import { ffmpegSampleArgs, getMediaTools, planSampling, probeVideo, resizeTarget, vsyncPassthrough } from '../libs/media/index.js';
import { faceapi, initBackend, loadFaceModels, tf } from '../libs/vision/index.js';

export interface BaselineOptions {
  /** Same rule as the pipeline: every round(capture_interval_sec * round(fps))-th frame. */
  capture_interval_sec: number;
  /** Frames wider than this are scaled down to it (the pipeline's default resizing_resolution). */
  resizing_resolution?: number;
  minConfidence?: number;
  /** Stop after this many seconds of video (warm-up runs); 0 or absent = the whole video. */
  stop_sec?: number;
}

export interface BaselineResult {
  frames: number;
  /** Faces with landmarks and a descriptor (every detection: the plain loop has no crowd-shot rule). */
  faces: number;
  /** From spawning ffmpeg to the last descriptor read back. */
  wall_ms: number;
  /** Time spent waiting for frame bytes from ffmpeg. */
  decode_ms: number;
  /** Time in detectAllFaces().withFaceLandmarks().withFaceDescriptors(), including tensor creation. */
  infer_ms: number;
  /** Frame indices processed, for checking that both sides saw the same frames. */
  indices: number[];
}

/**
 * Reads exactly `n` bytes from a paused stream, or fewer at its end. Nothing is read ahead of the
 * caller beyond what the OS pipe and ffmpeg's own buffers hold: this is the plain "read a frame,
 * process it, read the next" loop.
 */
async function readExactly(stream: Readable, n: number): Promise<Buffer | null> {
  const parts: Buffer[] = [];
  let have = 0;
  while (have < n) {
    const chunk = stream.read(Math.min(n - have, stream.readableLength || n - have)) as Buffer | null;
    if (chunk) {
      parts.push(chunk);
      have += chunk.length;
      continue;
    }
    if (stream.readableEnded || stream.destroyed) break;
    await new Promise<void>((res) => {
      const done = () => {
        stream.off('readable', done);
        stream.off('end', done);
        stream.off('close', done);
        res();
      };
      stream.once('readable', done);
      stream.once('end', done);
      stream.once('close', done);
    });
  }
  if (have === 0) return null;
  if (have < n) throw new Error(`ffmpeg output ended inside a frame (${have} of ${n} bytes)`);
  return parts.length === 1 ? parts[0] : Buffer.concat(parts, n);
}

/** Models and the wasm backend, once per process; excluded from the loop's own timing. */
export async function prepareBaseline(): Promise<string> {
  const b = await initBackend({ prefer: 'wasm' });
  await loadFaceModels();
  return `${b.name} (${b.provider})`;
}

/**
 * The plain sequential face-api loop the pipeline is measured against, in this one thread: one
 * ffmpeg process decodes every N-th frame (`select`) to raw RGB on stdout; each frame is read,
 * turned into a tensor and run through detectAllFaces().withFaceLandmarks().withFaceDescriptors()
 * before the next one is read. No clothing, no thumbnails, no worker threads, no lookahead.
 */
export async function runBaselineLoop(path: string, opts: BaselineOptions): Promise<BaselineResult> {
  await prepareBaseline();
  const { info, fps, streamIndex, start_s } = await probeVideo(path);
  // The same frames as the pipeline: its sampling plan (a frame per interval on the file's timeline, numbered from the
  // video stream's first frame, none repeated), its seek and its select expression; only the inference differs.
  const plan = planSampling(
    { ...DEFAULT_EXTRACT, use_scene_transition: false, skip_sec: 0, capture_interval_sec: opts.capture_interval_sec, stop_sec: opts.stop_sec ?? 0 },
    fps,
    {},
    start_s,
  );
  const firstSlot = Math.ceil((plan.startSlot + plan.lead) / plan.step) * plan.step - plan.lead;
  const { width, height } = resizeTarget(info.width, info.height, { resizing_resolution: opts.resizing_resolution ?? 1280, resizing_ratio: null });
  const options = new faceapi.SsdMobilenetv1Options({ minConfidence: opts.minConfidence ?? 0.5 });
  // The pipeline's own ffmpeg command line (ffmpegSampleArgs), less the scene scores and the per-frame log that only
  // the pipeline reads: the frames alone, so the baseline does not pay for work it has no use for.
  const args = ffmpegSampleArgs(resolve(path), streamIndex, plan, { width, height }, width !== info.width, await vsyncPassthrough(), false);

  const started = performance.now();
  // The pipeline's ffmpeg (FFMPEG_PATH, PATH, else the bundled build): both sides decode alike.
  const ff = spawn(getMediaTools().ffmpeg, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  ff.stderr.setEncoding('utf8');
  ff.stderr.on('data', (s: string) => {
    stderr += s;
  });
  const exited = new Promise<number | null>((res) => ff.on('close', (code) => res(code)));
  ff.stdout.pause();

  const frameBytes = width * height * 3;
  const result: BaselineResult = { frames: 0, faces: 0, wall_ms: 0, decode_ms: 0, infer_ms: 0, indices: [] };
  try {
    for (;;) {
      const t0 = performance.now();
      const rgb = await readExactly(ff.stdout, frameBytes);
      const t1 = performance.now();
      result.decode_ms += t1 - t0;
      if (!rgb) break;
      const image = tf.tensor3d(new Uint8Array(rgb.buffer, rgb.byteOffset, rgb.byteLength), [height, width, 3], 'int32');
      try {
        const faces = await faceapi.detectAllFaces(image, options).withFaceLandmarks().withFaceDescriptors();
        result.faces += faces.length;
      } finally {
        image.dispose();
      }
      result.infer_ms += performance.now() - t1;
      result.indices.push(firstSlot + result.frames * plan.step);
      result.frames++;
    }
  } finally {
    if (ff.exitCode === null) ff.kill('SIGKILL');
  }
  const code = await exited;
  if (code !== 0 && code !== null) throw new Error(`ffmpeg failed (exit ${code}): ${stderr.trim().split('\n').pop()}`);
  result.wall_ms = performance.now() - started;
  return result;
}
