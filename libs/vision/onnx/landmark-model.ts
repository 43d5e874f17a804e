import { graphBuilder, type SquareMap } from './graph-builder.js';
import type { TfjsWeights } from './tfjs-weights.js';

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
/** face-api's weights of this net, in MODEL_DIR. */
export const LANDMARK_MANIFEST = 'face_landmark_68_model-weights_manifest.json';
const MEAN_RGB = [122.782, 117.001, 104.298];

export function buildLandmarkOnnx(weights: TfjsWeights): Uint8Array {
  const g = graphBuilder(weights);
  /** tf.separableConv2d (depthwise 3x3 'same', pointwise 1x1) + bias. */
  const separable = (x: SquareMap, prefix: string, stride: number) => {
    const d = g.conv(x, `${prefix}/depthwise_filter`, { stride, depthwise: true });
    return g.conv(d, `${prefix}/pointwise_filter`, { stride: 1, bias: `${prefix}/bias` });
  };
  const denseBlock = (x: SquareMap, prefix: string, first: boolean): SquareMap => {
    const c0 = first ? g.conv(x, `${prefix}/conv0/filters`, { stride: 2, bias: `${prefix}/conv0/bias` }) : separable(x, `${prefix}/conv0`, 2);
    const at = (name: string) => ({ name, size: c0.size });
    const out1 = g.op('Relu', [c0.name]);
    const out2 = separable(at(out1), `${prefix}/conv1`, 1).name;
    const in3 = g.op('Relu', [g.op('Add', [out1, out2])]);
    const out3 = separable(at(in3), `${prefix}/conv2`, 1).name;
    const in4 = g.op('Relu', [g.op('Add', [out1, g.op('Add', [out2, out3])])]);
    const out4 = separable(at(in4), `${prefix}/conv3`, 1).name;
    return at(g.op('Relu', [g.op('Add', [out1, g.op('Add', [out2, g.op('Add', [out3, out4])])])]));
  };

  const mean = g.init('mean_rgb', [1, 1, 1, 3], Float32Array.from(MEAN_RGB));
  const normalised = g.op('Div', [g.op('Sub', ['image', mean]), g.init('div', [], Float32Array.of(255))]);
  let x: SquareMap = { name: g.op('Transpose', [normalised], { perm: [0, 3, 1, 2] }), size: LANDMARK_INPUT };
  for (let i = 0; i < 4; i++) x = denseBlock(x, `dense${i}`, i === 0);
  if (x.size !== 7) throw new Error(`landmark net: feature map ${x.size}, expected 7`);
  const pooled = g.op('AveragePool', [x.name], { kernel_shape: [7, 7], strides: [2, 2] });
  const flat = g.op('Flatten', [pooled], { axis: 1 });
  const fcW = weights.get('fc/weights');
  const fcB = weights.get('fc/bias');
  g.output('Add', [g.op('MatMul', [flat, g.init('fc/weights', fcW.shape, fcW.data)]), g.init('fc/bias', fcB.shape, fcB.data)], 'landmarks');

  return g.model({
    name: 'face-api-face-landmark-68-net',
    inputs: [{ name: 'image', dims: ['n', LANDMARK_INPUT, LANDMARK_INPUT, 3] }],
    outputs: [{ name: 'landmarks', dims: ['n', 136] }],
  });
}
