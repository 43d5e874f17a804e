import { graphBuilder, type SquareMap } from './graph-builder.js';
import type { TfjsWeights } from './tfjs-weights.js';

export { readTfjsWeights } from './tfjs-weights.js';

/**
 * face-api's SSD MobileNetV1 face detector as an ONNX graph, built from the very weights face-api
 * loads (model/ssd_mobilenetv1_model-weights_manifest.json + .bin) and following its graph op for op
 * (src/ssdMobilenetv1: mobileNetV1.ts, predictionLayer.ts, boxPredictionLayer.ts):
 *   - MobileNetV1: a 3x3/2 conv, then 13 depthwise-separable pairs (depthwise 3x3 + batch norm +
 *     relu6, pointwise 1x1 + bias + relu6), strides 2 at pairs 2, 4, 6, 12;
 *   - 8 extra 1x1 / 3x3-stride-2 convs (+ bias + relu6) and 6 box predictors (1x1 conv + bias) on
 *     pair 11's output, the backbone's output and extra convs 1, 3, 5, 7: 5118 anchors in all.
 * The graph is NCHW and stops at the raw predictions; box decoding, sigmoid and NMS stay in TS
 * (ssd-detector.ts) with face-api's semantics. Input: [n, 3, 512, 512], pixels mapped to [-1, 1].
 */

export const SSD_INPUT = 512;
/** face-api's weights of this net, in MODEL_DIR. */
export const SSD_MANIFEST = 'ssd_mobilenetv1_model-weights_manifest.json';
/** face-api's batch-norm epsilon (mobileNetV1.ts). */
const BN_EPSILON = 0.0010000000474974513;

/** Builds the serialised ONNX model (about 23 MB of float32 weights). */
export function buildSsdOnnx(weights: TfjsWeights): Uint8Array {
  const g = graphBuilder(weights);
  g.init('relu6_min', [], Float32Array.of(0));
  g.init('relu6_max', [], Float32Array.of(6));
  const relu6 = (x: SquareMap): SquareMap => ({ name: g.op('Clip', [x.name, 'relu6_min', 'relu6_max']), size: x.size });

  const pointwise = (x: SquareMap, prefix: string, stride: number) =>
    relu6(g.conv(x, `${prefix}/weights`, { stride, bias: `${prefix}/convolution_bn_offset` }));
  const depthwise = (x: SquareMap, prefix: string, stride: number) => {
    const c = g.conv(x, `${prefix}/depthwise_weights`, { stride, depthwise: true });
    const bn = ['gamma', 'beta', 'moving_mean', 'moving_variance'].map((p) => {
      const w = weights.get(`${prefix}/BatchNorm/${p}`);
      return g.init(`${prefix}/BatchNorm/${p}`, w.shape, w.data);
    });
    return relu6({ name: g.op('BatchNormalization', [c.name, ...bn], { epsilon: { float: BN_EPSILON } }), size: c.size });
  };

  // MobileNetV1 (mobileNetV1.ts).
  let x = pointwise({ name: 'image', size: SSD_INPUT }, 'MobilenetV1/Conv2d_0_pointwise', 2);
  let conv11 = x;
  for (let i = 1; i <= 13; i++) {
    x = depthwise(x, `MobilenetV1/Conv2d_${i}_depthwise`, [2, 4, 6, 12].includes(i) ? 2 : 1);
    x = pointwise(x, `MobilenetV1/Conv2d_${i}_pointwise`, 1);
    if (i === 11) conv11 = x;
  }
  // Extra feature maps (predictionLayer.ts).
  const extra = [x];
  for (let i = 0; i < 8; i++) extra.push(pointwise(extra[i], `Prediction/Conv2d_${i}_pointwise`, i % 2 === 1 ? 2 : 1));
  const sources = [conv11, x, extra[2], extra[4], extra[6], extra[8]];

  // Box predictors (boxPredictionLayer.ts): NHWC order of TF's reshape, so transpose before it.
  const shape4 = g.init('shape_box', [3], BigInt64Array.of(0n, -1n, 4n));
  const shape3 = g.init('shape_cls', [3], BigInt64Array.of(0n, -1n, 3n));
  const boxes: string[] = [];
  const classes: string[] = [];
  sources.forEach((s, i) => {
    for (const [kind, shape, list] of [
      ['BoxEncodingPredictor', shape4, boxes],
      ['ClassPredictor', shape3, classes],
    ] as const) {
      const prefix = `Prediction/BoxPredictor_${i}/${kind}`;
      const c = g.conv(s, `${prefix}/weights`, { stride: 1, bias: `${prefix}/biases` });
      list.push(g.op('Reshape', [g.op('Transpose', [c.name], { perm: [0, 2, 3, 1] }), shape]));
    }
  });
  g.output('Concat', boxes, 'box_encodings', { axis: 1 });
  g.output('Concat', classes, 'class_logits', { axis: 1 });

  return g.model({
    name: 'face-api-ssd-mobilenetv1',
    inputs: [{ name: 'image', dims: ['n', 3, SSD_INPUT, SSD_INPUT] }],
    outputs: [
      { name: 'box_encodings', dims: ['n', 'anchors', 4] },
      { name: 'class_logits', dims: ['n', 'anchors', 3] },
    ],
  });
}
