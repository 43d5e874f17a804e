import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { KeycastError } from '../config/index.js';
import type { Frame, SampleOptions } from './types.js';
import { probeVideo } from './probe.js';
import { resizeTarget } from './resize.js';
import {
  ffSeconds,
  lastExpectedSlot,
  planExpectsFrames,
  planSampling,
  planTime,
  seekTime,
  selectExpression,
  slotTime,
  type SampleRange,
  type SamplingPlan,
} from './timeline.js';
import { getMediaTools, lastMeaningfulLine, missingToolError, runTool } from './tools.js';

const SHOWINFO_FRAME = /\[Parsed_showinfo_\d+ @ [^\]]*\] n:\s*\d+ pts:\s*(-?\d+)/;
const SHOWINFO_TB = /\[Parsed_showinfo_\d+ @ [^\]]*\] config in time_base: (\d+)\/(\d+)/;
/** The metadata filter's line for a decoded frame whose scene score is above the threshold (a cut): `frame:N pts:P pts_time:T`. */
const CUT_FRAME = /\[Parsed_metadata_\d+ @ [^\]]*\] frame:\s*\d+\s+pts:\s*(-?\d+)/;
const TAIL_LINES = 40;
/** ffmpeg's exit code when more than `-max_error_rate` (default 2/3) of the frames failed to decode. Below that it conceals the damage and goes on. */
const FFMPEG_TOO_MANY_DECODE_ERRORS = 69;
const DECODE_ERROR_LINE = /error while decoding|invalid nal|invalid data|decode_slice|concealing|no frame!/i;

let passthroughArgs: Promise<string[]> | null = null;

/** `-fps_mode passthrough` (ffmpeg >= 5.1) or `-vsync passthrough` (older): without it ffmpeg's own CFR sync would
 *  re-insert duplicates between the selected frames. Asked of the binary itself (its option list), not read from a
 *  version number: git snapshot builds (the static build of the npm package) print none. */
export function vsyncPassthrough(): Promise<string[]> {
  passthroughArgs ??= runTool(getMediaTools().ffmpeg, ['-hide_banner', '-h', 'long'])
    .then((r) => (/^-fps_mode\b/m.test(r.stdout) ? ['-fps_mode', 'passthrough'] : ['-vsync', 'passthrough']))
    .catch((e) => {
      passthroughArgs = null;
      throw e;
    });
  return passthroughArgs;
}

/**
 * ffmpeg's command line for a plan: grid-aligned input seek, CFR grid (fps filter), selection, resize, RGB24 on stdout.
 * `frameLog` (default true): also the scene scores and cuts, and a showinfo line per frame (its timestamp), which
 * sampleFrames reads; false gives the same frames alone (the benches' plain face-api loop, which must not pay for the
 * scene scores it does not use).
 */
export function ffmpegSampleArgs(
  absPath: string,
  streamIndex: number,
  plan: SamplingPlan,
  out: { width: number; height: number },
  resize: boolean,
  vsync: string[],
  frameLog = true,
): string[] {
  const fpsStr = `${plan.fps.num}/${plan.fps.den}`;
  const filters = [`fps=fps=${fpsStr}:start_time=0`];
  // Shot boundaries: this select passes every frame of the grid but makes ffmpeg compute its scene score
  // (the one scene sampling selects on), and the metadata filter logs the frames scored above the threshold (cuts).
  if (frameLog) filters.push(`select='gte(scene,0)'`, `metadata=mode=print:key=lavfi.scene_score:value=${plan.threshold}:function=greater`);
  filters.push(`select='${selectExpression(plan)}'`);
  if (resize) filters.push(`scale=${out.width}:${out.height}:flags=area`);
  filters.push('format=rgb24');
  if (frameLog) filters.push('showinfo');
  const input: string[] = [];
  const seek = seekTime(plan);
  if (seek > 0) input.push('-ss', ffSeconds(seek));
  // Reading stops one slot past the end: later frames cannot change the slots we emit.
  if (Number.isFinite(plan.endSlot)) input.push('-t', ffSeconds(slotTime(plan.endSlot - plan.seekSlot + 1, plan.fps)));
  return [
    '-hide_banner',
    '-nostdin',
    '-nostats',
    '-loglevel',
    frameLog ? 'info' : 'error',
    // Local files only, whatever ffmpeg's defaults: the decoder never follows a URL named inside the input.
    '-protocol_whitelist',
    'file',
    ...input,
    '-i',
    `file:${absPath}`,
    '-map',
    `0:${streamIndex}`,
    '-an',
    '-sn',
    '-dn',
    '-vf',
    filters.join(','),
    ...vsync,
    '-f',
    'rawvideo',
    '-pix_fmt',
    'rgb24',
    'pipe:1',
  ];
}

