import { onnxModel, type NodeSpec, type TensorSpec } from './proto.js';
import { samePads, toOihw, type TfjsWeights } from './tfjs-weights.js';

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
/** face-api's batch-norm epsilon (mobileNetV1.ts). */
const BN_EPSILON = 0.0010000000474974513;

/** Builds the serialised ONNX model (about 23 MB of float32 weights). */
export function buildSsdOnnx(weights: TfjsWeights): Uint8Array {
  const nodes: NodeSpec[] = [];
  const inits: TensorSpec[] = [];
  let uid = 0;
  const init = (name: string, dims: number[], data: Float32Array | BigInt64Array) => {
    inits.push({ name, dims, data });
    return name;
  };
  init('relu6_min', [], Float32Array.of(0));
  init('relu6_max', [], Float32Array.of(6));

  /** conv (+ bias) (+ relu6) on a square map of side `size`; returns the output name and side. */
  const conv = (x: string, size: number, prefix: string, o: { stride: number; bias: string; relu6: boolean; depthwise?: boolean }) => {
    const wName = o.depthwise ? `${prefix}/depthwise_weights` : `${prefix}/weights`;
    const w = weights.get(wName);
    const k = w.shape[0];
    const { dims, data } = toOihw(w, !!o.depthwise);
    const { pads, out } = samePads(size, k, o.stride);
    const y = `t${uid++}`;
    const inputs = [x, init(wName, dims, data)];
    if (o.bias) inputs.push(init(o.bias, [dims[0]], weights.get(o.bias).data));
    const attrs = { kernel_shape: [k, k], strides: [o.stride, o.stride], pads, ...(o.depthwise ? { group: dims[0] } : {}) };
    nodes.push({ op: 'Conv', inputs, outputs: [y], attrs });
    if (!o.relu6) return { name: y, size: out };
    const r = `t${uid++}`;
    nodes.push({ op: 'Clip', inputs: [y, 'relu6_min', 'relu6_max'], outputs: [r] });
    return { name: r, size: out };
  };
  const pointwise = (x: string, size: number, prefix: string, stride: number) =>
    conv(x, size, prefix, { stride, bias: `${prefix}/convolution_bn_offset`, relu6: true });
  const depthwise = (x: string, size: number, prefix: string, stride: number) => {
    const c = conv(x, size, prefix, { stride, bias: '', relu6: false, depthwise: true });
    const bn = ['gamma', 'beta', 'moving_mean', 'moving_variance'].map((p) => {
      const w = weights.get(`${prefix}/BatchNorm/${p}`);
      return init(`${prefix}/BatchNorm/${p}`, w.shape, w.data);
    });
    const y = `t${uid++}`;
    nodes.push({ op: 'BatchNormalization', inputs: [c.name, ...bn], outputs: [y], attrs: { epsilon: { float: BN_EPSILON } } });
    const r = `t${uid++}`;
    nodes.push({ op: 'Clip', inputs: [y, 'relu6_min', 'relu6_max'], outputs: [r] });
    return { name: r, size: c.size };
  };

  // MobileNetV1 (mobileNetV1.ts).
  let x = pointwise('image', SSD_INPUT, 'MobilenetV1/Conv2d_0_pointwise', 2);
  let conv11 = x;
  for (let i = 1; i <= 13; i++) {
    x = depthwise(x.name, x.size, `MobilenetV1/Conv2d_${i}_depthwise`, [2, 4, 6, 12].includes(i) ? 2 : 1);
    x = pointwise(x.name, x.size, `MobilenetV1/Conv2d_${i}_pointwise`, 1);
    if (i === 11) conv11 = x;
  }
  // Extra feature maps (predictionLayer.ts).
  const extra = [x];
  for (let i = 0; i < 8; i++) extra.push(pointwise(extra[i].name, extra[i].size, `Prediction/Conv2d_${i}_pointwise`, i % 2 === 1 ? 2 : 1));
  const sources = [conv11, x, extra[2], extra[4], extra[6], extra[8]];

  // Box predictors (boxPredictionLayer.ts): NHWC order of TF's reshape, so transpose before it.
  const shape4 = init('shape_box', [3], BigInt64Array.of(0n, -1n, 4n));
  const shape3 = init('shape_cls', [3], BigInt64Array.of(0n, -1n, 3n));
  const boxes: string[] = [];
  const classes: string[] = [];
  sources.forEach((s, i) => {
    for (const [kind, shape, list] of [
      ['BoxEncodingPredictor', shape4, boxes],
      ['ClassPredictor', shape3, classes],
    ] as const) {
      const prefix = `Prediction/BoxPredictor_${i}/${kind}`;
      const c = conv(s.name, s.size, prefix, { stride: 1, bias: `${prefix}/biases`, relu6: false });
      const t = `t${uid++}`;
      nodes.push({ op: 'Transpose', inputs: [c.name], outputs: [t], attrs: { perm: [0, 2, 3, 1] } });
      const r = `t${uid++}`;
      nodes.push({ op: 'Reshape', inputs: [t, shape], outputs: [r] });
      list.push(r);
    }
  });
  nodes.push({ op: 'Concat', inputs: boxes, outputs: ['box_encodings'], attrs: { axis: 1 } });
  nodes.push({ op: 'Concat', inputs: classes, outputs: ['class_logits'], attrs: { axis: 1 } });

  return onnxModel({
    name: 'face-api-ssd-mobilenetv1',
    opset: 13,
    nodes,
    initializers: inits,
    inputs: [{ name: 'image', dims: ['n', 3, SSD_INPUT, SSD_INPUT] }],
    outputs: [
      { name: 'box_encodings', dims: ['n', 'anchors', 4] },
      { name: 'class_logits', dims: ['n', 'anchors', 3] },
    ],
  });
}
