import type { Point } from './face-quality.js';

/**
 * dlib's face chips (dlib/image_transforms/interpolation.h: get_face_chip_details, extract_image_chip),
 * the input dlib's ResNet face model — face-api's recognition net — was trained on: a least-squares
 * similarity transform (rotation, scale, translation) of 33 of the 68 landmarks onto dlib's mean face,
 * a square chip around it with padding, sampled bilinearly from the frame (black outside it), through
 * dlib's pyramid_down<2> first where the chip is much smaller than the face.
 */

/** dlib's mean face: points 17-67 of the 68-point (iBUG) layout, in units of the face's width. */
const MEAN_FACE_X = [
  0.000213256, 0.0752622, 0.18113, 0.29077, 0.393397, 0.586856, 0.689483, 0.799124, 0.904991, 0.98004, 0.490127, 0.490127, 0.490127, 0.490127, 0.36688,
  0.426036, 0.490127, 0.554217, 0.613373, 0.121737, 0.187122, 0.265825, 0.334606, 0.260918, 0.182743, 0.645647, 0.714428, 0.793132, 0.858516, 0.79751, 0.719335,
  0.254149, 0.340985, 0.428858, 0.490127, 0.551395, 0.639268, 0.726104, 0.642159, 0.556721, 0.490127, 0.423532, 0.338094, 0.290379, 0.428096, 0.490127,
  0.552157, 0.689874, 0.553364, 0.490127, 0.42689,
];
const MEAN_FACE_Y = [
  0.106454, 0.038915, 0.0187482, 0.0344891, 0.0773906, 0.0773906, 0.0344891, 0.0187482, 0.038915, 0.106454, 0.203352, 0.307009, 0.409805, 0.515625, 0.587326,
  0.609345, 0.628106, 0.609345, 0.587326, 0.216423, 0.178758, 0.179852, 0.231733, 0.245099, 0.244077, 0.231733, 0.179852, 0.178758, 0.216423, 0.244077,
  0.245099, 0.780233, 0.745405, 0.727388, 0.742578, 0.727388, 0.745405, 0.780233, 0.864805, 0.902192, 0.909281, 0.902192, 0.864805, 0.784792, 0.778746,
  0.785343, 0.778746, 0.784792, 0.824182, 0.831803, 0.824182,
];

/**
 * The landmarks dlib fits: 27-54 (nose, eyes, the outer lip's upper half and corners) and 60-64 (the
 * inner lip's upper half); the jaw, the eyebrows and the lower lip move too much with expression.
 */
export const CHIP_LANDMARKS: readonly number[] = Array.from({ length: 51 }, (_, k) => k + 17).filter((i) => !(i <= 26 || (i >= 55 && i <= 59) || i >= 65));

/** The chip the recognition net was trained on: 150 px, padding 0.25 (dlib's dnn_face_recognition_ex). */
export const DLIB_CHIP_SIZE = 150;
export const DLIB_CHIP_PADDING = 0.25;

/** dlib's drectangle: inclusive corners, so width = right - left + 1. */
export interface DRect {
  left: number;
  top: number;
  right: number;
  bottom: number;
}
const rectWidth = (r: DRect) => (r.right < r.left ? 0 : r.right - r.left + 1);
const rectHeight = (r: DRect) => (r.bottom < r.top ? 0 : r.bottom - r.top + 1);
const rectArea = (r: DRect) => rectWidth(r) * rectHeight(r);

/** x' = a·x − b·y + tx, y' = b·x + a·y + ty: rotation by atan2(b, a), scale hypot(a, b). */
export interface Similarity {
  a: number;
  b: number;
  tx: number;
  ty: number;
}

export const applySimilarity = (s: Similarity, p: Point): Point => ({ x: s.a * p.x - s.b * p.y + s.tx, y: s.b * p.x + s.a * p.y + s.ty });

/**
 * The least-squares similarity transform taking `from` onto `to` (dlib's find_similarity_transform,
 * Umeyama's method; in 2-D its closed form is a complex ratio: Σ conj(f)·t / Σ |f|² of the centred points).
 */
export function fitSimilarity(from: readonly Point[], to: readonly Point[]): Similarity {
  if (from.length !== to.length || from.length < 2) throw new RangeError(`fitSimilarity: ${from.length} and ${to.length} points`);
  const n = from.length;
  let fx = 0,
    fy = 0,
    tx = 0,
    ty = 0;
  for (let i = 0; i < n; i++) {
    fx += from[i].x;
    fy += from[i].y;
    tx += to[i].x;
    ty += to[i].y;
  }
  fx /= n;
  fy /= n;
  tx /= n;
  ty /= n;
  let re = 0,
    im = 0,
    den = 0;
  for (let i = 0; i < n; i++) {
    const ax = from[i].x - fx,
      ay = from[i].y - fy,
      bx = to[i].x - tx,
      by = to[i].y - ty;
    re += ax * bx + ay * by;
    im += ax * by - ay * bx;
    den += ax * ax + ay * ay;
  }
  const a = den > 0 ? re / den : 0,
    b = den > 0 ? im / den : 0;
  return { a, b, tx: tx - (a * fx - b * fy), ty: ty - (b * fx + a * fy) };
}

