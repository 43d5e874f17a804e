import { createOnnxLandmarkNet, type OnnxLandmarkNet } from './onnx/landmark-net.js';
import { createOnnxRecognitionNet, type OnnxRecognitionNet } from './onnx/recognition-net.js';
import { createOnnxSsdDetector, loadOrt } from './onnx/ssd-detector.js';
import { loadFaceModels } from './models.js';
import { faceapi, tf } from './tf.js';

type Tensor3D = ReturnType<typeof tf.tensor3d>;
export type FaceDetection = InstanceType<typeof faceapi.FaceDetection>;
export type FaceLandmarks68 = InstanceType<typeof faceapi.FaceLandmarks68>;
export type DetectorName = 'onnx' | 'tfjs';

/**
 * face-api's SSD MobileNetV1 face detector, its 68-point landmark net and its recognition net (the
 * 128-d descriptor), on one runtime or another; same weights, same answers.
 */
export interface FaceDetector {
  /** 'onnx (onnxruntime-node 1.30.0, 1 thread)' or 'tfjs'. */
  readonly name: string;
  readonly kind: DetectorName;
  /**
   * Like face-api's ssdMobilenetv1.locateFaces: NMS at IoU 0.5, boxes in the image's pixels. `rgb`, the
   * image's own bytes where the caller has them, saves the onnx detector reading the tensor back.
   */
  locate(image: Tensor3D, opts: { minScore: number; maxResults: number; rgb?: Uint8Array }): Promise<FaceDetection[]>;
  /** Like face-api's faceLandmark68Net.detectLandmarks on each face image (the detections' crops). */
  landmarks(faces: Tensor3D[]): Promise<FaceLandmarks68[]>;
  /** Like face-api's faceRecognitionNet.computeFaceDescriptor on each aligned face chip. */
  describe(chips: Tensor3D[]): Promise<Float32Array[]>;
  /**
   * Frees native resources (onnxruntime sessions) once no call is in flight; the detector is unusable after.
   * A thread must do this before it ends: a native call cut short by Worker.terminate() can abort the process.
   */
  release(): Promise<void>;
}

export const tfjsDetector: FaceDetector = {
  name: 'tfjs',
  kind: 'tfjs',
  locate(image, opts) {
    return faceapi.nets.ssdMobilenetv1.locateFaces(image, new faceapi.SsdMobilenetv1Options({ minConfidence: opts.minScore, maxResults: opts.maxResults }));
  },
  async landmarks(faces) {
    const out: FaceLandmarks68[] = [];
    for (const face of faces) out.push((await faceapi.nets.faceLandmark68Net.detectLandmarks(face)) as FaceLandmarks68);
    return out;
  },
  async describe(chips) {
    const out: Float32Array[] = [];
    for (const chip of chips) out.push((await faceapi.nets.faceRecognitionNet.computeFaceDescriptor(chip)) as Float32Array);
    return out;
  },
  // face-api's nets are TF.js variables, shared by the thread: nothing native to free.
  async release() {},
};

/** The onnx landmark net on face-api's own input: its batch tensor (pad to a centred square, resize to 112). */
async function onnxLandmarks(net: OnnxLandmarkNet, faces: Tensor3D[]): Promise<FaceLandmarks68[]> {
  if (faces.length === 0) return [];
  const input = await faceapi.toNetInput(faces);
  const batch = input.toBatchTensor(112, true) as unknown as Tensor3D;
  const data = (await batch.data()) as Float32Array;
  batch.dispose();
  const sizes = faces.map((f) => ({ height: f.shape[0], width: f.shape[1] }));
  const points = await net.landmarks(data, sizes);
  return points.map((p, i) => {
    const xy = Array.from({ length: 68 }, (_, k) => new faceapi.Point(p[2 * k], p[2 * k + 1]));
    return new faceapi.FaceLandmarks68(xy, sizes[i]);
  });
}