/**
 * The shot a frame at `slot` belongs to, named by the slot where it starts: the latest cut at or before `slot`, or
 * `rangeStart` (where this range's emission starts) when no cut was seen since decoding began. Cuts decoded in the
 * preroll before a segment's start count, so a shot that a segment boundary splits keeps its name when its cut lies
 * in the preroll; otherwise the segment names it by its own start (two names for one shot: a cross-shot pair more,
 * never two shots merged, since every name is a slot inside the shot it names).
 */
export function shotStart(cutSlots: readonly number[], slot: number, rangeStart: number): number {
  let best = -1;
  for (const c of cutSlots) if (c <= slot && c > best) best = c;
  return best >= 0 ? best : Math.min(rangeStart, slot);
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

/** One ffmpeg process: its exit (a spawn failure counts as one, with the error kept) and a kill that is safe to repeat. */
interface FfmpegProcess {
  child: ChildProcessByStdio<null, Readable, Readable>;
  /** Resolves when the process exited or could not start. */
  exit: Promise<{ code: number | null; sig: NodeJS.Signals | null }>;
  exited(): boolean;
  /** Why the process could not start (ENOENT …), once `exit` resolved; else null. */
  spawnError(): NodeJS.ErrnoException | null;
  kill(): void;
}

function startFfmpeg(bin: string, args: string[]): FfmpegProcess {
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let spawnError: NodeJS.ErrnoException | null = null;
  let exited = false;
  const exit = new Promise<{ code: number | null; sig: NodeJS.Signals | null }>((res) => {
    child.on('exit', (code, sig) => {
      exited = true;
      res({ code, sig });
    });
    child.on('error', (e: NodeJS.ErrnoException) => {
      spawnError = e;
      exited = true;
      res({ code: null, sig: null });
    });
  });
  return {
    child,
    exit,
    exited: () => exited,
    spawnError: () => spawnError,
    kill() {
      if (exited) return;
      child.stdout.destroy();
      child.kill('SIGKILL');
    },
  };
}

/**
 * What ffmpeg's stderr says, read as it comes: the slot of each emitted frame (showinfo's line, written before the
 * frame's bytes reach stdout), the cuts seen so far, and the last lines of anything else (for error messages).
 */
interface FrameLog {
  /** The slot of the next emitted frame; waits for its showinfo line. */
  nextSlot(): Promise<number>;
  /** The shot a frame at `slot` belongs to (shotStart over the cuts logged so far). */
  shotOf(slot: number): number;
  /** The last TAIL_LINES lines that are neither showinfo's nor the metadata filter's. */
  readonly tail: string[];
  /** Resolves once stderr is closed and every line read. */
  closed(): Promise<void>;
}

function readFrameLog(stderr: Readable, plan: SamplingPlan, path: string): FrameLog {
  const ptsQueue: number[] = [];
  // pts of the cuts seen so far (the metadata filter sits before the selection, so a cut at or before a sampled
  // frame is always logged before that frame's showinfo line).
  const cutPts: number[] = [];
  const tail: string[] = [];
  let timeBase: [number, number] | null = null;
  let stderrDone = false;
  let wake: (() => void) | null = null;
  let partial = '';
  const onLine = (line: string) => {
    const f = SHOWINFO_FRAME.exec(line);
    if (f) {
      ptsQueue.push(Number(f[1]));
      return;
    }
    const cut = CUT_FRAME.exec(line);
    if (cut) {
      cutPts.push(Number(cut[1]));
      return;
    }
    const tb = SHOWINFO_TB.exec(line);
    if (tb) timeBase ??= [Number(tb[1]), Number(tb[2])];
    if (/Parsed_showinfo|Parsed_metadata/.test(line)) return;
    tail.push(line);
    if (tail.length > TAIL_LINES) tail.shift();
  };
  stderr.setEncoding('utf8');
  stderr.on('data', (s: string) => {
    const lines = (partial + s).split(/\r?\n|\r/);
    partial = lines.pop() ?? '';
    for (const l of lines) onLine(l);
    wake?.();
  });
  stderr.on('close', () => {
    if (partial) onLine(partial);
    partial = '';
    stderrDone = true;
    wake?.();
  });
  // showinfo and metadata sit after the fps filter, whose time base is 1/fps: pts is the slot number counted from the seek point
  // (seekTime: output time 0 is slot seekSlot, less a quarter frame that rounds away).
  const slotOf = (pts: number) => plan.seekSlot + (timeBase ? Math.round((pts * timeBase[0] * plan.fps.num) / (timeBase[1] * plan.fps.den)) : pts);
  return {
    tail,
    async nextSlot() {
      while (ptsQueue.length === 0 && !stderrDone) await new Promise<void>((r) => (wake = r));
      wake = null;
      const pts = ptsQueue.shift();
      if (pts === undefined) throw new KeycastError('DECODE_FAILED', `${path}: ffmpeg emitted a frame without its showinfo line`);
      return slotOf(pts);
    },
    shotOf: (slot) => shotStart(cutPts.map(slotOf), slot, plan.startSlot),
    closed: () => (stderrDone ? Promise.resolve() : new Promise<void>((r) => stderr.once('close', () => r()))),
  };
}

/**
 * ffmpeg's raw RGB24 stream cut into whole frames of `frameBytes`, each in a buffer of its own (handed to the consumer,
 * never reused). `left.bytes`: the bytes of an unfinished frame when the stream ended (0 when it ended on a frame).
 */
async function* rawFrames(stdout: AsyncIterable<Buffer>, frameBytes: number, left: { bytes: number }): AsyncGenerator<Buffer> {
  let filled = 0;
  let buf = Buffer.allocUnsafe(frameBytes);
  for await (const chunk of stdout) {
    let off = 0;
    while (off < chunk.length) {
      const n = Math.min(frameBytes - filled, chunk.length - off);
      chunk.copy(buf, filled, off, off + n);
      filled += n;
      off += n;
      left.bytes = filled;
      if (filled < frameBytes) continue;
      const frame = buf;
      buf = Buffer.allocUnsafe(frameBytes);
      filled = 0;
      left.bytes = 0;
      yield frame;
    }
  }
}

/** Why ffmpeg could not start: a missing or unusable binary is INTERNAL (missingToolError), anything else as it came. */
function spawnFailure(e: NodeJS.ErrnoException, bin: string): Error {
  return e.code === 'ENOENT' || e.code === 'EACCES' ? missingToolError(bin) : e;
}

/** The error of an ffmpeg run that ended badly (gave up on decoding, failed or was killed), or null. */
function exitError({ code, sig }: { code: number | null; sig: NodeJS.Signals | null }, tail: readonly string[], path: string): KeycastError | null {
  const last = lastMeaningfulLine(tail);
  if (code === FFMPEG_TOO_MANY_DECODE_ERRORS) {
    const why = [...tail].reverse().find((l) => DECODE_ERROR_LINE.test(l)) ?? last;
    return new KeycastError(
      'DECODE_FAILED',
      `${path}: the video stream is corrupt: too many of its frames could not be decoded (ffmpeg gave up, exit code ${code}): ${why.trim()}`,
    );
  }
  if (code !== 0) {
    // Killed by a signal (the OOM killer, an operator, a crash) says more about the machine than about the file: worth another try.
    return new KeycastError(
      'DECODE_FAILED',
      `${path}: ffmpeg failed (${sig ? `killed by ${sig}` : `exit code ${code}`}): ${last}`,
      sig ? { signal: sig, retryable: true } : undefined,
    );
  }
  return null;
}

/**
 * The error of a run that exited cleanly but did not cover what it should have: output ending inside a frame, no frame
 * in a range the video covers, or a stream that stops clearly short of its own known duration. Else null.
 */
function coverageError(
  got: { count: number; lastIndex: number; leftBytes: number; frameBytes: number },
  plan: SamplingPlan,
  video: { duration_s: number; durationFromStream: boolean },
  tail: readonly string[],
  path: string,
): KeycastError | null {
  const last = lastMeaningfulLine(tail);
  if (got.leftBytes > 0)
    return new KeycastError('DECODE_FAILED', `${path}: ffmpeg output ended inside a frame (${got.leftBytes} of ${got.frameBytes} bytes): ${last}`);
  const duration = video.duration_s;
  if (got.count === 0 && planExpectsFrames(plan, duration)) {
    const from = planTime(plan, plan.startSlot).toFixed(3);
    const to = Number.isFinite(plan.endSlot) ? planTime(plan, plan.endSlot).toFixed(3) : duration.toFixed(3);
    const decodeError = tail.some((l) => /error while decoding|decode_slice|concealing|invalid nal|no frame!/i.test(l));
    return new KeycastError(
      decodeError ? 'DECODE_FAILED' : 'TRUNCATED_VIDEO',
      `${path}: no frame could be decoded in [${from} s, ${to} s) of a ${duration.toFixed(3)} s video${decodeError ? '' : ' (file cut short?)'}: ${last}`,
    );
  }
  // A stream whose own duration is known and that stops clearly short of it (two samples and half a second) was cut.
  const expectedLast = video.durationFromStream && got.count > 0 ? lastExpectedSlot(plan, duration) : -1;
  if (expectedLast - got.lastIndex >= Math.max(2 * plan.step, Math.ceil((0.5 * plan.fps.num) / plan.fps.den))) {
    return new KeycastError(
      'TRUNCATED_VIDEO',
      `${path}: decoding stopped at ${planTime(plan, got.lastIndex).toFixed(3)} s of a ${duration.toFixed(3)} s video (file cut short?): ${last}`,
    );
  }
  return null;
}

/**
 * Streams sampled frames of a video as packed RGB24, decoded by one ffmpeg process.
 *
 * Frame selection is `planSampling`'s (see there): frames are slots of the video stream's constant-frame-rate timeline,
 * `index` is the frame's number in the stream (slot 0 is its first frame) and `t = start_s + index / fps` its
 * presentation time on the file's timeline, whether or not decoding started with a seek. No frame is emitted twice.
 * Frames wider than `resizing_resolution` are scaled down (see `resizeTarget`); `sourceWidth/sourceHeight` are the
 * display size after rotation.
 *
 * ffmpeg is read only as fast as the consumer takes frames (at most the frame being assembled and the stream's
 * read-ahead are buffered). Breaking out of the loop, or aborting `range.signal`, kills ffmpeg and waits for it to exit;
 * an abort then rejects with the signal's reason.
 *
 * Throws KeycastError: probe's errors; INVALID_OPTION; DECODE_FAILED when ffmpeg fails (details `{signal, retryable: true}`
 * when a signal ended it); TRUNCATED_VIDEO when a range
 * the video should cover yields no frame; INTERNAL when ffmpeg is missing.
 */
export async function* sampleFrames(path: string, opts: SampleOptions, range: SampleRange = {}): AsyncGenerator<Frame> {
  const signal = range.signal;
  if (signal?.aborted) throw abortReason(signal);
  const { info, streamIndex, fps, start_s, durationFromStream } = await probeVideo(path);
  const plan = planSampling(opts, fps, range, start_s);
  if (plan.startSlot >= plan.endSlot) return;
  const out = resizeTarget(info.width, info.height, opts);
  const resized = out.width !== info.width || out.height !== info.height;
  const args = ffmpegSampleArgs(resolve(path), streamIndex, plan, out, resized, await vsyncPassthrough());
  if (signal?.aborted) throw abortReason(signal);

  const bin = getMediaTools().ffmpeg;
  const ff = startFfmpeg(bin, args);
  const onAbort = () => ff.kill();
  signal?.addEventListener('abort', onAbort, { once: true });
  const log = readFrameLog(ff.child.stderr, plan, path);
  const frameBytes = out.width * out.height * 3;
  const left = { bytes: 0 };
  let count = 0;
  let lastIndex = -1;
  try {
    for await (const data of rawFrames(ff.child.stdout as AsyncIterable<Buffer>, frameBytes, left)) {
      const index = await log.nextSlot();
      if (signal?.aborted) throw abortReason(signal);
      count++;
      lastIndex = index;
      yield {
        index,
        t: planTime(plan, index),
        width: out.width,
        height: out.height,
        sourceWidth: info.width,
        sourceHeight: info.height,
        shot: log.shotOf(index),
        data,
      };
    }
    const ended = await ff.exit;
    if (signal?.aborted) throw abortReason(signal);
    const spawnError = ff.spawnError();
    if (spawnError) throw spawnFailure(spawnError, bin);
    await log.closed();
    const failed =
      exitError(ended, log.tail, path) ??
      coverageError({ count, lastIndex, leftBytes: left.bytes, frameBytes }, plan, { duration_s: info.duration_s, durationFromStream }, log.tail, path);
    if (failed) throw failed;
  } catch (e) {
    // Killing ffmpeg on abort tears its stdout down mid-read (ERR_STREAM_PREMATURE_CLOSE): report the abort instead.
    if (signal?.aborted) throw abortReason(signal);
    throw e;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    if (!ff.exited()) {
      ff.kill();
      await ff.exit;
    }
  }
}
