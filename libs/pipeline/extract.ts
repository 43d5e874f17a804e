import { probe, sampleFrames, type Frame } from '../media/index.js';
import { createFacePool, type FacePool, type FrameJobResult } from './face-pool.js';
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
  const video = await probe(req.path);
  const pool = req.pool ?? (await createFacePool({ size: req.workers }));
  const start = Math.max(o.skip_sec, req.start_s ?? 0);
  const endLimit = o.stop_sec > 0 ? o.stop_sec : Infinity;
  const end = Math.min(endLimit, req.end_s ?? Infinity, video.duration_s + 1);
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
      });
      faces++;
    }
    if (framesInBatch >= o.frame_batch_size) await flush();
    if (o.face_cnt > 0 && faces >= o.face_cnt) truncated = true;
    return !truncated;
  };

  try {
    let tDecode = performance.now();
    const iter = sampleFrames(req.path, o, { start_s: start, end_s: end, signal: req.signal });
    for await (const frame of iter) {
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
        }),
      });
      let go = true;
      while (go && inflight.length >= maxInflight) go = await settleOldest();
      if (!go) break;
      tDecode = performance.now();
    }
    while (!truncated && inflight.length > 0) if (!(await settleOldest())) break;
    await flush();
  } finally {
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