/** The onnx recognition net on face-api's own input: its batch tensor (pad to a centred square, resize to 150). */
async function onnxDescribe(net: OnnxRecognitionNet, chips: Tensor3D[]): Promise<Float32Array[]> {
  // face-api answers a chip with an empty side with a zero descriptor; so do we.
  const valid = chips.filter((c) => c.shape.every((d) => d > 0));
  const out: Float32Array[] = chips.map(() => new Float32Array(128));
  if (valid.length === 0) return out;
  const input = await faceapi.toNetInput(valid);
  const batch = input.toBatchTensor(150, true) as unknown as Tensor3D;
  const data = (await batch.data()) as Float32Array;
  batch.dispose();
  const descriptors = await net.describe(data, valid.length);
  let k = 0;
  chips.forEach((c, i) => {
    if (c.shape.every((d) => d > 0)) out[i] = descriptors[k++];
  });
  return out;
}

let chosen: Promise<FaceDetector> | null = null;

/**
 * The detector of this process (memoised; one onnxruntime session per net and thread): onnxruntime's
 * native CPU kernels where the optional onnxruntime-node package loads (4-5x faster than TF.js wasm on the
 * SSD, 3.5x on the landmark net, 4.5x on the recognition net, measured in bench/RESULTS.md), else face-api on TF.js. KEYCAST_DETECTOR=onnx|tfjs forces one.
 * With a native TF.js backend (`nativeTf`: tfjs-node, GPU) the default stays TF.js: it is fast there.
 * `threads` is onnxruntime's intra-op thread count: 1 where the pipeline runs one thread per core.
 */
export function initDetector(opts: { prefer?: DetectorName; nativeTf?: boolean; threads?: number } = {}): Promise<FaceDetector> {
  const prefer = opts.prefer ?? (process.env.KEYCAST_DETECTOR as DetectorName | undefined) ?? (opts.nativeTf ? 'tfjs' : undefined);
  chosen ??= chooseDetector(prefer, opts.threads ?? 1);
  return chosen;
}

async function chooseDetector(prefer: DetectorName | undefined, threads: number): Promise<FaceDetector> {
  if (prefer !== undefined && prefer !== 'onnx' && prefer !== 'tfjs') throw new Error(`KEYCAST_DETECTOR must be onnx or tfjs, got ${String(prefer)}`);
  const tfjs = async () => {
    await loadFaceModels();
    return tfjsDetector;
  };
  if (prefer === 'tfjs') return tfjs();
  const ort = loadOrt();
  if (!ort) {
    if (prefer === 'onnx') throw new Error('KEYCAST_DETECTOR=onnx but onnxruntime-node is not installed or does not load');
    return tfjs();
  }
  const made = await Promise.allSettled([createOnnxSsdDetector({ threads }), createOnnxLandmarkNet({ threads }), createOnnxRecognitionNet({ threads })]);
  const failed = made.find((m) => m.status === 'rejected');
  if (failed) {
    // The sessions that did start are freed here: the caller has no handle on them.
    await Promise.allSettled(made.flatMap((m) => (m.status === 'fulfilled' ? [m.value.release()] : [])));
    throw failed.reason;
  }
  const [onnx, landmarkNet, recognition] = made.map((m) => (m as PromiseFulfilledResult<unknown>).value) as [
    Awaited<ReturnType<typeof createOnnxSsdDetector>>,
    OnnxLandmarkNet,
    OnnxRecognitionNet,
  ];
  const d: FaceDetector = {
    name: `onnx (onnxruntime-node ${ort.env.versions.node ?? '?'}, ${threads} thread${threads > 1 ? 's' : ''})`,
    kind: 'onnx',
    async locate(image, o) {
      const [height, width] = image.shape;
      const found = await onnx.detect(o.rgb ?? (await image.data()), width, height, o);
      return found.map((f) => new faceapi.FaceDetection(f.score, new faceapi.Rect(f.relBox.x, f.relBox.y, f.relBox.width, f.relBox.height), { width, height }));
    },
    landmarks: (faces) => onnxLandmarks(landmarkNet, faces),
    describe: (chips) => onnxDescribe(recognition, chips),
    async release() {
      await Promise.all([onnx.release(), landmarkNet.release(), recognition.release()]);
    },
  };
  return d;
}
