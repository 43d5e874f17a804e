/**
 * Memory of `keycast analyze` on a long video: does peak RSS stay flat from a 5-minute to a 60-minute run?
 *
 *   node --import tsx bench/long-video.ts [--clip FILE ...] [--short-min 5] [--long-min 60] [--interval 6]
 *                                         [--workers N] [--no-one-worker] [--recluster-n N,N] [--keep] [--record]
 *
 * Builds the long videos by concatenating real clips (default: ../shared/data/videos/short_hamilton_clip.mp4,
 * over and over) with ffmpeg's concat demuxer and stream copy into a temporary folder (no media is kept
 * unless --keep), then runs the real CLI, `bin/keycast.js analyze VIDEO --capture-interval-sec S`, on each as
 * a child process under `/usr/bin/time -v`, one run after the other. Both runs sample at the same interval, so
 * the long run has `long/short` times the frames and faces: what grows with the video's length shows up.
 *
 * What is counted: the CLI is one Node process; its inference threads (worker_threads, one TF.js wasm instance
 * each) live in that process, so its RSS includes them. ffmpeg (the frame decoder) is a child process with
 * its own RSS. `/usr/bin/time -v`'s "Maximum resident set size" is the largest peak of any single process it
 * waited for (getrusage RUSAGE_CHILDREN), i.e. the Node process's peak, ffmpeg not added. The sampler reads
 * /proc/PID/status (VmRSS) of the Node process and of every descendant once a second, so the table also gives
 * the peak of their sum (Node + ffmpeg), and the RSS in each tenth of the extraction's wall time shows whether
 * memory grows while frames go by.
 * `--workers 1` on the short video is run too (unless --no-one-worker): the difference is one inference thread.
 * Then `keycast recluster` on the long run's faces repeated to n faces (measureRecluster): what clustering and the
 * report cost at the face counts of the default sampling (one frame a second) and beyond.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { getMediaTools, probe } from '../libs/media/index.js';
import { replaceResultsSection } from './results-file.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DEFAULT_CLIP = resolve(REPO, '../shared/data/videos/short_hamilton_clip.mp4');
const RESULTS_FILE = join(REPO, 'bench/RESULTS.md');
const HEADING = '## analyze on a long video: memory (bench/long-video.ts)';
const NOTES_BEGIN = '<!-- long-video notes: kept by --record -->';
const NOTES_END = '<!-- end of long-video notes -->';
const TIME_BIN = '/usr/bin/time';

interface Sample {
  /** Seconds since the run started. */
  t: number;
  /** RSS of the CLI's Node process (its inference threads included), MiB. */
  node: number;
  /** RSS of its descendants (ffmpeg), MiB. */
  children: number;
  /** Sampled frames done, from the last progress line seen (null before the first). */
  frames: number | null;
  /** True once fingerprints.json exists: extraction is over, clustering and the report run. */
  report: boolean;
}

export interface LongRun {
  label: string;
  video_s: number;
  workers: number;
  frames: number;
  faces: number;
  clusters: number;
  wall_s: number;
  extract_s: number;
  cluster_s: number;
  report_s: number;
  /** Sampled frames per second of extraction (the CLI's timings.frames_per_s). */
  frames_per_s: number;
  cpu_s: number | null;
  /** /usr/bin/time -v's maximum RSS (the Node process's peak), MiB; null without /usr/bin/time. */
  peak_rss_time: number | null;
  /** Peak of the sampled Node RSS and of Node + descendants, MiB (1 s sampling: a shorter spike can be missed). */
  peak_rss_node: number;
  peak_rss_tree: number;
  /** Largest sampled Node RSS in each tenth of the extraction's wall time, MiB. */
  rss_by_decile: (number | null)[];
  /** Largest Node RSS during extraction and after it (clustering + report). */
  peak_extract: number;
  /** null when the run ended before a sample fell after extraction (clustering + report under a second). */
  peak_after: number | null;
  out_bytes: { fingerprints: number; gallery: number; thumbnails: number };
  samples: Sample[];
}

function mib(kb: number): number {
  return kb / 1024;
}

function statusKb(pid: number, field: string): number | null {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** Direct children of pid (the kernel's list when it has one, else a scan of /proc). */
function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    const out: number[] = [];
    for (const d of readdirSync('/proc')) {
      if (!/^\d+$/.test(d)) continue;
      try {
        const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
        if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) out.push(Number(d));
      } catch {
        // gone meanwhile
      }
    }
    return out;
  }
}

function descendants(pid: number): number[] {
  const out: number[] = [];
  const stack = childrenOf(pid);
  while (stack.length) {
    const p = stack.pop()!;
    out.push(p);
    stack.push(...childrenOf(p));
  }
  return out;
}

