import type { ClothEncoderName, FaceChipMode } from '../config/index.js';
import { descriptorsByVersion, type ChipKind } from './descriptor-version.js';
import { clothRegion, visibleFraction, type Rect } from './cloth-region.js';
import { faceThumbnails } from './crops.js';
import { faceSharpness } from './face-quality.js';
import { createClothEncoder, type ClothEncoder } from './encoders/index.js';
import { detectFaces } from './faces.js';
import type { FaceDetector } from './detector.js';
import { tf } from './tf.js';

/** Below this share of the clothing region inside the frame, the clothing vector is zero. */
export const MIN_CLOTH_VISIBLE = 0.25;

export interface FrameInput {
  rgb: Buffer;
  width: number;
  height: number;
}

export interface FrameFace {
  /** Box in the frame's pixels. */
  box: Rect;
  score: number;
  face: Float32Array;
  cloth: Float32Array;
  thumbnail: Buffer;
  body: Buffer;
  /** Quality features (libs/vision/face-quality.ts): focus measure of the face box, head turn. */
  sharpness: number;
  yaw: number;
  /** The chip `face` was computed on. */
  chip: ChipKind;
  /** With `allChips`: the face's descriptor in every descriptor version (search photos). */
  byVersion?: Map<number, Float32Array>;
}

export interface FrameAnalysis {
  /** Faces found by the detector; `faces` is empty when this exceeds maxFaces (crowd shot). */
  detected: number;
  faces: FrameFace[];
  ms: { detect: number; cloth: number; crops: number };
}

export interface FrameAnalyzerOptions {
  minScore: number;
  maxFaces: number;
  clothEncoder: ClothEncoderName;
  /** The SSD's runtime (initDetector); default face-api on TF.js. */
  detector?: FaceDetector;
  /** The chips the descriptors are computed on; default DEFAULT_EXTRACT.face_chips. */
  chips?: FaceChipMode;
  /** Describe every face on both chips, so that it can be compared with stored faces of any version. */
  allChips?: boolean;
}

/** Everything the pipeline needs from one frame: faces, descriptors, clothing vectors, thumbnails. */
export function createFrameAnalyzer(opts: FrameAnalyzerOptions): (frame: FrameInput) => Promise<FrameAnalysis> {
  const encoder: ClothEncoder = createClothEncoder(opts.clothEncoder);
  return async (frame) => {
    const t0 = performance.now();
    const image = tf.tensor3d(new Uint8Array(frame.rgb.buffer, frame.rgb.byteOffset, frame.rgb.byteLength), [frame.height, frame.width, 3], 'int32');
    try {
      const det = await detectFaces(image, {
        minScore: opts.minScore,
        maxFaces: opts.maxFaces,
        detector: opts.detector,
        rgb: frame.rgb,
        chips: opts.chips,
        allChips: opts.allChips,
      });
      const t1 = performance.now();
      const regions = det.faces.map((f) => clothRegion(f.box));
      const encoded = await encoder.encode({ image, rgb: frame.rgb, width: frame.width, height: frame.height, regions });
      // A clothing region mostly outside the frame (a close-up, a face chip) shows padding, not
      // clothes: report "no clothing evidence" (zero vector) rather than a vector of black.
      const cloth = encoded.map((v, i) => (visibleFraction(regions[i], frame.width, frame.height) < MIN_CLOTH_VISIBLE ? new Float32Array(v.length) : v));
      const t2 = performance.now();
      const thumbs = await Promise.all(det.faces.map((f) => faceThumbnails(frame.rgb, frame.width, frame.height, f.box)));
      const sharpness = await Promise.all(det.faces.map((f) => faceSharpness(frame.rgb, frame.width, frame.height, f.box)));
      const t3 = performance.now();
      return {
        detected: det.count,
        faces: det.faces.map((f, i) => ({
          box: f.box,
          score: f.score,
          face: f.descriptor,
          cloth: cloth[i],
          ...thumbs[i],
          sharpness: sharpness[i],
          yaw: f.yaw,
          chip: f.chip,
          ...(f.descriptors ? { byVersion: descriptorsByVersion(f.descriptors, f.trusted) } : {}),
        })),
        ms: { detect: t1 - t0, cloth: t2 - t1, crops: t3 - t2 },
      };
    } finally {
      image.dispose();
    }
  };
}
