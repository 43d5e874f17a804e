import { MODEL_DIR } from '../models.js';
import { buildRecognitionOnnx, RECOGNITION_INPUT, RECOGNITION_MANIFEST } from './recognition-model.js';
import { createSession } from './runtime.js';
import { cachedNet } from './model-cache.js';

export interface OnnxRecognitionNet {
  /**
   * 128-d descriptors of `n` faces given as face-api's batch tensor (NetInput.toBatchTensor(150, true)):
   * NHWC float32 [n, 150, 150, 3] of 0..255.
   */
  describe(batch: Float32Array, n: number): Promise<Float32Array[]>;
  /** Frees the onnxruntime session once its runs in flight have finished; unusable after. */
  release(): Promise<void>;
}

/** face-api's FaceRecognitionNet on onnxruntime's CPU kernels; the graph is built from face-api's weights at first use. */
export async function createOnnxRecognitionNet(opts: { threads?: number } = {}): Promise<OnnxRecognitionNet> {
  const model = cachedNet(MODEL_DIR, RECOGNITION_MANIFEST, buildRecognitionOnnx);
  const session = await createSession(model, opts.threads ?? 1);
  return {
    release: () => session.release(),
    async describe(batch, n) {
      const out = await session.run({ image: new session.rt.Tensor('float32', batch, [n, RECOGNITION_INPUT, RECOGNITION_INPUT, 3]) });
      const all = out.descriptor.data as Float32Array;
      return Array.from({ length: n }, (_, i) => all.slice(i * 128, (i + 1) * 128));
    },
  };
}
