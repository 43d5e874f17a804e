import { createOnnxSsdDetector, loadOrt } from './onnx/ssd-detector.js';
import { faceapi, tf } from './tf.js';

type Tensor3D = ReturnType<typeof tf.tensor3d>;
export type FaceDetection = InstanceType<typeof faceapi.FaceDetection>;
export type DetectorName = 'onnx' | 'tfjs';

/** face-api's SSD MobileNetV1 face detector, on one runtime or another; same weights, same answers. */
export interface FaceDetector {
  /** 'onnx (onnxruntime-node 1.30.0, 1 thread)' or 'tfjs'. */
  readonly name: string;
  readonly kind: DetectorName;
  /**
   * Like face-api's ssdMobilenetv1.locateFaces: NMS at IoU 0.5, boxes in the image's pixels. `rgb`, the
   * image's own bytes where the caller has them, saves the onnx detector reading the tensor back.
   */
  locate(image: Tensor3D, opts: { minScore: number; maxResults: number; rgb?: Uint8Array }): Promise<FaceDetection[]>;
}

export const tfjsDetector: FaceDetector = {
  name: 'tfjs',
  kind: 'tfjs',
  locate(image, opts) {
    return faceapi.nets.ssdMobilenetv1.locateFaces(image, new faceapi.SsdMobilenetv1Options({ minConfidence: opts.minScore, maxResults: opts.maxResults }));
  },
};

let chosen: Promise<FaceDetector> | null = null;

/**
 * The detector of this process (memoised; one onnxruntime session per thread): onnxruntime's native
 * CPU kernels where the optional onnxruntime-node package loads (4-5x faster than TF.js wasm on the
 * SSD, measured in bench/RESULTS.md), else face-api on TF.js. KEYCAST_DETECTOR=onnx|tfjs forces one.
 * With a native TF.js backend (`nativeTf`: tfjs-node, GPU) the default stays TF.js: it is fast there.
 * `threads` is onnxruntime's intra-op thread count: 1 where the pipeline runs one thread per core.
 */
export function initDetector(opts: { prefer?: DetectorName; nativeTf?: boolean; threads?: number; log?: (msg: string) => void } = {}): Promise<FaceDetector> {
  const prefer = opts.prefer ?? (process.env.KEYCAST_DETECTOR as DetectorName | undefined) ?? (opts.nativeTf ? 'tfjs' : undefined);
  chosen ??= chooseDetector(prefer, opts.threads ?? 1, opts.log);
  return chosen;
}

async function chooseDetector(prefer: DetectorName | undefined, threads: number, log?: (msg: string) => void): Promise<FaceDetector> {
  if (prefer !== undefined && prefer !== 'onnx' && prefer !== 'tfjs') throw new Error(`KEYCAST_DETECTOR must be onnx or tfjs, got ${String(prefer)}`);
  if (prefer === 'tfjs') return tfjsDetector;
  const ort = loadOrt();
  if (!ort) {
    if (prefer === 'onnx') throw new Error('KEYCAST_DETECTOR=onnx but onnxruntime-node is not installed or does not load');
    return tfjsDetector;
  }
  const onnx = await createOnnxSsdDetector({ threads });
  const d: FaceDetector = {
    name: `onnx (onnxruntime-node ${ort.env.versions.node ?? '?'}, ${threads} thread${threads > 1 ? 's' : ''})`,
    kind: 'onnx',
    async locate(image, o) {
      const [height, width] = image.shape;
      const found = await onnx.detect(o.rgb ?? (await image.data()), width, height, o);
      return found.map((f) => new faceapi.FaceDetection(f.score, new faceapi.Rect(f.relBox.x, f.relBox.y, f.relBox.width, f.relBox.height), { width, height }));
    },
  };
  log?.(`keycast: face detector ${d.name}`);
  return d;
}
