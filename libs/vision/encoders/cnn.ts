import { faceapi, tf } from '../tf.js';
import { normalisedBox } from '../cloth-region.js';
import { loadFaceModels } from '../models.js';
import type { ClothBatch, ClothEncoder } from './types.js';

/** Input side of the crop, as the reference (ResNet-18 on 224x224). */
export const CNN_INPUT = 224;
const BN_EPSILON = 0.0010000000474974513;

type T4 = ReturnType<typeof tf.tensor4d>;
// The SSD detector's params are not typed publicly; only the shape we use is described here.
interface PwParams {
  filters: ReturnType<typeof tf.tensor4d>;
  batch_norm_offset: ReturnType<typeof tf.tensor1d>;
}
interface DwParams {
  filters: ReturnType<typeof tf.tensor4d>;
  batch_norm_scale: ReturnType<typeof tf.tensor1d>;
  batch_norm_offset: ReturnType<typeof tf.tensor1d>;
  batch_norm_mean: ReturnType<typeof tf.tensor1d>;
  batch_norm_variance: ReturnType<typeof tf.tensor1d>;
}
interface MobileNetParams {
  conv_0: PwParams;
  [k: string]: PwParams | { depthwise_conv: DwParams; pointwise_conv: PwParams };
}

function pointwise(x: T4, p: PwParams, strides: [number, number]): T4 {
  return tf.clipByValue(tf.add(tf.conv2d(x, p.filters, strides, 'same'), p.batch_norm_offset), 0, 6) as T4;
}

function depthwise(x: T4, p: DwParams, strides: [number, number]): T4 {
  const out = tf.batchNorm(
    tf.depthwiseConv2d(x, p.filters, strides, 'same'),
    p.batch_norm_mean,
    p.batch_norm_variance,
    p.batch_norm_offset,
    p.batch_norm_scale,
    BN_EPSILON,
  );
  return tf.clipByValue<T4>(out, 0, 6);
}

/**
 * CNN clothing encoder: the first blocks of the MobileNetV1 backbone inside face-api's SSD face
 * detector (conv_0 … conv_3, the last block with 128 channels, stride 4), then global average
 * pooling → 128-d. This mirrors the reference's "ResNet-18 up to conv3_x (128 channels) + GAP":
 * early blocks respond to colour, edges and texture, not to faces, and the weights ship with
 * face-api (no download). Crops are 224x224, padded with black outside the frame.
 */
export function createCnnEncoder(): ClothEncoder {
  return {
    name: 'cnn',
    dim: 128,
    prepare: loadFaceModels,
    async encode(batch: ClothBatch): Promise<Float32Array[]> {
      if (batch.regions.length === 0) return [];
      await loadFaceModels();
      const params = (faceapi.nets.ssdMobilenetv1 as unknown as { params?: { mobilenetv1: MobileNetParams } }).params;
      if (!params) throw new Error('cnn cloth encoder: the SSD MobileNet model is not loaded');
      const net = params.mobilenetv1;
      const pooled = tf.tidy(() => {
        const boxes = batch.regions.map((r) => normalisedBox(r, batch.width, batch.height));
        const img = tf.expandDims<T4>(tf.cast(batch.image, 'float32'), 0);
        const crops = tf.image.cropAndResize(
          img,
          boxes,
          boxes.map(() => 0),
          [CNN_INPUT, CNN_INPUT],
          'bilinear',
          0,
        );
        // Same input scaling as the SSD detector: [0, 255] → [-1, 1]; black padding becomes -1, as a black pixel would.
        let x = tf.sub<T4>(tf.mul(crops, 1 / 127.5), 1);
        x = pointwise(x, net.conv_0, [2, 2]);
        for (const [i, strides] of [
          [1, [1, 1]],
          [2, [2, 2]],
          [3, [1, 1]],
        ] as const) {
          const layer = net[`conv_${i}`] as { depthwise_conv: DwParams; pointwise_conv: PwParams };
          x = depthwise(x, layer.depthwise_conv, [...strides]);
          x = pointwise(x, layer.pointwise_conv, [1, 1]);
        }
        return tf.mean(x, [1, 2]);
      });
      const flat = (await pooled.data()) as Float32Array;
      pooled.dispose();
      return batch.regions.map((_, i) => flat.slice(i * 128, (i + 1) * 128));
    },
  };
}
