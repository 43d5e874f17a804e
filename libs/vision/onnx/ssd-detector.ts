export { loadOrt } from './runtime.js';
import { MODEL_DIR } from '../models.js';
import { buildSsdOnnx, readTfjsWeights, SSD_INPUT, SSD_MANIFEST } from './ssd-model.js';
import { createSession } from './runtime.js';
import { decodeBoxes, faceScores, ssdDetections, type SsdDetection } from './ssd-postprocess.js';
import { cachedModel } from './model-cache.js';

export interface OnnxSsdDetector {
  /** Faces in an RGB frame (rows of width*3 values 0..255), as face-api's ssdMobilenetv1.locateFaces finds them. */
  detect(rgb: ArrayLike<number>, width: number, height: number, opts: { minScore: number; maxResults: number }): Promise<SsdDetection[]>;
  /** Every anchor's decoded box ([ymin, xmin, ymax, xmax] in the padded square, 0..1) and face score, before NMS. */
  raw(rgb: ArrayLike<number>, width: number, height: number): Promise<{ boxes: Float32Array; scores: Float32Array }>;
  /** onnxruntime intra-op threads of this session. */
  readonly threads: number;
  /** Frees the onnxruntime session once its runs in flight have finished; unusable after. */
  release(): Promise<void>;
}

/**
 * face-api's preprocessing (NetInput.toBatchTensor(512, false) then x / 127.5 - 1): pad the image with
 * black at the bottom or right to a square, resize it bilinearly to 512x512 the way TF.js'
 * resizeBilinear does without align-corners or half-pixel centres, map to [-1, 1]; written NCHW.
 */
export function ssdInput(rgb: ArrayLike<number>, width: number, height: number, out = new Float32Array(3 * SSD_INPUT * SSD_INPUT)): Float32Array {
  const side = Math.max(width, height);
  const scale = side / SSD_INPUT;
  const plane = SSD_INPUT * SSD_INPUT;
  // Source columns and weights per output column. A source pixel past the image's right or bottom edge
  // is padding: 0 before normalisation (index -1 below).
  const x0 = new Int32Array(SSD_INPUT);
  const x1 = new Int32Array(SSD_INPUT);
  const fx = new Float64Array(SSD_INPUT);
  for (let c = 0; c < SSD_INPUT; c++) {
    const s = c * scale;
    const a = Math.floor(s);
    const b = Math.min(side - 1, Math.ceil(s));
    x0[c] = a < width ? a * 3 : -1;
    x1[c] = b < width ? b * 3 : -1;
    fx[c] = s - a;
  }
  const at = (row: number, col: number, ch: number) => (row < 0 || col < 0 ? 0 : rgb[row + col + ch]);
  for (let r = 0; r < SSD_INPUT; r++) {
    const s = r * scale;
    const a = Math.floor(s);
    const b = Math.min(side - 1, Math.ceil(s));
    const fy = s - a;
    const row0 = a < height ? a * width * 3 : -1;
    const row1 = b < height ? b * width * 3 : -1;
    const o = r * SSD_INPUT;
    if (row0 < 0 && row1 < 0) {
      for (let ch = 0; ch < 3; ch++) out.fill(-1, ch * plane + o, ch * plane + o + SSD_INPUT);
      continue;
    }
    for (let c = 0; c < SSD_INPUT; c++) {
      const c0 = x0[c];
      const c1 = x1[c];
      const f = fx[c];
      for (let ch = 0; ch < 3; ch++) {
        const tl = at(row0, c0, ch);
        const tr = at(row0, c1, ch);
        const bl = at(row1, c0, ch);
        const br = at(row1, c1, ch);
        const top = tl + (tr - tl) * f;
        const bottom = bl + (br - bl) * f;
        out[ch * plane + o + c] = (top + (bottom - top) * fy) / 127.5 - 1;
      }
    }
  }
  return out;
}

/**
 * face-api's SSD detector on onnxruntime's native CPU kernels: the ONNX graph is built in memory from
 * face-api's own weights at first use (no file, nothing to cache or keep in step). `threads` is
 * onnxruntime's intra-op thread count for this session.
 */
export async function createOnnxSsdDetector(opts: { threads?: number } = {}): Promise<OnnxSsdDetector> {
  const weights = readTfjsWeights(MODEL_DIR, SSD_MANIFEST);
  const anchors = weights.get('Output/extra_dim').data;
  const threads = opts.threads ?? 1;
  const session = await createSession(
    cachedModel(MODEL_DIR, SSD_MANIFEST, () => buildSsdOnnx(weights)),
    threads,
  );
  const input = new Float32Array(3 * SSD_INPUT * SSD_INPUT);
  let busy = Promise.resolve();
  /** The net's raw outputs; one run at a time, since the input buffer is reused. */
  const infer = (rgb: ArrayLike<number>, width: number, height: number) => {
    const run = busy.then(async () => {
      ssdInput(rgb, width, height, input);
      const out = await session.run({ image: new session.rt.Tensor('float32', input, [1, 3, SSD_INPUT, SSD_INPUT]) });
      return { encodings: out.box_encodings.data as Float32Array, logits: out.class_logits.data as Float32Array };
    });
    busy = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  };
  return {
    release: () => session.release(),
    threads,
    async raw(rgb, width, height) {
      const { encodings, logits } = await infer(rgb, width, height);
      return { boxes: decodeBoxes(encodings, anchors), scores: faceScores(logits) };
    },
    async detect(rgb, width, height, o) {
      const { encodings, logits } = await infer(rgb, width, height);
      return ssdDetections(encodings, logits, anchors, { width, height }, { ...o, inputSize: SSD_INPUT });
    },
  };
}