/** Where the template puts each of {@link CHIP_LANDMARKS} in a chip of `size` px with `padding` (dlib's formula). */
export function templatePoints(size = DLIB_CHIP_SIZE, padding = DLIB_CHIP_PADDING): Point[] {
  return CHIP_LANDMARKS.map((i) => ({
    x: ((padding + MEAN_FACE_X[i - 17]) / (2 * padding + 1)) * size,
    y: ((padding + MEAN_FACE_Y[i - 17]) / (2 * padding + 1)) * size,
  }));
}

/** dlib's chip_details: the rotated rectangle of the image that becomes the chip. */
export interface ChipDetails {
  rect: DRect;
  /** Radians, the chip's x axis in the image. */
  angle: number;
  rows: number;
  cols: number;
  /** The fit, chip pixels to image pixels. */
  transform: Similarity;
  /**
   * Root-mean-square distance, in chip pixels, between the landmarks (mapped into the chip) and the
   * template's points: how far the face's shape is from a similarity of the mean face. A scrambled shape
   * (the landmark net lost on a small or turned face) fits badly; a good frontal face, a few pixels.
   */
  residual: number;
}

/** dlib's get_face_chip_details for 68 landmarks (image pixels), plus the fit's residual. */
export function faceChipDetails(landmarks: readonly Point[], size = DLIB_CHIP_SIZE, padding = DLIB_CHIP_PADDING): ChipDetails {
  if (landmarks.length !== 68) throw new RangeError(`faceChipDetails: 68 landmarks expected, got ${landmarks.length}`);
  const from = templatePoints(size, padding);
  const to = CHIP_LANDMARKS.map((i) => landmarks[i]);
  const transform = fitSimilarity(from, to);
  const angle = Math.atan2(transform.b, transform.a);
  const scale = Math.hypot(transform.a, transform.b);
  const centre = applySimilarity(transform, { x: size / 2, y: size / 2 });
  // dlib's centered_drect: an inclusive rectangle of width × height pixels around the centre.
  const w = size * scale - 1,
    h = size * scale - 1;
  const rect = { left: centre.x - w / 2, top: centre.y - h / 2, right: centre.x + w / 2, bottom: centre.y + h / 2 };
  let sq = 0;
  if (scale > 0) {
    // The inverse similarity maps the image's landmarks into the chip.
    const inv = { a: transform.a / scale ** 2, b: -transform.b / scale ** 2 };
    to.forEach((p, k) => {
      const dx = p.x - transform.tx,
        dy = p.y - transform.ty;
      const cx = inv.a * dx - inv.b * dy,
        cy = inv.b * dx + inv.a * dy;
      sq += (cx - from[k].x) ** 2 + (cy - from[k].y) ** 2;
    });
  }
  return { rect, angle, rows: size, cols: size, transform, residual: scale > 0 ? Math.sqrt(sq / to.length) : Infinity };
}

/** A packed RGB image (3 bytes a pixel, rows top to bottom). */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/** dlib's pyramid_down<2>: where a point of the finer level lands on the coarser one. */
const pointDown = (p: Point): Point => ({ x: p.x / 2 - 1.25, y: p.y / 2 - 0.75 });
const rectDown = (r: DRect): DRect => {
  const tl = pointDown({ x: r.left, y: r.top }),
    br = pointDown({ x: r.right, y: r.bottom });
  return { left: tl.x, top: tl.y, right: br.x, bottom: br.y };
};

/**
 * dlib's pyramid_down<2> on RGB: a 5×5 binomial filter ([1 4 6 4 1]² / 256, integer sums) keeping every
 * other row and column; (n − 3) / 2 pixels a side; empty below 9 pixels.
 */
export function pyramidDown2(img: RgbImage): RgbImage {
  if (img.width <= 8 || img.height <= 8) return { data: new Uint8Array(0), width: 0, height: 0 };
  const ow = Math.floor((img.width - 3) / 2),
    oh = Math.floor((img.height - 3) / 2);
  const w = [1, 4, 6, 4, 1];
  // Row filter first (every other column), as dlib does, on all rows.
  const tmp = new Uint32Array(img.height * ow * 3);
  for (let r = 0; r < img.height; r++) {
    for (let c = 0; c < ow; c++) {
      for (let ch = 0; ch < 3; ch++) {
        let s = 0;
        for (let j = 0; j < 5; j++) s += w[j] * img.data[(r * img.width + 2 * c + j) * 3 + ch];
        tmp[(r * ow + c) * 3 + ch] = s;
      }
    }
  }
  const out = new Uint8Array(ow * oh * 3);
  for (let dr = 0; dr < oh; dr++) {
    for (let c = 0; c < ow; c++) {
      for (let ch = 0; ch < 3; ch++) {
        let s = 0;
        for (let k = 0; k < 5; k++) s += w[k] * tmp[((2 * dr + k) * ow + c) * 3 + ch];
        out[(dr * ow + c) * 3 + ch] = Math.floor(s / 256);
      }
    }
  }
  return { data: out, width: ow, height: oh };
}

