/**
 * The few ONNX protobuf messages a plain feed-forward graph needs, written by hand: ModelProto,
 * GraphProto, NodeProto, AttributeProto, TensorProto, ValueInfoProto (field numbers from onnx.proto3).
 * No schema compiler and no dependency: a model is a tree of length-delimited fields.
 */

/** ONNX TensorProto.DataType values used here. */
export const DType = { FLOAT: 1, INT64: 7 } as const;

type Field = Uint8Array;

function varint(value: number | bigint): number[] {
  // int64 fields are varints of the two's complement: a negative value takes ten bytes.
  let v = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}

const key = (field: number, wire: 0 | 2 | 5) => varint((field << 3) | wire);
const enc = new TextEncoder();

function concat(parts: (Uint8Array | number[])[]): Uint8Array {
  const size = parts.reduce((s, p) => s + p.length, 0);
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const intField = (field: number, v: number | bigint): Field => Uint8Array.from([...key(field, 0), ...varint(v)]);
const bytesField = (field: number, bytes: Uint8Array): Field => concat([key(field, 2), varint(bytes.length), bytes]);
const stringField = (field: number, s: string): Field => bytesField(field, enc.encode(s));
const msgField = (field: number, parts: Field[]): Field => bytesField(field, concat(parts));
function floatField(field: number, v: number): Field {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setFloat32(0, v, true);
  return concat([key(field, 5), b]);
}

export type Attr = number | number[] | string | { float: number };

function attribute(name: string, value: Attr): Field {
  // AttributeProto: name 1, f 2, i 3, s 4, ints 8, type 20 (FLOAT 1, INT 2, STRING 3, INTS 7).
  const parts: Field[] = [stringField(1, name)];
  if (typeof value === 'number') parts.push(intField(3, value), intField(20, 2));
  else if (typeof value === 'string') parts.push(stringField(4, value), intField(20, 3));
  else if (Array.isArray(value)) parts.push(...value.map((v) => intField(8, v)), intField(20, 7));
  else parts.push(floatField(2, value.float), intField(20, 1));
  return msgField(5, parts);
}

export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  attrs?: Record<string, Attr>;
}

export interface TensorSpec {
  name: string;
  dims: number[];
  data: Float32Array | BigInt64Array;
}

export interface ValueSpec {
  name: string;
  /** Fixed sizes, or a name for a size known only at run time. */
  dims: (number | string)[];
}

function node(n: NodeSpec, index: number): Field {
  // NodeProto: input 1, output 2, name 3, op_type 4, attribute 5.
  return msgField(1, [
    ...n.inputs.map((s) => stringField(1, s)),
    ...n.outputs.map((s) => stringField(2, s)),
    stringField(3, `${n.op}_${index}`),
    stringField(4, n.op),
    ...Object.entries(n.attrs ?? {}).map(([k, v]) => attribute(k, v)),
  ]);
}

function tensor(t: TensorSpec): Field {
  // TensorProto: dims 1, data_type 2, name 8, raw_data 9 (little-endian, which typed arrays are here).
  const type = t.data instanceof Float32Array ? DType.FLOAT : DType.INT64;
  const raw = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  return msgField(5, [...t.dims.map((d) => intField(1, d)), intField(2, type), stringField(8, t.name), bytesField(9, raw)]);
}

function valueInfo(field: 11 | 12, v: ValueSpec): Field {
  // ValueInfoProto{name 1, type 2: TypeProto{tensor_type 1: {elem_type 1, shape 2: {dim 1: {dim_value 1 | dim_param 2}}}}}
  const dims = v.dims.map((d) => msgField(1, [typeof d === 'number' ? intField(1, d) : stringField(2, d)]));
  return msgField(field, [stringField(1, v.name), msgField(2, [msgField(1, [intField(1, DType.FLOAT), msgField(2, dims)])])]);
}

/** A serialised ModelProto (IR version 8, default-domain opset `opset`) holding one graph. */
export function onnxModel(g: {
  name: string;
  nodes: NodeSpec[];
  initializers: TensorSpec[];
  inputs: ValueSpec[];
  outputs: ValueSpec[];
  opset: number;
}): Uint8Array {
  const graph = [
    ...g.nodes.map((n, i) => node(n, i)),
    stringField(2, g.name),
    ...g.initializers.map(tensor),
    ...g.inputs.map((v) => valueInfo(11, v)),
    ...g.outputs.map((v) => valueInfo(12, v)),
  ];
  // ModelProto: ir_version 1, producer_name 2, graph 7, opset_import 8 {domain 1, version 2}.
  return concat([intField(1, 8), stringField(2, 'keycast'), msgField(7, graph), msgField(8, [stringField(1, ''), intField(2, g.opset)])]);
}
