import { Worker } from 'node:worker_threads';
import { upperRowStarts } from './triangles.js';

/**
 * The calling thread and one worker thread sharing nn-chain's (nn-chain.ts) two O(n) steps on the
 * upper working matrix U when there is no mirror: at n = 50,000 (float32, 5 GB) half of every scan
 * and of every update walks a column of U, one page per value, so each step is bound by memory
 * latency and two threads waiting on misses get through it almost twice as fast.
 *
 * Both steps run over the live slots split into chunks of consecutive positions (strided ones, the
 * slots i < x read as U[rowStart[i] + x], smaller than contiguous ones); each thread claims chunks from
 * a shared ticket until none is left, so a thread that the machine's load delays takes fewer of them:
 * - a scan of row x: per chunk, the smallest distance and the first slot reaching it (strict `<` from
 *   +Infinity); the calling thread then folds the chunks in ascending order, strict `<`, starting from
 *   the chain's current minimum: the same (distance, slot) as the sequential scan, ties included;
 * - the Lance-Williams update after merging x into y: each chunk writes the entries (i, y) of its own
 *   slots i, reading only (i, x) and (i, y): disjoint writes, each value computed by the same
 *   expression as the sequential update.
 * So the result is the single-thread nnChain's, bit for bit (tested).
 *
 * U and the live list must be backed by SharedArrayBuffers (U is not copied). Jobs are published
 * through a small shared Int32Array (Atomics; the worker spins briefly, then waits); below `minLive`
 * live slots the calling thread does everything itself (a handoff costs microseconds). The worker is
 * unref'd, so it never keeps a process alive; close() ends it. An exception in the worker is rethrown
 * by the calling thread; until the worker has started, the calling thread takes every chunk.
 */
export interface NnPairStats {
  /** 2 when a worker was started, else 1. */
  threads: number;
  /** Scans and updates published to the worker (rounds at >= minLive live slots). */
  sharedRounds: number;
  /** Chunks the worker computed. */
  workerChunks: number;
  /** Rounds at >= minLive live slots that 'auto' ran on the calling thread alone (measured faster, or measuring). */
  soloRounds?: number;
  /**
   * 'auto''s measuring windows, shared and solo: milliseconds and live slots visited (the ratio of
   * ms per slot, shared vs solo, is the speed-up under the machine's load of the moment).
   */
  sharedWindowMs?: number;
  sharedWindowSlots?: number;
  soloWindowMs?: number;
  soloWindowSlots?: number;
  /** Seconds the calling thread waited for the worker's chunks (the cost of sharing under load). */
  waitS?: number;
}

/** Live slots below which the calling thread does a round alone. */
export const NN_PAIR_MIN_LIVE = 4096;
/** Positions per chunk: strided (one page per value) and contiguous. */
const STRIDED_CHUNK = 2048;
const CONTIGUOUS_CHUNK = 16384;
/** The ticket holds (generation & 0xffff) * 2^15 + chunk: at most 2^15 chunks per round. */
const CHUNK_BITS = 15;
/** A round whose worker chunks made no progress for this long is an error. */
const STALL_MS = 60_000;
/**
 * Adaptive sharing ('auto'): on a machine that other processes load, waiting for a descheduled
 * worker can cost more than the worker saves (measured up to 2.4x slower than one thread at load 5
 * on 2 cores). So the rounds run in windows of about ADAPT_WINDOW_MS: one shared, one on the calling
 * thread alone, then ADAPT_RUN_WINDOWS windows the faster way (wall time per live slot visited), then
 * both are measured again. The result is the same either way.
 */
const ADAPT_WINDOW_MS = 200;
const ADAPT_RUN_WINDOWS = 8;
/** Spins before a blocking wait (about tens of microseconds). */
const WORKER_SPINS = 20_000;
const MAIN_SPINS = 50_000;

// ctrl: the job (written before GEN is bumped) and the handshake.
const GEN = 0,
  TICKET = 1,
  DONE = 2,
  STOP = 3,
  MAIN_WAITING = 4,
  READY = 5,
  ERROR = 6,
  KIND = 7,
  X = 8,
  Y = 9,
  NX = 10,
  NY = 11,
  AVERAGE = 12,
  NCHUNKS = 13,
  CTRL_LEN = 16;
