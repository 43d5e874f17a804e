/** [x, y, w, h] in pixels of some image. */
export type Rect = [x: number, y: number, w: number, h: number];

/**
 * The clothing region of a face box, as the reference method defines it:
 * x in [left - w, left + 2w], y in [bottom + 0.2h, bottom + h] with bottom = top + h.
 * Not clamped: the parts outside the frame are padded with black by the crop (so a face at the
 * frame's edge keeps the same geometry as one in the middle).
 */
export function clothRegion([left, top, w, h]: Rect): Rect {
  const bottom = top + h;
  return [left - w, bottom + 0.2 * h, 3 * w, 0.8 * h];
}

/** The "upper body" thumbnail region: the face box grown by one face size on each side. */
export function bodyRegion([x, y, w, h]: Rect): Rect {
  return [x - w, y - h, 3 * w, 3 * h];
}

/** Intersection of a rect with the image, in whole pixels; null when empty. */
export function clampRect([x, y, w, h]: Rect, width: number, height: number): Rect | null {
  const x0 = Math.max(0, Math.floor(x));
  const y0 = Math.max(0, Math.floor(y));
  const x1 = Math.min(width, Math.ceil(x + w));
  const y1 = Math.min(height, Math.ceil(y + h));
  return x1 > x0 && y1 > y0 ? [x0, y0, x1 - x0, y1 - y0] : null;
}

/** A rect as tf.image.cropAndResize wants it: [y1, x1, y2, x2] normalised by the image size (may leave [0, 1]). */
export function normalisedBox([x, y, w, h]: Rect, width: number, height: number): [number, number, number, number] {
  return [y / height, x / width, (y + h) / height, (x + w) / width];
}

/** Share of a rect's area that lies inside the image (0 when the rect is empty). */
export function visibleFraction(rect: Rect, width: number, height: number): number {
  const area = rect[2] * rect[3];
  if (area <= 0) return 0;
  const c = clampRect(rect, width, height);
  const iw = c ? Math.min(rect[0] + rect[2], width) - Math.max(rect[0], 0) : 0;
  const ih = c ? Math.min(rect[1] + rect[3], height) - Math.max(rect[1], 0) : 0;
  return c ? (iw * ih) / area : 0;
}
