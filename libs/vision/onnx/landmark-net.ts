import { MODEL_DIR } from '../models.js';
import { buildLandmarkOnnx, LANDMARK_INPUT, LANDMARK_MANIFEST } from './landmark-model.js';
import { createSession } from './runtime.js';
import { cachedNet } from './model-cache.js';

export interface OnnxLandmarkNet {
  /**
   * The 68 points of `sizes.length` faces given as face-api's batch tensor (NetInput.toBatchTensor(112, true)):
   * NHWC float32 [n, 112, 112, 3] of 0..255; `sizes`: each face image's size before padding and resizing.
   * Points as x0, y0, x1, y1, ... relative to that face image (0..1 inside it).
   */
  landmarks(batch: Float32Array, sizes: { width: number; height: number }[]): Promise<Float32Array[]>;
  /** Frees the onnxruntime session once its runs in flight have finished; unusable after. */
  release(): Promise<void>;
}

/**
 * face-api's FaceLandmark68NetBase.postProcess: from the padded square back to the face image, in
 * float32 like its tensor ops (times the input size, minus the centring pad, over the scaled side).
 */
export function landmarkPositions(raw: Float32Array, size: { width: number; height: number }): Float32Array {
  const f = Math.fround;
  const scale = LANDMARK_INPUT / Math.max(size.height, size.width);
  const w = size.width * scale;
  const h = size.height * scale;
  const padX = f(w < h ? Math.abs(w - h) / 2 : 0);
  const padY = f(h < w ? Math.abs(w - h) / 2 : 0);
  const out = new Float32Array(136);
  for (let i = 0; i < 136; i += 2) {
    out[i] = f(f(f(raw[i] * LANDMARK_INPUT) - padX) / f(w));
    out[i + 1] = f(f(f(raw[i + 1] * LANDMARK_INPUT) - padY) / f(h));
  }
  return out;
}

/** face-api's FaceLandmark68Net on onnxruntime's CPU kernels; the graph is built from face-api's weights at first use. */
export async function createOnnxLandmarkNet(opts: { threads?: number } = {}): Promise<OnnxLandmarkNet> {
  const model = cachedNet(MODEL_DIR, LANDMARK_MANIFEST, buildLandmarkOnnx);
  const session = await createSession(model, opts.threads ?? 1);
  return {
    release: () => session.release(),
    async landmarks(batch, sizes) {
      const n = sizes.length;
      const out = await session.run({ image: new session.rt.Tensor('float32', batch, [n, LANDMARK_INPUT, LANDMARK_INPUT, 3]) });
      const all = out.landmarks.data as Float32Array;
      return sizes.map((s, i) => landmarkPositions(all.subarray(i * 136, (i + 1) * 136), s));
    },
  };
}
