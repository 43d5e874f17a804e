import { probe, sampleFrames, type Frame, type VideoInfo } from '../media/index.js';
import { createFacePool, type FacePool, type FrameJobResult } from './face-pool.js';
import { descriptorVersion as versionOf } from '../config/index.js';
import type { ExtractProgress, ExtractRequest, ExtractSummary, FaceRecord, Box } from './types.js';

/** How many frames may wait for inference beyond one per thread: keeps decoding ahead without hoarding memory. */
const LOOKAHEAD_PER_THREAD = 2;

/**
 * Video → face records. Decodes the sampled frames (ffmpeg runs in its own process, ahead of
 * inference), runs detection + descriptors + clothing on a pool of threads, and hands the faces to
 * `req.sink` in frame order, one batch per `frame_batch_size` sampled frames. Stops after
 * `face_cnt` faces (0 = no limit). Frames with more than `max_faces_per_frame` faces are skipped.
 * Pass `pool` to reuse loaded models across calls (a service worker); otherwise one is made and closed.
 */
export async function extractFaces(req: ExtractRequest & { pool?: FacePool; workers?: number }): Promise<ExtractSummary> {
  const started = performance.now();
  const o = req.options;
  const descriptorVersion = versionOf(o.face_chips);
  // A new pool's threads take seconds to start (TF.js, onnxruntime sessions): they start while ffprobe reads the
  // video and ffmpeg starts decoding, not after.
  const poolStart = req.pool ? null : createFacePool({ size: req.workers, clothEncoder: o.cloth_encoder });
  poolStart?.catch(() => {}); // awaited below; a failure while ffprobe runs is not unhandled
  let video: VideoInfo;
  let start: number;
  let end: number;
  let iter: AsyncGenerator<Frame> | undefined;
  let next: Promise<IteratorResult<Frame>> | undefined;
  let pool: FacePool;
  try {
    video = await probe(req.path);
    start = Math.max(o.skip_sec, req.start_s ?? 0);
    const endLimit = o.stop_sec > 0 ? o.stop_sec : Infinity;
    end = Math.min(endLimit, req.end_s ?? Infinity, video.duration_s + 1);
    iter = sampleFrames(req.path, o, { start_s: start, end_s: end, signal: req.signal });
    next = iter.next();
    next.catch(() => {}); // awaited in the loop below
    pool = req.pool ?? (await poolStart!);
  } catch (e) {
    // Bad input or a pool that failed: stop ffmpeg, and let the threads end cleanly before the error goes up.
    await iter?.return(undefined).catch(() => {});
    await poolStart?.then(
      (p) => p.close(),
      () => {},
    );
    throw e;
  }
  const span = Math.max(1e-9, Math.min(end, video.duration_s) - start);

  let frames = 0;
  let faces = 0;
  let crowd = 0;
  let truncated = false;
  let batch: FaceRecord[] = [];
  let framesInBatch = 0;
  let lastT = start;
  const ms = { decode: 0, detect: 0, cloth: 0 };
  const inflight: { frame: Frame; result: Promise<FrameJobResult> }[] = [];
  const maxInflight = pool.size * (LOOKAHEAD_PER_THREAD + 1);

  const progress = (): ExtractProgress => ({ frames, faces, t: lastT, fraction: Math.min(1, Math.max(0, (lastT - start) / span)) });

  const flush = async () => {
    if (framesInBatch === 0) return;
    const p = progress();
    await req.sink.writeBatch(batch, p);
    req.onProgress?.(p);
    batch = [];
    framesInBatch = 0;
  };

  // Consumes the oldest in-flight frame; returns false once face_cnt is reached.
  const settleOldest = async (): Promise<boolean> => {
    const { frame, result } = inflight.shift()!;
    const r = await result;
    ms.detect += r.ms.detect;
    ms.cloth += r.ms.cloth;
    frames++;
    framesInBatch++;
    lastT = frame.t;
    if (r.faces.length === 0 && r.detected > 0) crowd++;
    const scale = frame.sourceWidth / frame.width;
    for (let k = 0; k < r.faces.length; k++) {
      if (o.face_cnt > 0 && faces >= o.face_cnt) {
        truncated = true;
        break;
      }
      const f = r.faces[k];
      batch.push({
        frame: frame.index,
        k,
        t: frame.t,
        box: f.box.map((v) => Math.round(v * scale * 10) / 10) as Box,
        score: f.score,
        face: f.face,
        cloth: f.cloth,
        thumbnail: Buffer.from(f.thumbnail.buffer, f.thumbnail.byteOffset, f.thumbnail.byteLength),
        body: Buffer.from(f.body.buffer, f.body.byteOffset, f.body.byteLength),
        sharpness: f.sharpness,
        yaw: f.yaw,
        shot: frame.shot,
        descriptorVersion,
        chip: f.chip,
      });
      faces++;
    }
    if (framesInBatch >= o.frame_batch_size) await flush();
    if (o.face_cnt > 0 && faces >= o.face_cnt) truncated = true;
    return !truncated;
  };

  let done = false;
  try {
    let tDecode = performance.now();
    for (;;) {
      const r = await next;
      if (r.done) {
        done = true;
        break;
      }
      const frame = r.value;
      ms.decode += performance.now() - tDecode;
      if (req.signal?.aborted) throw req.signal.reason ?? new Error('aborted');
      inflight.push({
        frame,
        result: pool.analyze({
          rgb: frame.data,
          width: frame.width,
          height: frame.height,
          minScore: o.min_face_score,
          maxFaces: o.max_faces_per_frame,
          clothEncoder: o.cloth_encoder,
          chips: o.face_chips,
        }),
      });
      let go = true;
      while (go && inflight.length >= maxInflight) go = await settleOldest();
      if (!go) break;
      tDecode = performance.now();
      next = iter.next();
    }
    while (!truncated && inflight.length > 0) if (!(await settleOldest())) break;
    await flush();
  } finally {
    // An early stop (face_cnt, an error) stops ffmpeg, as leaving a for-await loop would.
    if (!done) await iter.return(undefined).catch(() => {});
    // Results still in flight after an early stop are dropped, but must settle before the pool closes.
    await Promise.allSettled(inflight.map((x) => x.result));
    if (!req.pool) await pool.close();
  }

  return {
    video,
    frames,
    faces,
    crowd_frames: crowd,
    truncated,
    timings: { total_ms: performance.now() - started, decode_ms: ms.decode, detect_ms: ms.detect, cloth_ms: ms.cloth },
    backend: pool.backend,
  };
}
