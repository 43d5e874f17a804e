import type { ClothEncoderName } from '../../config/index.js';
import { createCnnEncoder } from './cnn.js';
import { createHistogramEncoder } from './histogram.js';
import type { ClothEncoder } from './types.js';

export type { ClothBatch, ClothEncoder } from './types.js';
export { createCnnEncoder, CNN_INPUT } from './cnn.js';
export { createHistogramEncoder, hsvHistogram } from './histogram.js';

const factories: Record<ClothEncoderName, () => ClothEncoder> = {
  cnn: createCnnEncoder,
  histogram: createHistogramEncoder,
};

export function createClothEncoder(name: ClothEncoderName): ClothEncoder {
  return factories[name]();
}
