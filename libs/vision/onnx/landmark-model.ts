import { onnxModel, type NodeSpec, type TensorSpec } from './proto.js';
import { samePads, toOihw, type TfjsWeights } from './tfjs-weights.js';

/**
 * face-api's FaceLandmark68Net as an ONNX graph, built from the very weights face-api loads
 * (model/face_landmark_68_model-weights_manifest.json + .bin) and following its source op for op
 * (faceFeatureExtractor/FaceFeatureExtractor.ts, denseBlock.ts, common/depthwiseSeparableConv.ts,
 * faceProcessor/FaceProcessor.ts):
 *   - normalise: (x - mean RGB) / 255;
 *   - 4 dense blocks (112 → 56 → 28 → 14 → 7): a first conv of stride 2 (plain 3x3 + bias in the first
 *     block, separable in the others), then 3 separable 3x3 convs of stride 1, each fed the relu of
 *     the sum of the block's previous outputs;
 *   - a 7x7/2 'valid' average pool, then the fc layer: 136 values, x and y of the 68 points relative
 *     to the padded square. The mapping back to the face's pixels (FaceLandmark68NetBase.postProcess)
 *     stays in TS.
 * Input: face-api's batch tensor, NHWC [n, 112, 112, 3] of 0..255 (NetInput.toBatchTensor(112, true)).
 */

export const LANDMARK_INPUT = 112;
const MEAN_RGB = [122.782, 117.001, 104.298];

export function buildLandmarkOnnx(weights: TfjsWeights): Uint8Array {
  const nodes: NodeSpec[] = [];
  const inits: TensorSpec[] = [];
  let uid = 0;
  const init = (name: string, dims: number[], data: Float32Array | BigInt64Array) => {
    inits.push({ name, dims, data });
    return name;
  };
  const op = (type: string, inputs: string[], attrs?: NodeSpec['attrs']) => {
    const y = `t${uid++}`;
    nodes.push({ op: type, inputs, outputs: [y], attrs });
    return y;
  };
  const convOp = (x: string, size: number, wName: string, stride: number, depthwise: boolean, bias?: string) => {
    const w = weights.get(wName);
    const k = w.shape[0];
    const { dims, data } = toOihw(w, depthwise);
    const { pads, out } = samePads(size, k, stride);
    const inputs = [x, init(wName, dims, data)];
    if (bias) inputs.push(init(bias, [dims[0]], weights.get(bias).data));
    const attrs = { kernel_shape: [k, k], strides: [stride, stride], pads, ...(depthwise ? { group: dims[0] } : {}) };
    return { name: op('Conv', inputs, attrs), size: out };
  };
  /** tf.separableConv2d (depthwise 3x3 'same', pointwise 1x1) + bias. */
  const separable = (x: string, size: number, prefix: string, stride: number) => {
    const d = convOp(x, size, `${prefix}/depthwise_filter`, stride, true);
    return convOp(d.name, d.size, `${prefix}/pointwise_filter`, 1, false, `${prefix}/bias`);
  };
  const denseBlock = (x: string, size: number, prefix: string, first: boolean) => {
    const c0 = first ? convOp(x, size, `${prefix}/conv0/filters`, 2, false, `${prefix}/conv0/bias`) : separable(x, size, `${prefix}/conv0`, 2);
    const out1 = op('Relu', [c0.name]);
    const out2 = separable(out1, c0.size, `${prefix}/conv1`, 1).name;
    const in3 = op('Relu', [op('Add', [out1, out2])]);
    const out3 = separable(in3, c0.size, `${prefix}/conv2`, 1).name;
    const in4 = op('Relu', [op('Add', [out1, op('Add', [out2, out3])])]);
    const out4 = separable(in4, c0.size, `${prefix}/conv3`, 1).name;
    return { name: op('Relu', [op('Add', [out1, op('Add', [out2, op('Add', [out3, out4])])])]), size: c0.size };
  };

  const mean = init('mean_rgb', [1, 1, 1, 3], Float32Array.from(MEAN_RGB));
  const normalised = op('Div', [op('Sub', ['image', mean]), init('div', [], Float32Array.of(255))]);
  let x = { name: op('Transpose', [normalised], { perm: [0, 3, 1, 2] }), size: LANDMARK_INPUT };
  for (let i = 0; i < 4; i++) x = denseBlock(x.name, x.size, `dense${i}`, i === 0);
  if (x.size !== 7) throw new Error(`landmark net: feature map ${x.size}, expected 7`);
  const pooled = op('AveragePool', [x.name], { kernel_shape: [7, 7], strides: [2, 2] });
  const flat = op('Flatten', [pooled], { axis: 1 });
  const fcW = weights.get('fc/weights');
  const fcB = weights.get('fc/bias');
  nodes.push({
    op: 'Add',
    inputs: [op('MatMul', [flat, init('fc/weights', fcW.shape, fcW.data)]), init('fc/bias', fcB.shape, fcB.data)],
    outputs: ['landmarks'],
  });

  return onnxModel({
    name: 'face-api-face-landmark-68-net',
    opset: 13,
    nodes,
    initializers: inits,
    inputs: [{ name: 'image', dims: ['n', LANDMARK_INPUT, LANDMARK_INPUT, 3] }],
    outputs: [{ name: 'landmarks', dims: ['n', 136] }],
  });
}
