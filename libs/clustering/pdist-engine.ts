import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { pdistRows } from './pdist-kernel.js';
import { COLS, pdistWasmBytes } from './pdist-wasm.js';
import type { Condensed } from './types.js';

/** Rows per scheduling block: small enough to balance two threads, large enough to reuse cached rows. */
export const BLOCK_ROWS = 64;
/** A worker that claimed a block and made no progress for this long is presumed dead: its blocks are redone. */
const STALL_MS = 10_000;
/** The wasm memory is 32-bit: points plus scratch must stay under this. */
const WASM_MAX_BYTES = 2 ** 31;

// The WebAssembly API as used here (this project's TypeScript libs do not declare it).
interface WasmMemory {
  readonly buffer: SharedArrayBuffer;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Memory: new (d: { initial: number; maximum: number; shared: true }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: { e: { m: WasmMemory } }) => { exports: Record<string, unknown> };
}
const WA = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

type RowsFn = (i0: number, i1: number, c0: number, c1: number, out: number, stride: number, d16: number) => void;

/**
 * Condensed Euclidean distances of n points, rows at a time: `rows(r0, r1, out, base)` writes the
 * distances (i, j), r0 <= i < r1, j > i, at condensed index n*i - i*(i+1)/2 + (j-i-1) - base of `out`
 * (base = the index of (r0, r0+1) fills a buffer that holds just those rows). Bit-identical to scipy
 * (pdist-wasm.ts, pdist-kernel.ts). With threads > 1, `out` must be backed by a SharedArrayBuffer
 * (`shared` says so). Call close() when done: it ends the worker threads.
 */
export interface PdistRows {
  readonly n: number;
  /** Which kernel runs: 'wasm' (SIMD, threaded) or 'js' (the fallback, calling thread only). */
  readonly kernel: 'wasm' | 'js';
  readonly shared: boolean;
  rows(r0: number, r1: number, out: Condensed, base: number): void;
  close(): void;
}

/**
 * Opens the row engine on points packed row-major in `data` (n x d). The WebAssembly SIMD kernel runs
 * on the calling thread and threads-1 workers, all on one shared wasm memory holding the points once;
 * blocks of rows are claimed from a shared counter, the call stays synchronous. Where WebAssembly SIMD
 * is unavailable (or the points do not fit its 32-bit memory) the JS kernel runs on the calling thread.
 */
export function openPdist(data: Float64Array, n: number, d: number, threads: number): PdistRows {
  const nPad = Math.ceil(n / COLS) * COLS;
  const stride = nPad * 8;
  const scratchBytes = (BLOCK_ROWS + 2) * stride;
  const pBytes = nPad * d * 8;
  const total = pBytes + Math.max(1, threads) * scratchBytes;
  let wasm: { bytes: Uint8Array; mem: WasmMemory; rows: RowsFn } | null = null;
  if (n >= 2 && d >= 1 && total <= WASM_MAX_BYTES) {
    try {
      const pages = Math.ceil(total / 65536);
      const bytes = pdistWasmBytes(pages);
      if (WA.validate(bytes)) {
        const mem = new WA.Memory({ initial: pages, maximum: pages, shared: true });
        const instance = new WA.Instance(new WA.Module(bytes), { e: { m: mem } });
        wasm = { bytes, mem, rows: instance.exports.rows as RowsFn };
      }
    } catch {
      wasm = null;
    }
  }
  if (!wasm) {
    return { n, kernel: 'js', shared: false, rows: (r0, r1, out, base) => pdistRows(data, n, d, out, r0, r1, base), close: () => {} };
  }
  const mem = new Float64Array(wasm.mem.buffer);
  for (let i = 0; i < n; i++) {
    const o = ((i >> 1) * d * 2 + (i & 1)) | 0;
    for (let k = 0; k < d; k++) mem[o + 2 * k] = data[i * d + k];
  }
  return new WasmPdist(n, d, nPad, pBytes, scratchBytes, wasm, threads);
}

