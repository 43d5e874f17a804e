import sharp from 'sharp';
import { bodyRegion, clampRect, type Rect } from './cloth-region.js';

const FACE_THUMB = 112;
const BODY_THUMB = 192;

/**
 * JPEG crops of a packed RGB frame: the face box, and the upper body (face box grown by one face
 * size on each side). Both are clamped to the frame and downscaled to at most 112 / 192 px, so
 * thumbnails stay a few KB however large the video is.
 */
export async function faceThumbnails(rgb: Buffer, width: number, height: number, box: Rect): Promise<{ thumbnail: Buffer; body: Buffer }> {
  const [thumbnail, body] = await Promise.all([cropJpeg(rgb, width, height, box, FACE_THUMB), cropJpeg(rgb, width, height, bodyRegion(box), BODY_THUMB)]);
  return { thumbnail, body };
}

async function cropJpeg(rgb: Buffer, width: number, height: number, rect: Rect, maxSide: number): Promise<Buffer> {
  const r = clampRect(rect, width, height) ?? [0, 0, 1, 1];
  return sharp(rgb, { raw: { width, height, channels: 3 } })
    .extract({ left: r[0], top: r[1], width: r[2], height: r[3] })
    .resize({ width: maxSide, height: maxSide, fit: 'inside', withoutEnlargement: true })
    .jpeg({ quality: 85 })
    .toBuffer();
}
