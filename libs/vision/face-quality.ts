import sharp from 'sharp';
import { clampRect, type Rect } from './cloth-region.js';

/** Side of the grayscale square on which sharpness is measured: one scale for every face size. */
export const SHARPNESS_SIDE = 64;

export interface Point {
  x: number;
  y: number;
}

/**
 * Horizontal head turn from the 68 landmarks (iBUG layout): the nose tip's offset from the eyes'
 * midpoint, measured along the eye axis (so a tilted head reads the same) and divided by the distance
 * between the eye centres. About 0 for a frontal face, ±0.5 or more for a half profile. Sign: positive
 * when the nose lies toward the second eye (landmarks 42-47). NaN when the eyes coincide.
 */
export function landmarkYaw(p: readonly Point[]): number {
  if (p.length < 48) throw new RangeError(`landmarkYaw: 68 landmarks expected, got ${p.length}`);
  const centre = (from: number) => {
    let x = 0,
      y = 0;
    for (let i = from; i < from + 6; i++) {
      x += p[i].x;
      y += p[i].y;
    }
    return { x: x / 6, y: y / 6 };
  };
  const a = centre(36),
    b = centre(42),
    nose = p[30];
  const ux = b.x - a.x,
    uy = b.y - a.y;
  const d = Math.hypot(ux, uy);
  if (d === 0) return NaN;
  const mx = (a.x + b.x) / 2,
    my = (a.y + b.y) / 2;
  return ((nose.x - mx) * ux + (nose.y - my) * uy) / (d * d);
}

/**
 * Variance of the Laplacian (4-neighbour kernel, valid pixels only) of a grayscale image given as
 * one byte per pixel: the usual focus measure. Blurred or flat images give low values.
 */
export function laplacianVariance(gray: Uint8Array | Buffer, width: number, height: number): number {
  if (width < 3 || height < 3) return 0;
  let sum = 0,
    sumSq = 0,
    n = 0;
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      const i = y * width + x;
      const v = gray[i - 1] + gray[i + 1] + gray[i - width] + gray[i + width] - 4 * gray[i];
      sum += v;
      sumSq += v * v;
      n++;
    }
  }
  const mean = sum / n;
  return sumSq / n - mean * mean;
}

/**
 * Sharpness of a face: {@link laplacianVariance} of its box (clamped to the frame) in grayscale,
 * resized to SHARPNESS_SIDE² so that faces of every size are judged at one scale (a small face, once
 * enlarged, reads as blurred: it carries less detail). 0 when the box lies outside the frame.
 */
export async function faceSharpness(rgb: Buffer, width: number, height: number, box: Rect): Promise<number> {
  const r = clampRect(box, width, height);
  if (!r) return 0;
  const gray = await sharp(rgb, { raw: { width, height, channels: 3 } })
    .extract({ left: r[0], top: r[1], width: r[2], height: r[3] })
    .greyscale()
    .resize(SHARPNESS_SIDE, SHARPNESS_SIDE, { fit: 'fill' })
    .raw()
    .toBuffer();
  // greyscale() output keeps one channel
  return laplacianVariance(gray, SHARPNESS_SIDE, SHARPNESS_SIDE);
}