// ctrl: [generation, next block to claim, blocks done by workers, stop]
const GEN = 0,
  NEXT = 1,
  DONE = 2,
  STOP = 3;

/**
 * One block: the kernel over rows [b0, b1) (widened to even bounds) into this thread's scratch, then,
 * if `claim()` still allows it, the j > i part of each row copied to `out` (a Float32Array rounds).
 * Free of outer references: its source text also runs in the workers.
 */
export function computeBlock(
  rows: (i0: number, i1: number, c0: number, c1: number, out: number, stride: number, d16: number) => void,
  mem: Float64Array,
  n: number,
  d: number,
  nPad: number,
  cols: number,
  scratch: number,
  out: Float64Array | Float32Array,
  base: number,
  b0: number,
  b1: number,
  claim: () => boolean,
): void {
  const i0 = b0 - (b0 & 1);
  const c0 = i0 - (i0 % cols);
  rows(i0, b1 + (b1 & 1), c0, nPad, scratch, nPad * 8, d * 16);
  if (!claim()) return;
  for (let i = b0; i < b1 && i < n - 1; i++) {
    const src = scratch / 8 + (i - i0) * nPad + (i + 1 - c0);
    out.set(mem.subarray(src, src + n - 1 - i), n * i - (i * (i + 1)) / 2 - base);
  }
}

// Block states are tagged with the job's generation g, so that a late thread of an earlier job can never
// claim or write a block of a later one: free 4g, claimed 4g+1, writing 4g+2, done 4g+3; the calling
// thread takes a block over by setting it to -(4g+1).
const WORKER_SOURCE = `
const { workerData, receiveMessageOnPort } = require('node:worker_threads');
const computeBlock = (${computeBlock.toString()});
const { mem: wmem, bytes, ctrl: ctrlBuf, state: stateBuf, port, n, d, nPad, cols, scratch, block } = workerData;
const rows = new WebAssembly.Instance(new WebAssembly.Module(bytes), { e: { m: wmem } }).exports.rows;
const mem = new Float64Array(wmem.buffer);
const ctrl = new Int32Array(ctrlBuf), state = new Int32Array(stateBuf);
let seen = 0;
for (;;) {
  Atomics.wait(ctrl, ${GEN}, seen);
  if (Atomics.load(ctrl, ${STOP}) !== 0) break;
  let m, job = null;
  while ((m = receiveMessageOnPort(port))) job = m.message;
  if (!job) { seen = Atomics.load(ctrl, ${GEN}); continue; }
  seen = job.g;
  const out = job.f32 ? new Float32Array(job.out) : new Float64Array(job.out);
  const F = 4 * job.g;
  for (;;) {
    if (Atomics.load(ctrl, ${GEN}) !== job.g) break;
    const b = Atomics.add(ctrl, ${NEXT}, 1);
    if (b >= job.nBlocks) break;
    if (Atomics.compareExchange(state, b, F, F + 1) !== F) continue;
    const b0 = job.r0 + b * block;
    computeBlock(rows, mem, n, d, nPad, cols, scratch, out, job.base, b0, Math.min(job.r1, b0 + block),
      () => Atomics.compareExchange(state, b, F + 1, F + 2) === F + 1);
    if (Atomics.compareExchange(state, b, F + 2, F + 3) === F + 2) {
      Atomics.add(ctrl, ${DONE}, 1);
      Atomics.notify(ctrl, ${DONE});
    }
  }
}
`;

class WasmPdist implements PdistRows {
  readonly kernel = 'wasm';
  readonly shared: boolean;
  private readonly mem: Float64Array;
  private readonly rowsFn: RowsFn;
  private readonly ctrl = new Int32Array(new SharedArrayBuffer(16));
  private readonly state: Int32Array;
  private readonly workers: { worker: Worker; port: MessagePort }[] = [];
  private gen = 0;

