import { graphBuilder, type SquareMap } from './graph-builder.js';
import type { TfjsWeights } from './tfjs-weights.js';

/**
 * face-api's FaceRecognitionNet (the 128-d descriptor, dlib's ResNet-29) as an ONNX graph, built from
 * the very weights face-api loads (model/face_recognition_model-weights_manifest.json + .bin) and
 * following src/faceRecognitionNet op for op (FaceRecognitionNet.ts, convLayer.ts, residualLayer.ts):
 *   - normalise: (x - mean RGB) / 255;
 *   - a 7x7/2 'valid' conv, 3x3/2 max pool, then residual blocks of two 3x3 convs, each conv followed
 *     by its bias and a scale layer (x * w + b); a 'down' block's first conv is 3x3/2 'valid' and its
 *     shortcut a 2x2/2 average pool, zero-padded in channels (and its conv branch in rows/columns
 *     where the pool's map is one larger, as face-api does);
 *   - the mean over the map, times the fc matrix.
 * Input: face-api's batch tensor, NHWC [n, 150, 150, 3] of 0..255 (NetInput.toBatchTensor(150, true)).
 */

export const RECOGNITION_INPUT = 150;
/** face-api's weights of this net, in MODEL_DIR. */
export const RECOGNITION_MANIFEST = 'face_recognition_model-weights_manifest.json';
const MEAN_RGB = [122.782, 117.001, 104.298];

export function buildRecognitionOnnx(weights: TfjsWeights): Uint8Array {
  const g = graphBuilder(weights);
  const { op, init, tmp } = g;

  interface Map extends SquareMap {
    channels: number;
  }

  /** face-api's convLayer: conv + bias, then the scale layer, then relu if asked. */
  const conv = (x: Map, prefix: string, o: { stride: number; valid: boolean; relu: boolean }): Map => {
    const c = g.conv(x, `${prefix}/conv/filters`, { stride: o.stride, valid: o.valid, bias: `${prefix}/conv/bias` });
    const perChannel = (name: string) => init(name, [c.channels, 1, 1], weights.get(name).data);
    const scaled = op('Add', [op('Mul', [c.name, perChannel(`${prefix}/scale/weights`)]), perChannel(`${prefix}/scale/biases`)]);
    return { ...c, name: o.relu ? op('Relu', [scaled]) : scaled };
  };

  const residual = (x: Map, prefix: string): Map => {
    const a = conv(x, `${prefix}/conv1`, { stride: 1, valid: false, relu: true });
    const b = conv(a, `${prefix}/conv2`, { stride: 1, valid: false, relu: false });
    return { ...b, name: op('Relu', [op('Add', [b.name, x.name])]) };
  };

  const residualDown = (x: Map, prefix: string): Map => {
    const a = conv(x, `${prefix}/conv1`, { stride: 2, valid: true, relu: true });
    const b = conv(a, `${prefix}/conv2`, { stride: 1, valid: false, relu: false });
    const pooledSize = Math.floor(x.size / 2);
    let pooled = op('AveragePool', [x.name], { kernel_shape: [2, 2], strides: [2, 2] });
    let out = b.name;
    if (pooledSize !== b.size) {
      // face-api appends one row of zeros, then one column.
      if (pooledSize !== b.size + 1) throw new Error(`${prefix}: pool ${pooledSize} vs conv ${b.size}`);
      out = op('Pad', [out, init(tmp(), [8], BigInt64Array.of(0n, 0n, 0n, 0n, 0n, 0n, 1n, 1n))]);
    }
    if (x.channels !== b.channels)
      pooled = op('Pad', [pooled, init(tmp(), [8], BigInt64Array.of(0n, 0n, 0n, 0n, 0n, BigInt(b.channels - x.channels), 0n, 0n))]);
    return { name: op('Relu', [op('Add', [pooled, out])]), size: pooledSize, channels: b.channels };
  };

  const mean = init('mean_rgb', [1, 1, 1, 3], Float32Array.from(MEAN_RGB));
  const normalised = op('Div', [op('Sub', ['image', mean]), init('div', [], Float32Array.of(255))]);
  let x: Map = { name: op('Transpose', [normalised], { perm: [0, 3, 1, 2] }), size: RECOGNITION_INPUT, channels: 3 };
  x = conv(x, 'conv32_down', { stride: 2, valid: true, relu: true });
  x = { ...x, name: op('MaxPool', [x.name], { kernel_shape: [3, 3], strides: [2, 2] }), size: Math.floor((x.size - 3) / 2) + 1 };
  for (const block of ['conv32_1', 'conv32_2', 'conv32_3']) x = residual(x, block);
  x = residualDown(x, 'conv64_down');
  for (const block of ['conv64_1', 'conv64_2', 'conv64_3']) x = residual(x, block);
  x = residualDown(x, 'conv128_down');
  for (const block of ['conv128_1', 'conv128_2']) x = residual(x, block);
  x = residualDown(x, 'conv256_down');
  for (const block of ['conv256_1', 'conv256_2']) x = residual(x, block);
  x = residualDown(x, 'conv256_down_out');
  const avg = op('ReduceMean', [x.name], { axes: [2, 3], keepdims: 0 });
  const fc = weights.get('fc');
  g.output('MatMul', [avg, init('fc', fc.shape, fc.data)], 'descriptor');

  return g.model({
    name: 'face-api-face-recognition-net',
    inputs: [{ name: 'image', dims: ['n', RECOGNITION_INPUT, RECOGNITION_INPUT, 3] }],
    outputs: [{ name: 'descriptor', dims: ['n', 128] }],
  });
}
