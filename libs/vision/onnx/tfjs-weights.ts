import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** TF.js weights as face-api stores them, and the layout changes its NHWC convolutions need in ONNX. */

interface WeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  quantization?: { dtype: 'uint8' | 'uint16'; scale: number; min: number };
}

export interface TfjsWeights {
  get(name: string): { shape: number[]; data: Float32Array };
}

/**
 * Reads a TF.js weights manifest and dequantises each weight the way tf.io.decodeWeights does (v * scale + min, in
 * float32) when it is first asked for: a start that needs one weight (the SSD's anchors, when its graph is cached)
 * does not pay for decoding them all (~130-300 ms for the SSD).
 */
export function readTfjsWeights(modelDir: string, manifestFile: string): TfjsWeights {
  const groups = JSON.parse(readFileSync(join(modelDir, manifestFile), 'utf8')) as { paths: string[]; weights: WeightSpec[] }[];
  const specs = new Map<string, { spec: WeightSpec; buf: Buffer; at: number; size: number; bytes: number }>();
  for (const g of groups) {
    const buf = Buffer.concat(g.paths.map((p) => readFileSync(join(modelDir, p))));
    let at = 0;
    for (const w of g.weights) {
      const size = w.shape.reduce((a, b) => a * b, 1);
      const q = w.quantization;
      const bytes = size * (q ? (q.dtype === 'uint8' ? 1 : 2) : 4);
      if (w.dtype === 'float32') specs.set(w.name, { spec: w, buf, at, size, bytes });
      at += bytes;
    }
    if (at !== buf.length) throw new Error(`${manifestFile}: the weights take ${at} bytes, the files hold ${buf.length}`);
  }
  const decoded = new Map<string, { shape: number[]; data: Float32Array }>();
  const decode = ({ spec, buf, at, size, bytes }: { spec: WeightSpec; buf: Buffer; at: number; size: number; bytes: number }) => {
    const data = new Float32Array(size);
    const q = spec.quantization;
    if (q) {
      const src =
        q.dtype === 'uint8'
          ? new Uint8Array(buf.buffer, buf.byteOffset + at, size)
          : new Uint16Array(buf.buffer.slice(buf.byteOffset + at, buf.byteOffset + at + bytes));
      for (let i = 0; i < size; i++) data[i] = src[i] * q.scale + q.min;
    } else data.set(new Float32Array(buf.buffer.slice(buf.byteOffset + at, buf.byteOffset + at + bytes)));
    return { shape: spec.shape, data };
  };
  return {
    get(name) {
      let w = decoded.get(name);
      if (!w) {
        const s = specs.get(name);
        if (!s) throw new Error(`${manifestFile}: no weight ${name}`);
        w = decode(s);
        decoded.set(name, w);
      }
      return w;
    },
  };
}

/** TF [kh, kw, in, out] (or depthwise [kh, kw, c, 1] → [c, 1, kh, kw]) to ONNX [out, in, kh, kw]. */
export function toOihw(w: { shape: number[]; data: Float32Array }, depthwise: boolean): { dims: number[]; data: Float32Array } {
  const [kh, kw, cin, cout0] = w.shape;
  const [o, i] = depthwise ? [cin, 1] : [cout0, cin];
  const out = new Float32Array(w.data.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let c = 0; c < cin; c++)
        for (let d = 0; d < cout0; d++) {
          const v = w.data[((y * kw + x) * cin + c) * cout0 + d];
          const [oo, ii] = depthwise ? [c, 0] : [d, c];
          out[((oo * i + ii) * kh + y) * kw + x] = v;
        }
  return { dims: [o, i, kh, kw], data: out };
}

/** TF 'same' padding (the extra pixel after, as TF does) for a square input of `size`. */
export function samePads(size: number, k: number, stride: number): { pads: number[]; out: number } {
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + k - size, 0);
  const before = Math.floor(total / 2);
  return { pads: [before, before, total - before, total - before], out };
}
