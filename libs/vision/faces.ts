import { faceapi, tf } from './tf.js';
import type { Rect } from './cloth-region.js';
import { landmarkYaw } from './face-quality.js';
import { tfjsDetector, type FaceDetector } from './detector.js';

type Tensor3D = ReturnType<typeof tf.tensor3d>;

export interface DetectedFace {
  /** Box in the pixels of the image given (x, y, w, h). */
  box: Rect;
  score: number;
  /** 128-d descriptor of the dlib-aligned face (face-api's recognition net). */
  descriptor: Float32Array;
  /** Head turn from the landmarks ({@link landmarkYaw}): about 0 when frontal. */
  yaw: number;
}

export interface DetectResult {
  /** Number of faces the detector found (also when descriptors were skipped). */
  count: number;
  faces: DetectedFace[];
}

/**
 * Detects faces, then computes 68 landmarks and a descriptor for each — unless more than
 * `maxFaces` were found (a crowd shot the method skips), in which case the costly landmark and
 * descriptor nets are not run at all. Same steps as face-api's
 * detectAllFaces().withFaceLandmarks().withFaceDescriptors(), split so the crowd check comes first;
 * the SSD detector, the landmark and descriptor nets run on `detector` (default: face-api on TF.js; `rgb`: the image's bytes, if at hand),
 * the face crops and alignment on TF.js.
 */
export async function detectFaces(
  image: Tensor3D,
  opts: { minScore: number; maxFaces: number; detector?: FaceDetector; rgb?: Uint8Array },
): Promise<DetectResult> {
  const detector = opts.detector ?? tfjsDetector;
  const detections = await detector.locate(image, { minScore: opts.minScore, maxResults: 100, rgb: opts.rgb });
  if (detections.length === 0 || detections.length > opts.maxFaces) return { count: detections.length, faces: [] };

  // face-api declares its own copy of the tfjs types; the runtime objects are the same tfjs instance.
  const input = image as unknown as Parameters<typeof faceapi.extractFaceTensors>[0];
  const faceTensors = await faceapi.extractFaceTensors(input, detections);
  const landmarks = await detector.landmarks(faceTensors as unknown as Tensor3D[]);
  tf.dispose(faceTensors as unknown as Tensor3D[]);

  const aligned = detections.map((d, i) => {
    const withLandmarks = faceapi.extendWithFaceLandmarks(faceapi.extendWithFaceDetection({}, d), landmarks[i]);
    return withLandmarks.landmarks.align(null, { useDlibAlignment: true });
  });
  const chips = await faceapi.extractFaceTensors(input, aligned);
  const descriptors = await detector.describe(chips as unknown as Tensor3D[]);
  const faces = detections.map((d, i): DetectedFace => {
    const b = d.box;
    return { box: [b.x, b.y, b.width, b.height], score: d.score, descriptor: descriptors[i], yaw: landmarkYaw(landmarks[i].positions) };
  });
  tf.dispose(chips as unknown as Tensor3D[]);
  return { count: detections.length, faces };
}
