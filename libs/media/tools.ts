import { spawn } from 'node:child_process';
import { KeycastError } from '../config/index.js';

/** Which ffmpeg/ffprobe binaries to run. FFMPEG_PATH / FFPROBE_PATH (fluent-ffmpeg's names) override the PATH lookup. */
export interface MediaTools {
  ffmpeg: string;
  ffprobe: string;
}

let tools: MediaTools = {
  ffmpeg: process.env.FFMPEG_PATH || 'ffmpeg',
  ffprobe: process.env.FFPROBE_PATH || 'ffprobe',
};

export function getMediaTools(): MediaTools {
  return { ...tools };
}

/** Points the media lib at other binaries (tests, custom builds). Returns the previous setting. */
export function setMediaTools(next: Partial<MediaTools>): MediaTools {
  const prev = tools;
  tools = { ...tools, ...next };
  return prev;
}

export function missingToolError(bin: string): KeycastError {
  return new KeycastError(
    'INTERNAL',
    `${bin} not found: install ffmpeg (it provides ffmpeg and ffprobe, e.g. apt-get install ffmpeg) or set FFMPEG_PATH / FFPROBE_PATH`,
  );
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** True when the tool was killed for running past `timeoutMs`. */
  timedOut: boolean;
}

/** How long a short-lived tool may run: a hostile file must not hold a probe (and the request waiting on it) forever. */
export const TOOL_TIMEOUT_MS = 60_000;

/** Runs a short-lived tool to completion (ffprobe, `ffmpeg -version`): its output is small, so it is collected whole. */
export function runTool(bin: string, args: string[], { timeoutMs = TOOL_TIMEOUT_MS } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, timeoutMs);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(e.code === 'ENOENT' || e.code === 'EACCES' ? missingToolError(bin) : e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, timedOut, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}

export interface FfmpegVersion {
  ffmpeg: string;
  ffprobe: string;
}

/** True when both ffmpeg and ffprobe can be run. */
export async function ffmpegAvailable(): Promise<boolean> {
  try {
    await ffmpegVersion();
    return true;
  } catch {
    return false;
  }
}

/** Version strings of both tools; throws KeycastError INTERNAL (with an install hint) when either is missing. */
export async function ffmpegVersion(): Promise<FfmpegVersion> {
  const [a, b] = await Promise.all([runTool(tools.ffmpeg, ['-version']), runTool(tools.ffprobe, ['-version'])]);
  if (a.code !== 0) throw missingToolError(tools.ffmpeg);
  if (b.code !== 0) throw missingToolError(tools.ffprobe);
  const first = (s: string) => (s.split('\n')[0] ?? '').replace(/ Copyright.*$/, '').trim();
  return { ffmpeg: first(a.stdout), ffprobe: first(b.stdout) };
}

/** Throws a clear KeycastError when ffmpeg or ffprobe is missing; resolves otherwise. */
export async function assertFfmpeg(): Promise<void> {
  await ffmpegVersion();
}

/** The last stderr line worth showing a person: not progress, not per-frame filter logs. */
export function lastMeaningfulLine(lines: readonly string[]): string {
  for (let i = lines.length - 1; i >= 0; i--) {
    const l = lines[i].trim();
    if (!l || /^\[Parsed_showinfo/.test(l) || /^(frame=|video:|size=|Press \[q\])/.test(l)) continue;
    return l;
  }
  return '(ffmpeg printed nothing)';
}