const SCAN = 0,
  UPDATE = 1;

/**
 * The smallest U value of row/column x over live positions [a0, a1) and the first slot with it
 * (Infinity, -1 when none is below Infinity), into resVal[c], resIdx[c]. `strided`: the slots are < x.
 * Free of outer references: its source text also runs in the worker.
 */
export function scanChunk(
  U: Float64Array | Float32Array,
  rowStart: Float64Array,
  live: Int32Array,
  x: number,
  a0: number,
  a1: number,
  strided: boolean,
  resVal: Float64Array,
  resIdx: Int32Array,
  c: number,
): void {
  let min = Infinity,
    idx = -1;
  if (strided) {
    for (let a = a0; a < a1; a++) {
      const i = live[a];
      const dist = U[rowStart[i] + x];
      if (dist < min) {
        min = dist;
        idx = i;
      }
    }
  } else {
    const rx = rowStart[x];
    for (let a = a0; a < a1; a++) {
      const i = live[a];
      const dist = U[rx + i];
      if (dist < min) {
        min = dist;
        idx = i;
      }
    }
  }
  resVal[c] = min;
  resIdx[c] = idx;
}

/**
 * nn-chain's Lance-Williams update of d(y, i) for the live slots at positions [a0, a1) after x (no
 * longer live) merged into y: the expression of nn-chain.ts, bit for bit. Free of outer references.
 */
export function updateChunk(
  U: Float64Array | Float32Array,
  rowStart: Float64Array,
  live: Int32Array,
  x: number,
  y: number,
  nx: number,
  ny: number,
  average: boolean,
  a0: number,
  a1: number,
): void {
  const nxy = nx + ny;
  const rx = rowStart[x],
    ry = rowStart[y];
  for (let a = a0; a < a1; a++) {
    const i = live[a];
    if (i === y) continue;
    const dxi = i < x ? U[rowStart[i] + x] : U[rx + i];
    const dyi = i < y ? U[rowStart[i] + y] : U[ry + i];
    const v = average ? (nx * dxi + ny * dyi) / nxy : dxi > dyi ? dxi : dyi;
    if (i < y) U[rowStart[i] + y] = v;
    else U[ry + i] = v;
  }
}

/**
 * Claims chunks of the current round through the ticket and runs them; returns how many it ran.
 * Everything about the round is read after a successful claim (a claim pins the round: the caller
 * publishes the next one only when every chunk is done). Free of outer references, hence the literal
 * ctrl indexes: TICKET 1, KIND 7, X 8, Y 9, NX 10, NY 11, AVERAGE 12, NCHUNKS 13; 32767 is the chunk
 * mask (CHUNK_BITS = 15).
 */
export function claimChunks(
  ctrl: Int32Array,
  chunks: Int32Array,
  U: Float64Array | Float32Array,
  rowStart: Float64Array,
  live: Int32Array,
  resVal: Float64Array,
  resIdx: Int32Array,
  tag: number,
  onDone: () => void,
): number {
  let ran = 0;
  for (;;) {
    const t = Atomics.load(ctrl, 1);
    const c = t & 32767;
    if (t - c !== tag || c >= Atomics.load(ctrl, 13)) return ran;
    if (Atomics.compareExchange(ctrl, 1, t, t + 1) !== t) continue;
    if (c >= ctrl[13]) return ran;
    const a0 = chunks[3 * c],
      a1 = chunks[3 * c + 1],
      strided = chunks[3 * c + 2] !== 0;
    if (ctrl[7] === 0) scanChunk(U, rowStart, live, ctrl[8], a0, a1, strided, resVal, resIdx, c);
    else updateChunk(U, rowStart, live, ctrl[8], ctrl[9], ctrl[10], ctrl[11], ctrl[12] !== 0, a0, a1);
    ran++;
    onDone();
  }
}