function dirBytes(dir: string): number {
  if (!existsSync(dir)) return 0;
  return readdirSync(dir).reduce((s, f) => s + statSync(join(dir, f)).size, 0);
}

function fileBytes(path: string): number {
  return existsSync(path) ? statSync(path).size : 0;
}

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((res, rej) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('error', rej);
    child.on('exit', (code) => (code === 0 ? res(out) : rej(new Error(`${cmd} exited ${code}: ${err.slice(-2000)}`))));
  });
}

/** Concatenates `clips` in turn (stream copy, video only) until the result lasts at least `minutes`. */
export async function buildLongVideo(
  clips: string[],
  minutes: number,
  dir: string,
  name: string,
): Promise<{ path: string; duration_s: number; copies: number }> {
  const infos = await Promise.all(clips.map((c) => probe(c)));
  const { width, height } = infos[0];
  const odd = infos.find((i) => i.width !== width || i.height !== height);
  if (odd) throw new Error(`concat needs one frame size: ${odd.path} is ${odd.width}x${odd.height}, ${infos[0].path} ${width}x${height}`);
  const list: string[] = [];
  let total = 0;
  for (let i = 0; total < minutes * 60; i++) {
    const info = infos[i % infos.length];
    list.push(`file '${info.path.replace(/'/g, "'\\''")}'`);
    total += info.duration_s;
  }
  const listFile = join(dir, `${name}.txt`);
  writeFileSync(listFile, `${list.join('\n')}\n`);
  const path = join(dir, `${name}.mp4`);
  await run(getMediaTools().ffmpeg, ['-v', 'error', '-y', '-f', 'concat', '-safe', '0', '-i', listFile, '-map', '0:v:0', '-c', 'copy', path]);
  return { path, duration_s: (await probe(path)).duration_s, copies: list.length };
}

