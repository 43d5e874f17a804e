import { clampRect } from '../cloth-region.js';
import type { ClothBatch, ClothEncoder } from './types.js';

const H_BINS = 8;
const S_BINS = 4;
const V_BINS = 4;
/** Pixels sampled per side at most: the histogram barely changes past that and big faces stay cheap. */
const MAX_SIDE = 64;

/**
 * Colour histogram clothing encoder: a joint HSV histogram (8 hue x 4 saturation x 4 value = 128 bins)
 * over the part of the clothing region inside the frame, sampled on a grid of at most 64x64 points.
 * Returns the square roots of the bin frequencies (the Hellinger embedding), so the vector has unit
 * length and Euclidean distance between two of them is a proper histogram distance.
 * Padding is not counted: a region half outside the frame is described by the half we see.
 * A region wholly outside the frame gives the zero vector.
 */
export function createHistogramEncoder(): ClothEncoder {
  return {
    name: 'histogram',
    dim: H_BINS * S_BINS * V_BINS,
    // Plain arithmetic on the frame's bytes: no model, no TF.js.
    async prepare() {},
    async encode(batch: ClothBatch): Promise<Float32Array[]> {
      return batch.regions.map((r) => hsvHistogram(batch.rgb, batch.width, batch.height, r));
    },
  };
}

export function hsvHistogram(rgb: Buffer, width: number, height: number, region: [number, number, number, number]): Float32Array {
  const out = new Float32Array(H_BINS * S_BINS * V_BINS);
  const r = clampRect(region, width, height);
  if (!r) return out;
  const [x0, y0, w, h] = r;
  const nx = Math.min(w, MAX_SIDE);
  const ny = Math.min(h, MAX_SIDE);
  let n = 0;
  for (let j = 0; j < ny; j++) {
    const y = y0 + Math.floor(((j + 0.5) * h) / ny);
    for (let i = 0; i < nx; i++) {
      const x = x0 + Math.floor(((i + 0.5) * w) / nx);
      const p = (y * width + x) * 3;
      out[bin(rgb[p], rgb[p + 1], rgb[p + 2])] += 1;
      n++;
    }
  }
  for (let k = 0; k < out.length; k++) out[k] = Math.sqrt(out[k] / n);
  return out;
}

function bin(r: number, g: number, b: number): number {
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  const v = max / 255;
  const s = max === 0 ? 0 : (max - min) / max;
  let hue = 0;
  if (max !== min) {
    const d = max - min;
    if (max === r) hue = ((g - b) / d + 6) % 6;
    else if (max === g) hue = (b - r) / d + 2;
    else hue = (r - g) / d + 4;
  }
  const hb = Math.min(H_BINS - 1, Math.floor((hue / 6) * H_BINS));
  const sb = Math.min(S_BINS - 1, Math.floor(s * S_BINS));
  const vb = Math.min(V_BINS - 1, Math.floor(v * V_BINS));
  return (hb * S_BINS + sb) * V_BINS + vb;
}
