import type { TF } from '../tf.js';
import type { Rect } from '../cloth-region.js';

type Tensor3D = ReturnType<TF['tensor3d']>;

/** Input to a clothing encoder: the whole frame and each face's clothing region (frame pixels, unclamped). */
export interface ClothBatch {
  /** The frame as an int32 [h, w, 3] tensor (owned by the caller). */
  image: Tensor3D;
  /** The same frame as packed RGB bytes. */
  rgb: Buffer;
  width: number;
  height: number;
  regions: Rect[];
}

export interface ClothEncoder {
  readonly name: string;
  readonly dim: number;
  /** Loads what the encoder needs (once per thread); `encode` does it too, this lets a thread do it at its start. */
  prepare(): Promise<void>;
  /** One vector of `dim` numbers per region, in order. */
  encode(batch: ClothBatch): Promise<Float32Array[]>;
}