const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const scanChunk = (${scanChunk.toString()});
const updateChunk = (${updateChunk.toString()});
const claimChunks = (${claimChunks.toString()});
const upperRowStarts = (${upperRowStarts.toString()});
const w = workerData;
const ctrl = new Int32Array(w.ctrl);
try {
  const U = w.f32 ? new Float32Array(w.u, w.uOffset, w.uLength) : new Float64Array(w.u, w.uOffset, w.uLength);
  const live = new Int32Array(w.live), chunks = new Int32Array(w.chunks);
  const resVal = new Float64Array(w.resVal), resIdx = new Int32Array(w.resIdx);
  const rowStart = upperRowStarts(w.n);
  const onDone = () => {
    Atomics.add(ctrl, ${DONE}, 1);
    Atomics.add(ctrl, ${CTRL_LEN - 1}, 1);
    if (Atomics.load(ctrl, ${MAIN_WAITING}) !== 0) Atomics.notify(ctrl, ${DONE});
  };
  Atomics.store(ctrl, ${READY}, 1);
  let seen = 0;
  for (;;) {
    let g = Atomics.load(ctrl, ${GEN}), spins = 0;
    while (g === seen) {
      if (++spins > ${WORKER_SPINS}) { Atomics.wait(ctrl, ${GEN}, seen); spins = 0; }
      g = Atomics.load(ctrl, ${GEN});
    }
    if (Atomics.load(ctrl, ${STOP}) !== 0) break;
    seen = g;
    claimChunks(ctrl, chunks, U, rowStart, live, resVal, resIdx, (g & 0xffff) * ${1 << CHUNK_BITS}, onDone);
  }
} catch (e) {
  const msg = new TextEncoder().encode(String((e && e.stack) || e));
  new Uint8Array(w.err).set(msg.subarray(0, w.errLength));
  Atomics.store(ctrl, ${ERROR}, 1);
  Atomics.notify(ctrl, ${DONE});
}
`;

/** The worker side of nn-chain for one linkage: see the file's comment. */
export class NnPair {
  readonly live: Int32Array;
  readonly minLive: number;
  /** The distance of the slot the last scan returned. */
  min = Infinity;
  readonly stats: NnPairStats = { threads: 1, sharedRounds: 0, workerChunks: 0 };
  private readonly ctrl = new Int32Array(new SharedArrayBuffer(4 * CTRL_LEN));
  private readonly chunks: Int32Array;
  private readonly resVal: Float64Array;
  private readonly resIdx: Int32Array;
  private readonly err = new Uint8Array(new SharedArrayBuffer(2048));
  private readonly rowStart: Float64Array;
  private worker: Worker | null = null;
  private gen = 0;
  private mine = 0;
  private readonly countMine = () => {
    this.mine++;
  };
  // phase: 0 measures shared rounds, 1 solo rounds, 2.. runs the faster way; work: live slots visited
  private readonly adapt = { phase: 0, start: 0, work: 0, sharedRate: 0, soloRate: 0, sharing: true };

  /**
   * U must be backed by a SharedArrayBuffer; `threads` 1 runs every round on the calling thread.
   * `adaptive`: share rounds only while that measures faster (see ADAPT_WINDOW_MS); 'alternate'
   * (benches): shared and solo windows in turn throughout, so that the stats compare both under
   * the same load.
   */
  constructor(
    private readonly U: Float64Array | Float32Array,
    private readonly n: number,
    private readonly average: boolean,
    minLive: number,
    threads: 1 | 2,
    private readonly adaptive: boolean | 'alternate' = false,
  ) {
    if (!(U.buffer instanceof SharedArrayBuffer)) throw new RangeError('NnPair: U must be backed by a SharedArrayBuffer');
    this.minLive = Math.max(2, minLive);
    this.live = new Int32Array(new SharedArrayBuffer(4 * Math.max(1, n)));
    const maxChunks = Math.ceil(n / STRIDED_CHUNK) + Math.ceil(n / CONTIGUOUS_CHUNK) + 2;
    if (maxChunks >= 1 << CHUNK_BITS) throw new RangeError(`NnPair: n = ${n} is too large`);
    this.chunks = new Int32Array(new SharedArrayBuffer(12 * maxChunks));
    this.resVal = new Float64Array(new SharedArrayBuffer(8 * maxChunks));
    this.resIdx = new Int32Array(new SharedArrayBuffer(4 * maxChunks));
    this.rowStart = upperRowStarts(n);
    if (threads === 2 && n >= this.minLive) {
      const workerData = {
        u: U.buffer,
        uOffset: U.byteOffset,
        uLength: U.length,
        f32: U instanceof Float32Array,
        live: this.live.buffer,
        chunks: this.chunks.buffer,
        resVal: this.resVal.buffer,
        resIdx: this.resIdx.buffer,
        ctrl: this.ctrl.buffer,
        err: this.err.buffer,
        errLength: this.err.length,
        n,
      };
      this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData, execArgv: [] });
      // Errors are reported through ctrl[ERROR] (the calling thread is busy while they matter).
      this.worker.on('error', () => {});
      this.worker.unref();
      this.stats.threads = 2;
    }
  }

  /**
   * Blocks until the worker has started (at most `ms`; false if it has not): for tests, so that the
   * worker takes part even in a linkage shorter than its start-up. Otherwise the calling thread just
   * takes every chunk until then.
   */
  waitReady(ms: number): boolean {
    if (!this.worker) return false;
    const until = Date.now() + ms;
    while (Atomics.load(this.ctrl, READY) === 0) {
      if (Atomics.load(this.ctrl, ERROR) !== 0) this.fail();
      if (Date.now() > until) return false;
      Atomics.wait(this.ctrl, READY, 0, 10);
    }
    return true;
  }

  /** Whether a round over nLive live slots goes to both threads. */
  shares(nLive: number): boolean {
    if (this.worker === null || nLive < this.minLive) return false;
    if (!this.adaptive) return true;
    const a = this.adapt;
    const now = performance.now();
    // windows before the worker has started say nothing about sharing
    if (a.start === 0 || (a.phase === 0 && Atomics.load(this.ctrl, READY) === 0)) {
      a.start = now;
      a.work = 0;
    } else if (now - a.start >= ADAPT_WINDOW_MS) {
      const rate = (now - a.start) / a.work;
      const st = this.stats;
      if (a.sharing) {
        st.sharedWindowMs = (st.sharedWindowMs ?? 0) + (now - a.start);
        st.sharedWindowSlots = (st.sharedWindowSlots ?? 0) + a.work;
      } else {
        st.soloWindowMs = (st.soloWindowMs ?? 0) + (now - a.start);
        st.soloWindowSlots = (st.soloWindowSlots ?? 0) + a.work;
      }
      if (a.phase === 0) a.sharedRate = rate;
      else if (a.phase === 1) a.soloRate = rate;
      a.phase = a.phase >= (this.adaptive === 'alternate' ? 1 : ADAPT_RUN_WINDOWS + 1) ? 0 : a.phase + 1;
      a.sharing = a.phase === 0 || (a.phase > 1 && a.sharedRate <= a.soloRate);
      a.start = now;
      a.work = 0;
    }
    a.work += nLive;
    if (!a.sharing) this.stats.soloRounds = (this.stats.soloRounds ?? 0) + 1;
    return a.sharing;
  }

  /**
   * The first live slot, in ascending order, whose distance to x is below currentMin (strict) and
   * smallest: nnChain's scan. Returns the slot (this.min its distance) or -1 when none is below.
   */
  scan(x: number, nLive: number, currentMin: number): number {
    const px = this.position(x, nLive);
    const shared = this.shares(nLive);
    let c = this.split(0, px, STRIDED_CHUNK, 1, 0, shared);
    c = this.split(px + 1, nLive, CONTIGUOUS_CHUNK, 0, c, shared);
    this.run(SCAN, x, 0, 0, 0, c, shared);
    let y = -1;
    for (let k = 0; k < c; k++) {
      if (this.resVal[k] < currentMin) {
        currentMin = this.resVal[k];
        y = this.resIdx[k];
      }
    }
    this.min = currentMin;
    return y;
  }

  /** nnChain's update of d(y, i) for every live i != y after x (already removed from `live`) merged into y. */
  update(x: number, y: number, nx: number, ny: number, nLive: number): void {
    const py = this.position(y, nLive);
    const shared = this.shares(nLive);
    let c = this.split(0, py, STRIDED_CHUNK, 1, 0, shared);
    c = this.split(py + 1, nLive, CONTIGUOUS_CHUNK, 0, c, shared);
    this.run(UPDATE, x, y, nx, ny, c, shared);
  }

  close(): void {
    if (!this.worker) return;
    Atomics.store(this.ctrl, STOP, 1);
    Atomics.add(this.ctrl, GEN, 1);
    Atomics.notify(this.ctrl, GEN);
    void this.worker.terminate();
    this.stats.workerChunks = Atomics.load(this.ctrl, CTRL_LEN - 1);
    this.worker = null;
  }

  /** The position of live slot s in `live` (ascending). */
  private position(s: number, nLive: number): number {
    const live = this.live;
    let lo = 0,
      hi = nLive;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (live[mid] < s) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** [a0, a1) as one chunk, or when shared as at least 2 of about equal sizes, at most `size`, appended from chunk c; returns the new count. */
  private split(a0: number, a1: number, size: number, strided: number, c: number, shared: boolean): number {
    const len = a1 - a0;
    if (len <= 0) return c;
    const k = shared ? Math.max(2, Math.ceil(len / size)) : 1;
    const ch = this.chunks;
    for (let j = 0; j < k; j++) {
      ch[3 * c] = a0 + Math.floor((len * j) / k);
      ch[3 * c + 1] = a0 + Math.floor((len * (j + 1)) / k);
      ch[3 * c + 2] = strided;
      c++;
    }
    return c;
  }

  private run(kind: number, x: number, y: number, nx: number, ny: number, nChunks: number, shared: boolean): void {
    const { ctrl } = this;
    ctrl[KIND] = kind;
    ctrl[X] = x;
    ctrl[Y] = y;
    ctrl[NX] = nx;
    ctrl[NY] = ny;
    ctrl[AVERAGE] = this.average ? 1 : 0;
    ctrl[NCHUNKS] = nChunks;
    this.gen++;
    const tag = (this.gen & 0xffff) * (1 << CHUNK_BITS);
    Atomics.store(ctrl, DONE, 0);
    Atomics.store(ctrl, TICKET, tag);
    if (shared) {
      Atomics.store(ctrl, GEN, this.gen);
      Atomics.notify(ctrl, GEN);
      this.stats.sharedRounds++;
    }
    this.mine = 0;
    claimChunks(ctrl, this.chunks, this.U, this.rowStart, this.live, this.resVal, this.resIdx, tag, this.countMine);
    if (this.mine < nChunks) {
      const t0 = performance.now();
      this.waitForWorker(nChunks);
      this.stats.waitS = (this.stats.waitS ?? 0) + (performance.now() - t0) / 1000;
    }
  }

  private waitForWorker(nChunks: number): void {
    const { ctrl } = this;
    let spins = 0;
    let last = Atomics.load(ctrl, DONE);
    let lastProgress = 0;
    while (this.mine + last < nChunks) {
      if (Atomics.load(ctrl, ERROR) !== 0) this.fail();
      if (++spins > MAIN_SPINS) {
        Atomics.store(ctrl, MAIN_WAITING, 1);
        Atomics.wait(ctrl, DONE, last, 100);
        Atomics.store(ctrl, MAIN_WAITING, 0);
        const now = Date.now();
        if (lastProgress === 0) lastProgress = now;
        else if (now - lastProgress > STALL_MS) throw new Error(`nn-chain: the worker made no progress for ${STALL_MS / 1000} s`);
      }
      const done = Atomics.load(ctrl, DONE);
      if (done !== last) {
        last = done;
        lastProgress = 0;
      }
    }
  }

  private fail(): never {
    const end = this.err.indexOf(0);
    const msg = new TextDecoder().decode(this.err.slice(0, end < 0 ? this.err.length : end));
    this.close();
    throw new Error(`nn-chain worker failed: ${msg}`);
  }
}