function rotateAbout(centre: Point, p: Point, angle: number): Point {
  const c = Math.cos(angle),
    s = Math.sin(angle);
  const dx = p.x - centre.x,
    dy = p.y - centre.y;
  return { x: centre.x + c * dx - s * dy, y: centre.y + s * dx + c * dy };
}

/** A sub-image of whole pixels [x0, x1] × [y0, y1] (inclusive), copied. */
function crop(img: RgbImage, x0: number, y0: number, x1: number, y1: number): RgbImage {
  const width = x1 - x0 + 1,
    height = y1 - y0 + 1;
  const data = new Uint8Array(width * height * 3);
  for (let r = 0; r < height; r++) data.set(img.data.subarray(((y0 + r) * img.width + x0) * 3, ((y0 + r) * img.width + x1 + 1) * 3), r * width * 3);
  return { data, width, height };
}

/**
 * dlib's extract_image_chip with bilinear interpolation: the chip's pixels, RGB, rows × cols × 3.
 * Pixels whose four neighbours are not all inside the image are black.
 */
export function extractImageChip(img: RgbImage, d: ChipDetails): Uint8Array {
  const size = d.rows * d.cols;
  const chip = new Uint8Array(size * 3);
  // How deep the pyramid must go so that the chip is not a nearest-neighbour sampling of a larger face,
  // and the region (grown by 2 px per level against the filter's border) that it must cover.
  let rect = rectDown(d.rect);
  let grow = 2;
  while (rectArea(rect) > size) {
    rect = rectDown(rect);
    grow = grow * 2 + 2;
  }
  const centre = { x: (d.rect.left + d.rect.right) / 2, y: (d.rect.top + d.rect.bottom) / 2 };
  const corners = [
    { x: d.rect.left, y: d.rect.top },
    { x: d.rect.right, y: d.rect.top },
    { x: d.rect.left, y: d.rect.bottom },
    { x: d.rect.right, y: d.rect.bottom },
  ].map((p) => rotateAbout(centre, p, d.angle));
  const gl = Math.max(Math.min(...corners.map((p) => p.x)) - grow, 0);
  const gt = Math.max(Math.min(...corners.map((p) => p.y)) - grow, 0);
  const gr = Math.min(Math.max(...corners.map((p) => p.x)) + grow, img.width - 1);
  const gb = Math.min(Math.max(...corners.map((p) => p.y)) + grow, img.height - 1);
  // drectangle → rectangle rounds each side.
  const bx0 = Math.floor(gl + 0.5),
    by0 = Math.floor(gt + 0.5),
    bx1 = Math.floor(gr + 0.5),
    by1 = Math.floor(gb + 0.5);
  if (bx1 < bx0 || by1 < by0) return chip;
  let level = crop(img, bx0, by0, bx1, by1);
  let r: DRect = { left: d.rect.left - bx0, top: d.rect.top - by0, right: d.rect.right - bx0, bottom: d.rect.bottom - by0 };
  while (rectArea(rectDown(r)) > size) {
    r = rectDown(r);
    level = pyramidDown2(level);
  }
  // The affine map taking the chip's corners (0,0), (cols−1,0), (0,rows−1) to the rotated rectangle's.
  const c = { x: (r.left + r.right) / 2, y: (r.top + r.bottom) / 2 };
  const tl = rotateAbout(c, { x: r.left, y: r.top }, d.angle);
  const tr = rotateAbout(c, { x: r.right, y: r.top }, d.angle);
  const bl = rotateAbout(c, { x: r.left, y: r.bottom }, d.angle);
  const ux = (tr.x - tl.x) / Math.max(1, d.cols - 1),
    uy = (tr.y - tl.y) / Math.max(1, d.cols - 1);
  const vx = (bl.x - tl.x) / Math.max(1, d.rows - 1),
    vy = (bl.y - tl.y) / Math.max(1, d.rows - 1);
  const { data, width: W, height: H } = level;
  for (let row = 0; row < d.rows; row++) {
    for (let col = 0; col < d.cols; col++) {
      const x = tl.x + ux * col + vx * row,
        y = tl.y + uy * col + vy * row;
      const left = Math.floor(x),
        top = Math.floor(y);
      if (!(left >= 0 && top >= 0 && left + 1 < W && top + 1 < H)) continue;
      const fx = x - left,
        fy = y - top;
      const i00 = (top * W + left) * 3,
        i01 = i00 + 3,
        i10 = i00 + W * 3,
        i11 = i10 + 3;
      const o = (row * d.cols + col) * 3;
      for (let ch = 0; ch < 3; ch++) {
        const v = fy * (fx * data[i11 + ch] + (1 - fx) * data[i10 + ch]) + (1 - fy) * (fx * data[i01 + ch] + (1 - fx) * data[i00 + ch]);
        chip[o + ch] = Math.round(v);
      }
    }
  }
  return chip;
}
