/**
 * face-api's SSD output stage and its NMS in plain TS, with face-api's semantics
 * (src/ssdMobilenetv1/outputLayer.ts, nonMaxSuppression.ts, SsdMobilenetv1.locateFaces).
 */

/** A detection as face-api makes it: score and box relative to the image (0..1 of its width and height). */
export interface SsdDetection {
  score: number;
  relBox: { x: number; y: number; width: number; height: number };
}

/**
 * Decodes the box encodings against the anchors (face-api's extra_dim, [ymin, xmin, ymax, xmax]):
 * centre offsets scaled by 10, log sizes by 5. Returns [ymin, xmin, ymax, xmax] per anchor.
 */
export function decodeBoxes(encodings: Float32Array, anchors: Float32Array): Float32Array {
  const n = anchors.length / 4;
  const out = new Float32Array(n * 4);
  for (let i = 0; i < n; i++) {
    const [a0, a1, a2, a3] = [anchors[4 * i], anchors[4 * i + 1], anchors[4 * i + 2], anchors[4 * i + 3]];
    const h = a2 - a0;
    const w = a3 - a1;
    const cy = a0 + h / 2;
    const cx = a1 + w / 2;
    const halfH = (Math.exp(encodings[4 * i + 2] / 5) * h) / 2;
    const y = (encodings[4 * i] / 10) * h + cy;
    const halfW = (Math.exp(encodings[4 * i + 3] / 5) * w) / 2;
    const x = (encodings[4 * i + 1] / 10) * w + cx;
    out[4 * i] = y - halfH;
    out[4 * i + 1] = x - halfW;
    out[4 * i + 2] = y + halfH;
    out[4 * i + 3] = x + halfW;
  }
  return out;
}

/** The face score of each anchor: sigmoid of the logit of class 1 (of background, face, and an unused third). */
export function faceScores(logits: Float32Array): Float32Array {
  const n = logits.length / 3;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = 1 / (1 + Math.exp(-logits[3 * i + 1]));
  return out;
}

function iou(b: Float32Array, i: number, j: number): number {
  const yminI = Math.min(b[4 * i], b[4 * i + 2]);
  const xminI = Math.min(b[4 * i + 1], b[4 * i + 3]);
  const ymaxI = Math.max(b[4 * i], b[4 * i + 2]);
  const xmaxI = Math.max(b[4 * i + 1], b[4 * i + 3]);
  const yminJ = Math.min(b[4 * j], b[4 * j + 2]);
  const xminJ = Math.min(b[4 * j + 1], b[4 * j + 3]);
  const ymaxJ = Math.max(b[4 * j], b[4 * j + 2]);
  const xmaxJ = Math.max(b[4 * j + 1], b[4 * j + 3]);
  const areaI = (ymaxI - yminI) * (xmaxI - xminI);
  const areaJ = (ymaxJ - yminJ) * (xmaxJ - xminJ);
  if (areaI <= 0 || areaJ <= 0) return 0;
  const inter = Math.max(Math.min(ymaxI, ymaxJ) - Math.max(yminI, yminJ), 0) * Math.max(Math.min(xmaxI, xmaxJ) - Math.max(xminI, xminJ), 0);
  return inter / (areaI + areaJ - inter);
}

/** face-api's greedy NMS: candidates above `minScore` by score, each dropped if it overlaps a kept one by more than `iouThreshold`. */
export function nonMaxSuppression(boxes: Float32Array, scores: Float32Array, maxResults: number, iouThreshold: number, minScore: number): number[] {
  const candidates: number[] = [];
  for (let i = 0; i < scores.length; i++) if (scores[i] > minScore) candidates.push(i);
  candidates.sort((a, b) => scores[b] - scores[a]);
  const limit = Math.min(maxResults, scores.length);
  const selected: number[] = [];
  for (const c of candidates) {
    if (selected.length >= limit) break;
    if (selected.every((s) => iou(boxes, c, s) <= iouThreshold)) selected.push(c);
  }
  return selected;
}

/**
 * From the net's raw outputs for one image to face-api's detections: decode, score, NMS (IoU 0.5),
 * then clip to the padded square and undo the padding (face-api pads the image at the bottom or
 * right to a square before resizing it to the net's input).
 */
export function ssdDetections(
  encodings: Float32Array,
  logits: Float32Array,
  anchors: Float32Array,
  image: { width: number; height: number },
  opts: { minScore: number; maxResults: number; inputSize: number },
): SsdDetection[] {
  const boxes = decodeBoxes(encodings, anchors);
  const scores = faceScores(logits);
  const keep = nonMaxSuppression(boxes, scores, opts.maxResults, 0.5, opts.minScore);
  // computeReshapedDimensions: the image's size inside the padded square, in net pixels.
  const scale = opts.inputSize / Math.max(image.width, image.height);
  const padX = opts.inputSize / Math.round(image.width * scale);
  const padY = opts.inputSize / Math.round(image.height * scale);
  return keep.map((i) => {
    const top = Math.max(0, boxes[4 * i]) * padY;
    const bottom = Math.min(1, boxes[4 * i + 2]) * padY;
    const left = Math.max(0, boxes[4 * i + 1]) * padX;
    const right = Math.min(1, boxes[4 * i + 3]) * padX;
    return { score: scores[i], relBox: { x: left, y: top, width: right - left, height: bottom - top } };
  });
}
