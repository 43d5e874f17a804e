import { faceapi, tf } from './tf.js';
import type { Rect } from './cloth-region.js';
import { landmarkYaw } from './face-quality.js';
import { tfjsDetector, type FaceDetector } from './detector.js';
import { extractImageChip, faceChipDetails, DLIB_CHIP_SIZE, type ChipDetails } from './face-chip.js';
import { chipFit, trustChip, DEFAULT_CHIP_GUARD, type ChipFit, type ChipGuard } from './chip-trust.js';
import { DEFAULT_CHIP_MODE, type ChipKind, type ChipMode } from './descriptor-version.js';

type Tensor3D = ReturnType<typeof tf.tensor3d>;

export interface DetectedFace {
  /** Box in the pixels of the image given (x, y, w, h). */
  box: Rect;
  score: number;
  /** 128-d descriptor (face-api's recognition net) of the chip named by `chip`. */
  descriptor: Float32Array;
  /** Which chip the descriptor was computed on. */
  chip: ChipKind;
  /** How well dlib's chip fits this face's landmarks ({@link chipFit}); decides `chip` in 'guarded' mode. */
  fit: ChipFit;
  /** The guard's verdict on `fit` (dlib's chip in 'guarded' mode). */
  trusted: boolean;
  /** Head turn from the landmarks ({@link landmarkYaw}): about 0 when frontal. */
  yaw: number;
  /** Roll of the face in radians: the angle of dlib's chip in the image (0 upright). */
  roll: number;
  /** With `allChips`: the descriptor of each kind of chip (benches compare them on the same faces). */
  descriptors?: Record<ChipKind, Float32Array>;
}

export interface DetectResult {
  /** Number of faces the detector found (also when descriptors were skipped). */
  count: number;
  faces: DetectedFace[];
}

export interface DetectOptions {
  minScore: number;
  maxFaces: number;
  detector?: FaceDetector;
  /** The image's packed RGB bytes, if at hand (else read back from the tensor where needed). */
  rgb?: Uint8Array;
  /** Which chips the recognition net sees (descriptor-version.ts); default {@link DEFAULT_CHIP_MODE}. */
  chips?: ChipMode;
  /** The guard of 'guarded' mode; default {@link DEFAULT_CHIP_GUARD}. */
  guard?: ChipGuard;
  /** Also describe every face with both kinds of chip (DetectedFace.descriptors): twice the recognition cost. */
  allChips?: boolean;
}

/**
 * Detects faces, then computes 68 landmarks and a descriptor for each — unless more than
 * `maxFaces` were found (a crowd shot the method skips), in which case the costly landmark and
 * descriptor nets are not run at all. Same steps as face-api's
 * detectAllFaces().withFaceLandmarks().withFaceDescriptors(), split so the crowd check comes first;
 * the SSD detector, the landmark and descriptor nets run on `detector` (default: face-api on TF.js),
 * the face crops on TF.js. The chip each face is described on is face-api's (an axis-aligned square from
 * the eye and mouth centres), dlib's (face-chip.ts), or dlib's where its fit can be trusted (chip-trust.ts).
 */
export async function detectFaces(image: Tensor3D, opts: DetectOptions): Promise<DetectResult> {
  const detector = opts.detector ?? tfjsDetector;
  const detections = await detector.locate(image, { minScore: opts.minScore, maxResults: 100, rgb: opts.rgb });
  if (detections.length === 0 || detections.length > opts.maxFaces) return { count: detections.length, faces: [] };

  // face-api declares its own copy of the tfjs types; the runtime objects are the same tfjs instance.
  const input = image as unknown as Parameters<typeof faceapi.extractFaceTensors>[0];
  const faceTensors = await faceapi.extractFaceTensors(input, detections);
  const landmarks = await detector.landmarks(faceTensors as unknown as Tensor3D[]);
  tf.dispose(faceTensors as unknown as Tensor3D[]);

  const shapes = detections.map((d, i) => faceapi.extendWithFaceLandmarks(faceapi.extendWithFaceDetection({}, d), landmarks[i]).landmarks);
  const boxes = detections.map((d): Rect => [d.box.x, d.box.y, d.box.width, d.box.height]);
  const details = shapes.map((s) => faceChipDetails(s.positions));
  const fits = details.map((d, i) => chipFit(d, boxes[i]));
  const mode = opts.chips ?? DEFAULT_CHIP_MODE;
  const trusted = fits.map((f) => trustChip(f, opts.guard ?? DEFAULT_CHIP_GUARD));
  const kinds = trusted.map((t): ChipKind => (mode === 'guarded' ? (t ? 'dlib' : 'face-api') : mode));
  const wanted = (kind: ChipKind) => kinds.flatMap((k, i) => (opts.allChips || k === kind ? [i] : []));

  const byKind: Record<ChipKind, (Float32Array | undefined)[]> = { 'face-api': [], dlib: [] };
  const faceApiIdx = wanted('face-api');
  if (faceApiIdx.length > 0) {
    const aligned = faceApiIdx.map((i) => shapes[i].align(null, { useDlibAlignment: true }));
    const chips = await faceapi.extractFaceTensors(input, aligned);
    const out = await detector.describe(chips as unknown as Tensor3D[]);
    tf.dispose(chips as unknown as Tensor3D[]);
    faceApiIdx.forEach((i, k) => (byKind['face-api'][i] = out[k]));
  }
  const dlibIdx = wanted('dlib');
  if (dlibIdx.length > 0) {
    const rgb = opts.rgb ?? Uint8Array.from((await image.data()) as ArrayLike<number>);
    const [height, width] = image.shape;
    const chips = dlibIdx.map((i) => dlibChipTensor({ data: rgb, width, height }, details[i]));
    const out = await detector.describe(chips);
    tf.dispose(chips);
    dlibIdx.forEach((i, k) => (byKind.dlib[i] = out[k]));
  }

  const faces = detections.map((d, i): DetectedFace => {
    const face: DetectedFace = {
      box: boxes[i],
      score: d.score,
      descriptor: byKind[kinds[i]][i] as Float32Array,
      chip: kinds[i],
      fit: fits[i],
      trusted: trusted[i],
      yaw: landmarkYaw(landmarks[i].positions),
      roll: details[i].angle,
    };
    if (opts.allChips) face.descriptors = { 'face-api': byKind['face-api'][i] as Float32Array, dlib: byKind.dlib[i] as Float32Array };
    return face;
  });
  return { count: detections.length, faces };
}

function dlibChipTensor(img: { data: Uint8Array; width: number; height: number }, d: ChipDetails): Tensor3D {
  return tf.tensor3d(extractImageChip(img, d), [DLIB_CHIP_SIZE, DLIB_CHIP_SIZE, 3], 'int32');
}