/** Runs `keycast analyze` on `video` as a child process, sampling its memory once a second. */
export async function measureAnalyze(label: string, video: string, video_s: number, out: string, interval: number, workers: number): Promise<LongRun> {
  const timeFile = join(out, '..', `${label.replace(/\W+/g, '-')}.time.txt`);
  const cli = [
    process.execPath,
    join(REPO, 'bin/keycast.js'),
    'analyze',
    video,
    '--out',
    out,
    '--capture-interval-sec',
    String(interval),
    '--workers',
    String(workers),
  ];
  const timed = existsSync(TIME_BIN);
  const child = timed
    ? spawn(TIME_BIN, ['-v', '-o', timeFile, ...cli], { stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(cli[0], cli.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  const t0 = performance.now();
  let frames: number | null = null;
  let stderr = '';
  let stdout = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr.on('data', (b: Buffer) => {
    stderr += b.toString();
    // Non-TTY progress: "analyze 30% 120 frames, 95 faces, t=…"
    for (const m of b.toString().matchAll(/analyze (\d+)% (\d+) frames/g)) frames = Number(m[2]);
  });
  const samples: Sample[] = [];
  const decileAt = new Map<number, number>();
  const fingerprints = join(out, 'fingerprints.json');
  const sample = () => {
    const root = child.pid;
    if (root === undefined) return;
    const nodePid = timed ? childrenOf(root)[0] : root;
    if (nodePid === undefined) return;
    const node = statusKb(nodePid, 'VmRSS');
    if (node === null) return;
    const kids = descendants(nodePid).reduce((s, p) => s + (statusKb(p, 'VmRSS') ?? 0), 0);
    const s: Sample = { t: (performance.now() - t0) / 1000, node: mib(node), children: mib(kids), frames, report: existsSync(fingerprints) };
    samples.push(s);
  };
  const timer = setInterval(sample, 1000);
  const code = await new Promise<number | null>((res) => child.on('exit', (c) => res(c)));
  clearInterval(timer);
  const wall_s = (performance.now() - t0) / 1000;
  if (code !== 0) throw new Error(`${label}: keycast analyze exited ${code}: ${stderr.slice(-3000)}`);

  const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as {
    faces: unknown[];
    clusters: unknown[];
    timings: { extract_ms: number; frames: number; frames_per_s: number; cluster_ms: number; report_ms: number };
  };
  const timeText = timed && existsSync(timeFile) ? readFileSync(timeFile, 'utf8') : '';
  const num = (re: RegExp) => {
    const m = re.exec(timeText);
    return m ? Number(m[1]) : null;
  };
  const maxKb = num(/Maximum resident set size \(kbytes\): (\d+)/);
  const user = num(/User time \(seconds\): ([\d.]+)/);
  const sys = num(/System time \(seconds\): ([\d.]+)/);

  // RSS over the extraction, tenth by tenth of its wall time (the largest sample in each tenth).
  const extracting = samples.filter((s) => !s.report);
  const tEnd = extracting.length ? extracting[extracting.length - 1].t : 0;
  for (const s of extracting) {
    const d = Math.min(9, Math.floor((s.t / Math.max(tEnd, 1e-9)) * 10));
    decileAt.set(d, Math.max(decileAt.get(d) ?? 0, s.node));
  }
  const rss_by_decile = Array.from({ length: 10 }, (_, i) => decileAt.get(i) ?? null);
  const peak = (xs: number[]) => (xs.length ? Math.max(...xs) : 0);
  return {
    label,
    video_s,
    workers,
    frames: result.timings.frames,
    faces: result.faces.length,
    clusters: result.clusters.length,
    wall_s,
    extract_s: result.timings.extract_ms / 1000,
    cluster_s: result.timings.cluster_ms / 1000,
    report_s: result.timings.report_ms / 1000,
    frames_per_s: result.timings.frames_per_s,
    cpu_s: user !== null && sys !== null ? user + sys : null,
    peak_rss_time: maxKb === null ? null : mib(maxKb),
    peak_rss_node: peak(samples.map((s) => s.node)),
    peak_rss_tree: peak(samples.map((s) => s.node + s.children)),
    rss_by_decile,
    peak_extract: peak(extracting.map((s) => s.node)),
    peak_after: samples.some((s) => s.report) ? peak(samples.filter((s) => s.report).map((s) => s.node)) : null,
    out_bytes: {
      fingerprints: fileBytes(fingerprints),
      gallery: fileBytes(join(out, 'gallery.html')),
      thumbnails: dirBytes(join(out, 'faces')) + dirBytes(join(out, 'bodies')),
    },
    samples,
  };
}

export interface ReclusterRun {
  faces: number;
  wall_s: number;
  cluster_s: number;
  report_s: number;
  peak_rss: number | null;
}

/**
 * What grows with the face count after extraction (clustering's condensed n² distances, the report): the long
 * run's fingerprints.json repeated to `n` faces (each copy shifted one video length later, its vectors jittered so
 * no two faces coincide; thumbnails are links to the originals), then `keycast recluster` on it under time -v.
 */
export async function measureRecluster(from: string, n: number, dir: string): Promise<ReclusterRun> {
  const fp = JSON.parse(readFileSync(join(from, 'fingerprints.json'), 'utf8')) as {
    video: { duration_s: number };
    faces: { id: number; frame: number; t: number; face: number[]; cloth: number[]; thumbnail: string; body: string; shot?: number | null }[];
  };
  const base = fp.faces;
  const span = fp.video.duration_s;
  const frameSpan = Math.max(...base.map((f) => f.frame)) + 1;
  let seed = 1;
  const jitter = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return (seed / 2147483648 - 0.5) * 1e-3;
  };
  mkdirSync(join(dir, 'faces'), { recursive: true });
  mkdirSync(join(dir, 'bodies'), { recursive: true });
  const faces = Array.from({ length: n }, (_, id) => {
    const f = base[id % base.length];
    const copy = Math.floor(id / base.length);
    symlinkSync(join(from, f.thumbnail), join(dir, 'faces', `${id}.jpg`));
    symlinkSync(join(from, f.body), join(dir, 'bodies', `${id}.jpg`));
    return {
      ...f,
      id,
      frame: f.frame + copy * frameSpan,
      t: f.t + copy * span,
      shot: f.shot == null ? f.shot : f.shot + copy * frameSpan,
      face: f.face.map((x) => x + (copy ? jitter() : 0)),
      cloth: f.cloth.map((x) => x + (copy ? jitter() : 0)),
      thumbnail: `faces/${id}.jpg`,
      body: `bodies/${id}.jpg`,
    };
  });
  const copies = Math.ceil(n / base.length);
  writeFileSync(join(dir, 'fingerprints.json'), JSON.stringify({ ...fp, video: { ...fp.video, duration_s: span * copies }, faces }));
  const timeFile = join(dir, 'time.txt');
  const t0 = performance.now();
  await run(TIME_BIN, ['-v', '-o', timeFile, process.execPath, join(REPO, 'bin/keycast.js'), 'recluster', dir]);
  const wall_s = (performance.now() - t0) / 1000;
  const result = JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')) as { faces: unknown[]; timings: { cluster_ms: number; report_ms: number } };
  const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(readFileSync(timeFile, 'utf8'));
  return {
    faces: result.faces.length,
    wall_s,
    cluster_s: result.timings.cluster_ms / 1000,
    report_s: result.timings.report_ms / 1000,
    peak_rss: m ? mib(Number(m[1])) : null,
  };
}

const f0 = (x: number | null) => (x === null ? '-' : x.toFixed(0));
const f1 = (x: number | null) => (x === null ? '-' : x.toFixed(1));
const f2 = (x: number | null) => (x === null ? '-' : x.toFixed(2));

export function longTable(runs: LongRun[]): string {
  const ref = runs[0];
  const peakOf = (r: LongRun) => r.peak_rss_time ?? r.peak_rss_node;
  return [
    '| run | video | workers | sampled frames | faces | clusters | wall s | extraction s | sampled frames/s | CPU s | peak RSS MiB (time -v: Node process) | peak RSS MiB, Node + ffmpeg (sampled) | peak during extraction / after (Node, sampled) | peak RSS vs 5-min run |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|',
    ...runs.map(
      (r) =>
        `| ${r.label} | ${(r.video_s / 60).toFixed(1)} min | ${r.workers} | ${r.frames} | ${r.faces} | ${r.clusters} | ${f1(r.wall_s)} | ${f1(r.extract_s)} | ${f2(r.frames_per_s)} | ${f1(r.cpu_s)} | ${f0(r.peak_rss_time)} | ${f0(r.peak_rss_tree)} | ${f0(r.peak_extract)} / ${f0(r.peak_after)} | ${(peakOf(r) / peakOf(ref)).toFixed(2)}x |`,
    ),
  ].join('\n');
}

export function decileTable(runs: LongRun[]): string {
  return [
    '| run | 0-10% | 10-20% | 20-30% | 30-40% | 40-50% | 50-60% | 60-70% | 70-80% | 80-90% | 90-100% | after extraction (peak) |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...runs.map((r) => `| ${r.label} | ${r.rss_by_decile.map(f0).join(' | ')} | ${f0(r.peak_after)} |`),
  ].join('\n');
}

function outputsTable(runs: LongRun[]): string {
  const kb = (b: number) => (b / 1024).toFixed(0);
  return [
    '| run | cluster s | report s | fingerprints.json KiB | gallery.html KiB | thumbnails KiB (faces + bodies, on disk) |',
    '|---|---:|---:|---:|---:|---:|',
    ...runs.map(
      (r) =>
        `| ${r.label} | ${f2(r.cluster_s)} | ${f2(r.report_s)} | ${kb(r.out_bytes.fingerprints)} | ${kb(r.out_bytes.gallery)} | ${kb(r.out_bytes.thumbnails)} |`,
    ),
  ].join('\n');
}

function reclusterTable(rs: ReclusterRun[], long: LongRun): string {
  return [
    `| faces | wall s | cluster s | report s | peak RSS MiB | vs the ${long.label} analyze peak |`,
    '|---:|---:|---:|---:|---:|---:|',
    ...rs.map(
      (r) =>
        `| ${r.faces} | ${f1(r.wall_s)} | ${f2(r.cluster_s)} | ${f2(r.report_s)} | ${f0(r.peak_rss)} | ${r.peak_rss === null || long.peak_rss_time === null ? '-' : (r.peak_rss / long.peak_rss_time).toFixed(2) + 'x'} |`,
    ),
  ].join('\n');
}

async function main() {
  const { values: v } = parseArgs({
    options: {
      clip: { type: 'string', multiple: true },
      'short-min': { type: 'string', default: '5' },
      'long-min': { type: 'string', default: '60' },
      interval: { type: 'string', default: '6' },
      workers: { type: 'string', default: String(availableParallelism()) },
      'no-one-worker': { type: 'boolean', default: false },
      'recluster-n': { type: 'string' },
      keep: { type: 'boolean', default: false },
      record: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const clips = (v.clip ?? [DEFAULT_CLIP]).map((c) => resolve(c));
  for (const c of clips) if (!existsSync(c)) throw new Error(`${c} not found (the default clip lives in ../shared/data)`);
  const interval = Number(v.interval);
  const workers = Number(v.workers);
  const log = (l: string) => process.stderr.write(`long-video: ${l}\n`);
  const dir = mkdtempSync(join(tmpdir(), 'keycast-long-'));
  const load_before = loadavg();
  const started = new Date();
  const runs: LongRun[] = [];
  const reclusters: ReclusterRun[] = [];
  try {
    const short = await buildLongVideo(clips, Number(v['short-min']), dir, 'short');
    const long = await buildLongVideo(clips, Number(v['long-min']), dir, 'long');
    log(
      `videos: ${short.path} (${short.duration_s.toFixed(0)} s, ${short.copies} clips), ${long.path} (${long.duration_s.toFixed(0)} s, ${long.copies} clips)`,
    );
    const plan: [string, { path: string; duration_s: number }, number][] = [
      [`${v['short-min']}-min`, short, workers],
      [`${v['long-min']}-min`, long, workers],
    ];
    if (!v['no-one-worker'] && workers > 1) plan.push([`${v['short-min']}-min, 1 worker`, short, 1]);
    for (const [label, video, w] of plan) {
      log(`${label}: analyze ${video.path} every ${interval} s, ${w} workers`);
      const r = await measureAnalyze(label, video.path, video.duration_s, join(dir, `out-${runs.length}`), interval, w);
      runs.push(r);
      log(
        `${label}: ${r.frames} frames, ${r.faces} faces, ${r.wall_s.toFixed(1)} s, peak RSS ${f0(r.peak_rss_time)} MiB (time -v), ${f0(r.peak_rss_tree)} MiB (tree)`,
      );
      writeFileSync(join(dir, `${label.replace(/\W+/g, '-')}.samples.json`), JSON.stringify(r.samples));
    }
    // Default: the face count the long video would give at the default sampling (one frame a second), and 10,000.
    const ns =
      v['recluster-n'] === undefined
        ? [Math.round(runs[1].faces * interval), 10_000]
        : v['recluster-n']
            .split(',')
            .map(Number)
            .filter((n) => n > 0);
    for (const n of ns) {
      log(`recluster at ${n} faces`);
      const r = await measureRecluster(join(dir, 'out-1'), n, join(dir, `recluster-${n}`));
      reclusters.push(r);
      log(`recluster at ${n} faces: ${r.wall_s.toFixed(1)} s, peak RSS ${f0(r.peak_rss)} MiB`);
    }
  } finally {
    if (!v.keep) rmSync(dir, { recursive: true, force: true });
    else log(`kept ${dir}`);
  }
  const load_after = loadavg();
  const la = (l: number[]) => l.map((x) => x.toFixed(2)).join(', ');
  const command = `node --import tsx bench/long-video.ts ${process.argv.slice(2).join(' ')}`.trim();
  const body = [
    HEADING,
    '',
    `Recorded ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC with \`${command}\`.`,
    '',
    `- Machine: ${availableParallelism()} cores (${cpus()[0]?.model.trim() ?? '?'}), Node ${process.version} (the bench; the CLI runs on the Node of npm scripts), face nets on the runtime \`keycast analyze\` picks (onnx where onnxruntime-node loads, KEYCAST_DETECTOR=${process.env.KEYCAST_DETECTOR ?? 'unset'}). Load average (1, 5, 15 min) before: ${la(load_before)}; after: ${la(load_after)} (other sessions share the machine: wall times and frames/s are of a loaded machine, memory is not affected).`,
    `- Videos: ${clips.map((c) => c.replace(`${resolve(REPO, '..')}/`, '../')).join(', ')} concatenated over and over (ffmpeg concat demuxer, stream copy, video only) to ${v['short-min']} and ${v['long-min']} minutes; every run samples one frame every ${interval} s, so the long run has about ${(Number(v['long-min']) / Number(v['short-min'])).toFixed(0)}x the frames and faces.`,
    '- Counted: the CLI is one Node process; its inference threads are worker_threads inside it, so its RSS holds them. ffmpeg (decoder) is a child process. "time -v" is `/usr/bin/time -v`\'s maximum RSS: the peak of the largest single process (Node), ffmpeg not added; "Node + ffmpeg" is the peak of their sum sampled from /proc every second.',
    '',
    longTable(runs),
    '',
    'Node RSS (MiB) over the extraction: the largest sample (once a second) in each tenth of its wall time, and the peak after it (clustering, report):',
    '',
    decileTable(runs),
    '',
    'Outputs (time after extraction; sizes of what the run wrote):',
    '',
    outputsTable(runs),
    ...(reclusters.length
      ? [
          '',
          `After extraction: \`keycast recluster\` (clustering and report, no video) on the ${v['long-min']}-min run's fingerprints repeated to n faces (vectors jittered, thumbnails linked), under time -v:`,
          '',
          reclusterTable(reclusters, runs[1]),
        ]
      : []),
  ].join('\n');
  process.stdout.write(`${body}\n`);
  if (v.record) {
    replaceResultsSection(RESULTS_FILE, HEADING, body, NOTES_BEGIN, NOTES_END);
    process.stdout.write(`recorded in ${RESULTS_FILE}\n`);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
