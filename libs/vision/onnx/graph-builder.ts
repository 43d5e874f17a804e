import { onnxModel, type NodeSpec, type TensorSpec, type ValueSpec } from './proto.js';
import { samePads, toOihw, type TfjsWeights } from './tfjs-weights.js';

/** A square NCHW feature map in a graph being built: its value's name and its side. */
export interface SquareMap {
  name: string;
  size: number;
}

export interface GraphBuilder {
  /** A fresh name for an intermediate value (t0, t1, …; the built bytes depend on the order of calls). */
  tmp: () => string;
  /** Adds a constant; returns its name. */
  init: (name: string, dims: number[], data: Float32Array | BigInt64Array) => string;
  /** Adds a node with one fresh output; returns the output's name. */
  op: (type: string, inputs: string[], attrs?: NodeSpec['attrs']) => string;
  /** Adds a node whose output is named: a graph output. */
  output(type: string, inputs: string[], name: string, attrs?: NodeSpec['attrs']): void;
  /**
   * A TF.js conv2d (or depthwise conv) as an ONNX Conv on `x`, its filter `filter` converted from TF's layout, with
   * the bias `bias` if given; TF's 'same' padding unless `valid`.
   */
  conv(x: SquareMap, filter: string, o: { stride: number; depthwise?: boolean; bias?: string; valid?: boolean }): SquareMap & { channels: number };
  /** The serialised model (opset 13) of everything added so far. */
  model(g: { name: string; inputs: ValueSpec[]; outputs: ValueSpec[] }): Uint8Array;
}

/**
 * What the three face nets' graphs (ssd-model.ts, landmark-model.ts, recognition-model.ts) are built with: node and
 * initializer lists in the order of the calls, and the conversion of face-api's TF.js convolutions.
 */
export function graphBuilder(weights: TfjsWeights): GraphBuilder {
  const nodes: NodeSpec[] = [];
  const initializers: TensorSpec[] = [];
  let uid = 0;
  const tmp = () => `t${uid++}`;
  const init = (name: string, dims: number[], data: Float32Array | BigInt64Array) => {
    initializers.push({ name, dims, data });
    return name;
  };
  const op = (type: string, inputs: string[], attrs?: NodeSpec['attrs']) => {
    const y = tmp();
    nodes.push({ op: type, inputs, outputs: [y], attrs });
    return y;
  };
  return {
    tmp,
    init,
    op,
    output(type, inputs, name, attrs) {
      nodes.push({ op: type, inputs, outputs: [name], attrs });
    },
    conv(x, filter, o) {
      const w = weights.get(filter);
      const k = w.shape[0];
      const { dims, data } = toOihw(w, !!o.depthwise);
      const { pads, out } = o.valid ? { pads: [0, 0, 0, 0], out: Math.floor((x.size - k) / o.stride) + 1 } : samePads(x.size, k, o.stride);
      const inputs = [x.name, init(filter, dims, data)];
      if (o.bias) inputs.push(init(o.bias, [dims[0]], weights.get(o.bias).data));
      const attrs = { kernel_shape: [k, k], strides: [o.stride, o.stride], pads, ...(o.depthwise ? { group: dims[0] } : {}) };
      return { name: op('Conv', inputs, attrs), size: out, channels: dims[0] };
    },
    model: (g) => onnxModel({ ...g, opset: 13, nodes, initializers }),
  };
}