  constructor(
    readonly n: number,
    private readonly d: number,
    private readonly nPad: number,
    pBytes: number,
    scratchBytes: number,
    wasm: { bytes: Uint8Array; mem: WasmMemory; rows: RowsFn },
    threads: number,
  ) {
    this.mem = new Float64Array(wasm.mem.buffer);
    this.rowsFn = wasm.rows;
    this.state = new Int32Array(new SharedArrayBuffer(4 * (Math.ceil(n / BLOCK_ROWS) + 1)));
    for (let w = 1; w < threads; w++) {
      try {
        const { port1, port2 } = new MessageChannel();
        const workerData = {
          mem: wasm.mem,
          bytes: wasm.bytes,
          ctrl: this.ctrl.buffer,
          state: this.state.buffer,
          port: port2,
          n,
          d,
          nPad,
          cols: COLS,
          scratch: pBytes + w * scratchBytes,
          block: BLOCK_ROWS,
        };
        const worker = new Worker(WORKER_SOURCE, { eval: true, workerData, transferList: [port2], execArgv: [] });
        worker.on('error', () => {
          /* its blocks are taken over below when it stalls */
        });
        worker.unref();
        port1.unref();
        this.workers.push({ worker, port: port1 });
      } catch {
        break;
      }
    }
    this.shared = this.workers.length > 0;
    this.scratch = pBytes;
  }

  private readonly scratch: number;

  rows(r0: number, r1: number, out: Condensed, base: number): void {
    if (r1 <= r0) return;
    if (this.shared && !(out.buffer instanceof SharedArrayBuffer)) throw new RangeError('pdist rows: out must be backed by a SharedArrayBuffer');
    const g = ++this.gen;
    const F = 4 * g;
    const nBlocks = Math.ceil((r1 - r0) / BLOCK_ROWS);
    const { ctrl, state } = this;
    for (let b = 0; b < nBlocks; b++) Atomics.store(state, b, F);
    Atomics.store(ctrl, NEXT, 0);
    Atomics.store(ctrl, DONE, 0);
    const f32 = out instanceof Float32Array;
    for (const w of this.workers) w.port.postMessage({ g, out: out.buffer, f32, base, r0, r1, nBlocks });
    Atomics.store(ctrl, GEN, g);
    Atomics.notify(ctrl, GEN);
    let mine = 0;
    const run = (b: number) => {
      const b0 = r0 + b * BLOCK_ROWS;
      computeBlock(this.rowsFn, this.mem, this.n, this.d, this.nPad, COLS, this.scratch, out, base, b0, Math.min(r1, b0 + BLOCK_ROWS), () => true);
      mine++;
    };
    for (;;) {
      const b = Atomics.add(ctrl, NEXT, 1);
      if (b >= nBlocks) break;
      if (Atomics.compareExchange(state, b, F, -(F + 1)) === F) run(b);
    }
    // Blocks whose index a worker drew but did not claim yet: take them now.
    for (let b = 0; b < nBlocks; b++) if (Atomics.compareExchange(state, b, F, -(F + 1)) === F) run(b);
    let lastDone = Atomics.load(ctrl, DONE);
    let lastProgress = Date.now();
    while (lastDone + mine < nBlocks) {
      Atomics.wait(ctrl, DONE, lastDone, 200);
      const done = Atomics.load(ctrl, DONE);
      if (done !== lastDone) {
        lastDone = done;
        lastProgress = Date.now();
        continue;
      }
      if (Date.now() - lastProgress > STALL_MS) {
        for (let b = 0; b < nBlocks; b++) if (Atomics.compareExchange(state, b, F + 1, -(F + 1)) === F + 1) run(b);
        lastProgress = Date.now();
      }
    }
  }

  close(): void {
    Atomics.store(this.ctrl, STOP, 1);
    Atomics.add(this.ctrl, GEN, 1);
    Atomics.notify(this.ctrl, GEN);
    for (const w of this.workers) {
      w.port.close();
      void w.worker.terminate();
    }
    this.workers.length = 0;
  }
}
