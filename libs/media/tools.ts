import { spawn } from 'node:child_process';
import { accessSync, chmodSync, constants, existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join } from 'node:path';
import { KeycastError, isKeycastError } from '../config/index.js';

/**
 * Which ffmpeg/ffprobe binaries to run, in this order (the first that exists wins, per tool):
 *   1. FFMPEG_PATH / FFPROBE_PATH (fluent-ffmpeg's names): an operator's explicit choice;
 *   2. `ffmpeg` / `ffprobe` on PATH: the system's build, patched by its distribution (the Docker images
 *      install Debian's);
 *   3. the static builds shipped inside the optional dependencies @ffmpeg-installer/<platform>-<arch>
 *      and @ffprobe-installer/<platform>-<arch>, so a machine with only Node runs the CLI after `npm ci`.
 *      They are old (ffmpeg: a 2018-12 snapshot, 4.1-era; ffprobe: a 2023 snapshot) and unpatched, so the
 *      service refuses them in production (assertServiceTools): there they would decode untrusted uploads.
 */
export interface MediaTools {
  ffmpeg: string;
  ffprobe: string;
}

/** Where a tool came from (see MediaTools). `missing`: nothing found; running it fails with TOOL_MISSING. */
export type ToolSource = 'env' | 'path' | 'bundled' | 'missing';

export interface ResolvedTool {
  path: string;
  source: ToolSource;
}

const BUNDLED: Record<keyof MediaTools, string> = { ffmpeg: '@ffmpeg-installer', ffprobe: '@ffprobe-installer' };
const ENV_NAME: Record<keyof MediaTools, string> = { ffmpeg: 'FFMPEG_PATH', ffprobe: 'FFPROBE_PATH' };

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

function onPath(name: string, pathVar: string | undefined): string | undefined {
  for (const dir of (pathVar ?? '').split(delimiter)) {
    if (dir && executable(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

function bundled(tool: keyof MediaTools): string | undefined {
  const require = createRequire(import.meta.url);
  let dir: string;
  try {
    dir = dirname(require.resolve(`${BUNDLED[tool]}/${process.platform}-${process.arch}/package.json`));
  } catch {
    return undefined;
  }
  const file = join(dir, process.platform === 'win32' ? `${tool}.exe` : tool);
  if (!existsSync(file)) return undefined;
  // The packages' own postinstall (`chmod u+x`) does not run where install scripts are not allowed.
  if (!executable(file)) {
    try {
      chmodSync(file, 0o755);
    } catch {
      return undefined;
    }
  }
  return executable(file) ? file : undefined;
}

/** Finds one tool (see MediaTools for the order). */
export function resolveTool(tool: keyof MediaTools, env: NodeJS.ProcessEnv = process.env): ResolvedTool {
  const explicit = env[ENV_NAME[tool]];
  if (explicit) return { path: explicit, source: 'env' };
  const system = onPath(tool, env.PATH);
  if (system) return { path: system, source: 'path' };
  const shipped = bundled(tool);
  if (shipped) return { path: shipped, source: 'bundled' };
  return { path: tool, source: 'missing' };
}

let resolved: Record<keyof MediaTools, ResolvedTool> | undefined;
let overrides: Partial<MediaTools> = {};

function current(): Record<keyof MediaTools, ResolvedTool> {
  resolved ??= { ffmpeg: resolveTool('ffmpeg'), ffprobe: resolveTool('ffprobe') };
  return resolved;
}

export function getMediaTools(): MediaTools {
  const r = current();
  return { ffmpeg: overrides.ffmpeg ?? r.ffmpeg.path, ffprobe: overrides.ffprobe ?? r.ffprobe.path };
}

/** Where each tool in use comes from (an override set by setMediaTools counts as `env`). */
export function mediaToolSources(): Record<keyof MediaTools, ToolSource> {
  const r = current();
  return { ffmpeg: overrides.ffmpeg ? 'env' : r.ffmpeg.source, ffprobe: overrides.ffprobe ? 'env' : r.ffprobe.source };
}

/** Points the media lib at other binaries (tests, custom builds). Returns the previous setting. */
export function setMediaTools(next: Partial<MediaTools>): MediaTools {
  const prev = getMediaTools();
  overrides = { ...overrides, ...next };
  return prev;
}

/**
 * The service's rule: in production (NODE_ENV=production) ffmpeg and ffprobe decode untrusted uploads,
 * so they must be a maintained build (the distribution's, or one an operator names with FFMPEG_PATH /
 * FFPROBE_PATH), never the old static builds of the npm packages. Throws UNSAFE_TOOL, or TOOL_MISSING.
 */
export function assertServiceTools(env: NodeJS.ProcessEnv = process.env): void {
  const sources = mediaToolSources();
  for (const tool of ['ffmpeg', 'ffprobe'] as const) {
    if (sources[tool] === 'missing') throw missingToolError(tool);
    if (sources[tool] === 'bundled' && env.NODE_ENV === 'production') {
      throw new KeycastError(
        'UNSAFE_TOOL',
        `refusing the ${tool} build bundled in ${BUNDLED[tool]}/${process.platform}-${process.arch} in production (an old static build, unfit for untrusted uploads): install the distribution's ffmpeg (apt-get install ffmpeg) or set ${ENV_NAME[tool]}`,
      );
    }
  }
}

/** assertServiceTools for a service's start: a refusal is one line `keycast: CODE: message` and exit 1, not a stack trace. */
export function serviceToolsOrExit(env: NodeJS.ProcessEnv = process.env): void {
  try {
    assertServiceTools(env);
  } catch (e) {
    if (!isKeycastError(e)) throw e;
    process.stderr.write(`keycast: ${e.code}: ${e.message}\n`);
    process.exit(1);
  }
}

export function missingToolError(bin: string): KeycastError {
  return new KeycastError(
    'TOOL_MISSING',
    `${bin} not found: install ffmpeg (it provides ffmpeg and ffprobe, e.g. apt-get install ffmpeg), set FFMPEG_PATH / FFPROBE_PATH, or reinstall with optional dependencies (npm ci ships a static build)`,
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
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
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

/** Version strings of both tools; throws KeycastError TOOL_MISSING (with an install hint) when either is missing. */
export async function ffmpegVersion(): Promise<FfmpegVersion> {
  const tools = getMediaTools();
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
