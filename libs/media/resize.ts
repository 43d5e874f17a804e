import { KeycastError } from '../config/index.js';
import type { SampleOptions } from './types.js';

export interface Size {
  width: number;
  height: number;
}

/**
 * Size a sampled frame is delivered at. A frame wider than `resizing_resolution` is scaled down, by `resizing_ratio`
 * when given (width = round(W * ratio)), else to width = resizing_resolution; the height keeps the aspect ratio,
 * rounded to an even number (at least 2). Frames not wider than resizing_resolution keep their size, ratio or not.
 */
export function resizeTarget(width: number, height: number, opts: Pick<SampleOptions, 'resizing_resolution' | 'resizing_ratio'>): Size {
  const limit = opts.resizing_resolution;
  if (typeof limit !== 'number' || !(limit > 0)) {
    throw new KeycastError('INVALID_OPTION', `resizing_resolution must be a number > 0, got ${JSON.stringify(limit)}`);
  }
  const ratio = opts.resizing_ratio;
  if (ratio !== null && ratio !== undefined && (typeof ratio !== 'number' || !(ratio > 0 && ratio <= 1))) {
    throw new KeycastError('INVALID_OPTION', `resizing_ratio must be in (0, 1] or null, got ${JSON.stringify(ratio)}`);
  }
  if (width <= limit) return { width, height };
  const w = ratio === null || ratio === undefined ? Math.round(limit) : Math.max(2, Math.round(width * ratio));
  const h = Math.max(2, 2 * Math.round((height * w) / width / 2));
  return { width: w, height: h };
}
