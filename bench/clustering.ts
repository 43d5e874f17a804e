// Benchmark: libs/clustering pdist + linkage vs scipy on the same n x 256 points, same run.
// Above EXACT_MAX_N points (where scipy and the float64 path no longer fit this machine) it runs the
// scale bench instead: the float32 path at n, a float64 reference in the same run, and the agreement
// of float32 with float64 at a size where both fit (see runScaleBench).
// usage: node --import tsx bench/clustering.ts [--n 10000] [--json] [--agree-n 20000] [--ref-n 10000]
//   [--scale] (the scale bench even at n <= EXACT_MAX_N) [--precision float32|float64] (the scale target's)
//   [--linkage-threads 1|2|auto|alternate] [--memory fast|low|auto] [--algorithm nn-chain|generic|auto] (linkage options of the scale target;
//   alternate: 'auto' with shared and single-thread windows in turn, shared_ns_per_slot vs solo_ns_per_slot
//   then compares the two under the same load)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  autoCutHeight,
  cutAtSim,
  EXACT_MAX_N,
  fcluster,
  linkage,
  LINKAGE_METHODS,
  maxDistance,
  nmi,
  pdist,
  pdistPacked,
  resolvePrecision,
  type LinkageMethod,
  type LinkageOptions,
  type Precision,
} from '../libs/clustering/index.js';

export interface ClusteringBenchRow {
  /** What was timed. */
  step: string;
  /** Seconds, ours (Node). */
  ours_s: number;
  /** Seconds, scipy (timed inside Python, load excluded). */
  scipy_s: number;
  /** ours / scipy (wall time). */
  ratio: number;
  /** CPU seconds of the whole process (all threads), ours and scipy: less sensitive to other load. */
  ours_cpu_s: number;
  scipy_cpu_s: number;
  /** For the per-method totals: partitions at sim 0.63 identical to scipy's (same label vectors). */
  identical?: boolean;
}

export interface ClusteringBenchResult {
  n: number;
  d: number;
  sim: number;
  machine: { nproc: number; node: string; scipy: string; numpy: string; loadavg: number[] };
  rows: ClusteringBenchRow[];
}

const D = 256;
const SIM = 0.63;
const repoRoot = resolve(fileURLToPath(new URL('..', import.meta.url)));

/** n blob fingerprints like the method's: 256-d, face half and cloth half each unit length. Seeded. */
export function blobFingerprints(n: number, seed = 1): Float64Array {
  let s = seed >>> 0;
  const rand = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const people = Math.max(2, Math.round(n / 60));
  const centers = Array.from({ length: people * 3 }, () => Float64Array.from({ length: 128 }, gauss));
  const X = new Float64Array(n * D);
  for (let i = 0; i < n; i++) {
    const p = Math.floor(rand() * people);
    const outfit = people + p * 2 + Math.floor(rand() * 2);
    const sigma = [0.01, 0.02, 0.035][Math.floor(rand() * 3)];
    for (const [half, c, sd] of [
      [0, p, sigma],
      [1, outfit, 0.02],
    ] as const) {
      const at = i * D + half * 128;
      let ss = 0,
        cs = 0;
      for (let k = 0; k < 128; k++) cs += centers[c][k] * centers[c][k];
      const cn = Math.sqrt(cs);
      for (let k = 0; k < 128; k++) {
        const v = centers[c][k] / cn + sd * gauss();
        X[at + k] = v;
        ss += v * v;
      }
      const norm = Math.sqrt(ss);
      for (let k = 0; k < 128; k++) X[at + k] /= norm;
    }
  }
  return X;
}

interface Timing {
  wall: number;
  cpu: number;
}

function timed(f: () => void): Timing {
  const t = process.hrtime.bigint();
  const c = process.cpuUsage();
  f();
  const dc = process.cpuUsage(c);
  return { wall: Number(process.hrtime.bigint() - t) / 1e9, cpu: (dc.user + dc.system) / 1e6 };
}

const plus = (a: Timing, b: Timing): Timing => ({ wall: a.wall + b.wall, cpu: a.cpu + b.cpu });

export async function runClusteringBench(n = 10_000, opts: { singleThreadRow?: boolean } = {}): Promise<ClusteringBenchResult> {
  const X = blobFingerprints(n);
  const dir = mkdtempSync(join(tmpdir(), 'keycast-hac-bench-'));
  try {
    const file = join(dir, 'points.f64');
    writeFileSync(file, Buffer.from(X.buffer, X.byteOffset, X.byteLength));
    const labelsFile = join(dir, 'scipy-labels.json');

    // scipy first, while this process holds only the points
    const py = spawnSync('python3', [join(repoRoot, 'bench/scipy_hac.py'), file, String(n), String(D), '--sim', String(SIM), '--labels', labelsFile], {
      encoding: 'utf8',
      maxBuffer: 1 << 26,
    });
    if (py.status !== 0) throw new Error(`scipy_hac.py failed: ${py.stderr}`);
    const sp = JSON.parse(py.stdout.trim().split('\n').pop()!) as {
      scipy: string;
      numpy: string;
      pdist_s: number;
      pdist_cpu_s: number;
      linkage_s: Record<LinkageMethod, number>;
      linkage_cpu_s: Record<LinkageMethod, number>;
      maxDist: number;
    };
    const spPdist: Timing = { wall: sp.pdist_s, cpu: sp.pdist_cpu_s };
    const spLink = (m: LinkageMethod): Timing => ({ wall: sp.linkage_s[m], cpu: sp.linkage_cpu_s[m] });
    const scipyLabels = JSON.parse(readFileSync(labelsFile, 'utf8')) as Record<LinkageMethod, number[]>;

    const rows: ClusteringBenchRow[] = [];
    const row = (step: string, ours: Timing, scipy: Timing, identical?: boolean) =>
      rows.push({
        step,
        ours_s: ours.wall,
        scipy_s: scipy.wall,
        ratio: ours.wall / scipy.wall,
        ours_cpu_s: ours.cpu,
        scipy_cpu_s: scipy.cpu,
        ...(identical === undefined ? {} : { identical }),
      });

    if (opts.singleThreadRow ?? true) {
      const t1 = timed(() => {
        pdistPacked(X, n, D, { threads: 1 });
      });
      row('pdist (1 thread)', t1, spPdist);
    }
    let y: Float64Array = new Float64Array(0);
    const rowsX = Array.from({ length: n }, (_, i) => X.subarray(i * D, (i + 1) * D));
    const tp = timed(() => {
      y = pdist(rowsX);
    });
    row('pdist (auto threads)', tp, spPdist);
    const maxDist = maxDistance(y);
    if (maxDist !== sp.maxDist) throw new Error(`max distance differs: ${maxDist} vs ${sp.maxDist}`);
    for (const method of LINKAGE_METHODS) {
      let Z: Float64Array = new Float64Array(0);
      const tl = timed(() => {
        Z = linkage(y, n, method);
      });
      const labels = cutAtSim(Z, n, SIM, maxDist);
      const ref = scipyLabels[method];
      let identical = ref.length === n;
      for (let i = 0; identical && i < n; i++) identical = labels[i] === ref[i];
      row(`linkage ${method}`, tl, spLink(method));
      row(`pdist + linkage ${method}`, plus(tp, tl), plus(spPdist, spLink(method)), identical);
    }
    return {
      n,
      d: D,
      sim: SIM,
      machine: { nproc: availableParallelism(), node: process.version, scipy: sp.scipy, numpy: sp.numpy, loadavg: loadavg() },
      rows,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------------
// Scale bench (n > EXACT_MAX_N): every case runs in its own child process so that its peak RSS is its own.

/** One child run: blobs of n points, pdist at `precision`, average linkage (overwriting its input), cuts. */
export interface ScaleCase {
  n: number;
  precision: Precision;
  pdist_s: number;
  linkage_s: number;
  /** pdist + maxDist + linkage + cuts, wall seconds. */
  total_s: number;
  /** CPU seconds of the process over the same span (all threads). */
  cpu_s: number;
  /** CPU seconds of pdist alone and of the linkage alone (all threads). */
  pdist_cpu_s: number;
  linkage_cpu_s: number;
  /** Peak RSS of the whole child process (the points, the condensed matrix, Node itself), GB. */
  peak_rss_gb: number;
  /** The condensed matrix alone, GB. */
  matrix_gb: number;
  /** The linkage options asked for (threads, memory) and the threads the linkage ran on. */
  linkage_threads?: string;
  /** The linkage algorithm that ran (nn-chain, generic, mst). */
  algorithm?: string;
  memory?: string;
  threads_used?: number;
  /** Two-thread nn-chain: rounds shared with the worker, rounds 'auto' kept on the calling thread, chunks the worker took. */
  shared_rounds?: number;
  solo_rounds?: number;
  worker_chunks?: number;
  shared_ns_per_slot?: number;
  solo_ns_per_slot?: number;
}

export interface ScaleAgreement {
  n: number;
  /** Flat clusters at sim 0.63: identical label vectors (fcluster numbering) in float32 and float64. */
  identical_sim063: boolean;
  nmi_sim063: number;
  /** Same for the absolute 'auto'-style cut (autoCutHeight) of each tree. */
  identical_auto: boolean;
  nmi_auto: number;
  /** Z rows whose two ids and count are the same in both trees, of n - 1. */
  same_rows: number;
  /** Largest |h32 - h64| / h64 over the rows' heights, row by row. */
  max_rel_height_diff: number;
}

export interface ScaleBenchResult {
  n: number;
  d: number;
  method: LinkageMethod;
  machine: { nproc: number; node: string; loadavg_before: number[]; loadavg_after: number[] };
  /** The run at n (default precision: float32 above EXACT_MAX_N). */
  target: ScaleCase;
  /** The float64 path at ref_n in the same run: what the machine's load did to the times. */
  reference: ScaleCase;
  agreement: ScaleAgreement;
}

const SCALE_METHOD: LinkageMethod = 'average';

function runChild(args: string[]): string {
  const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
    cwd: repoRoot,
  });
  if (r.status !== 0) throw new Error(`bench child ${args.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr}`);
  return r.stdout.trim().split('\n').pop()!;
}

/** Linkage options of a scale case, as passed to its child. */
export interface ScaleLinkage {
  /** 'alternate': 'auto' with shared and single-thread windows in turn (both measured under the same load). */
  threads?: LinkageOptions['threads'] | 'alternate';
  memory?: LinkageOptions['memory'];
  algorithm?: LinkageOptions['algorithm'];
}

/** In a child: one case; writes Z (float64 binary) to zFile when given. */
function childCase(n: number, precision: Precision, zFile?: string, lk: ScaleLinkage = {}): ScaleCase {
  const X = blobFingerprints(n);
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const y = pdistPacked(X, n, D, { precision });
  const t1 = process.hrtime.bigint();
  const c1 = process.cpuUsage();
  const matrix_gb = y.byteLength / 1e9;
  const maxDist = maxDistance(y);
  const stats: NonNullable<LinkageOptions['stats']> = { threads: 0, sharedRounds: 0, workerChunks: 0 };
  const threads = lk.threads === 'alternate' ? 'auto' : lk.threads;
  const Z = linkage(y, n, SCALE_METHOD, {
    overwrite: true,
    threads,
    pairAlternate: lk.threads === 'alternate',
    memory: lk.memory,
    algorithm: lk.algorithm,
    stats,
  });
  const t2 = process.hrtime.bigint();
  const c2 = process.cpuUsage();
  cutAtSim(Z, n, SIM, maxDist);
  fcluster(Z, n, autoCutHeight(Z, n));
  const t3 = process.hrtime.bigint();
  const dc = process.cpuUsage(c0);
  if (zFile) {
    const out = new Float64Array(Z.length + 1);
    out.set(Z);
    out[Z.length] = maxDist;
    writeFileSync(zFile, Buffer.from(out.buffer));
  }
  return {
    n,
    precision,
    pdist_s: Number(t1 - t0) / 1e9,
    linkage_s: Number(t2 - t1) / 1e9,
    total_s: Number(t3 - t0) / 1e9,
    cpu_s: (dc.user + dc.system) / 1e6,
    pdist_cpu_s: (c1.user + c1.system - c0.user - c0.system) / 1e6,
    linkage_cpu_s: (c2.user + c2.system - c1.user - c1.system) / 1e6,
    peak_rss_gb: (process.resourceUsage().maxRSS * 1024) / 1e9,
    matrix_gb,
    linkage_threads: String(lk.threads ?? 'auto'),
    memory: lk.memory ?? 'auto',
    algorithm: stats.algorithm,
    threads_used: stats.threads,
    shared_rounds: stats.sharedRounds,
    solo_rounds: stats.soloRounds ?? 0,
    worker_chunks: stats.workerChunks,
    // 'auto' alternates shared and solo windows under the same load: ns per live slot visited in each
    shared_ns_per_slot: stats.sharedWindowSlots ? (stats.sharedWindowMs! * 1e6) / stats.sharedWindowSlots : undefined,
    solo_ns_per_slot: stats.soloWindowSlots ? (stats.soloWindowMs! * 1e6) / stats.soloWindowSlots : undefined,
  };
}

/** Z and, after it, the max distance (as childCase writes them). */
function readZ(file: string): { Z: Float64Array; maxDist: number } {
  const b = readFileSync(file);
  const a = new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  return { Z: a.subarray(0, a.length - 1), maxDist: a[a.length - 1] };
}

function agreement(n: number, t64: { Z: Float64Array; maxDist: number }, t32: { Z: Float64Array; maxDist: number }): ScaleAgreement {
  const Z64 = t64.Z,
    Z32 = t32.Z;
  const at063 = (Z: Float64Array) => Array.from(cutAtSim(Z, n, SIM, Z === Z64 ? t64.maxDist : t32.maxDist));
  const atAuto = (Z: Float64Array) => Array.from(fcluster(Z, n, autoCutHeight(Z, n)));
  const a64 = at063(Z64),
    a32 = at063(Z32),
    b64 = atAuto(Z64),
    b32 = atAuto(Z32);
  let same = 0,
    rel = 0;
  for (let r = 0; r < n - 1; r++) {
    if (Z64[4 * r] === Z32[4 * r] && Z64[4 * r + 1] === Z32[4 * r + 1] && Z64[4 * r + 3] === Z32[4 * r + 3]) same++;
    const h = Z64[4 * r + 2];
    if (h > 0) rel = Math.max(rel, Math.abs(Z32[4 * r + 2] - h) / h);
  }
  return {
    n,
    identical_sim063: a64.every((v, i) => v === a32[i]),
    nmi_sim063: nmi(a64, a32),
    identical_auto: b64.every((v, i) => v === b32[i]),
    nmi_auto: nmi(b64, b32),
    same_rows: same,
    max_rel_height_diff: rel,
  };
}

/**
 * The scale bench: the default path at n (float32 above EXACT_MAX_N), the exact float64 path at refN
 * in the same run (a yardstick for the machine's load: scale the target's time by the reference's
 * ratio to its quiet-machine time), and float32 vs float64 at agreeN (both fit there). Each case in
 * its own child process (peak RSS per case). Blob generation is not timed.
 */
export function runScaleBench(n: number, opts: { refN?: number; agreeN?: number; precision?: Precision; linkage?: ScaleLinkage } = {}): ScaleBenchResult {
  const refN = opts.refN ?? 10_000;
  const agreeN = opts.agreeN ?? EXACT_MAX_N;
  const loadavg_before = loadavg();
  const dir = mkdtempSync(join(tmpdir(), 'keycast-hac-scale-'));
  try {
    const z64 = join(dir, 'z64.bin'),
      z32 = join(dir, 'z32.bin');
    // the reference doubles as the float64 side of the agreement when the sizes match
    const reference = JSON.parse(runChild([String(refN), 'float64', ...(agreeN === refN ? [z64] : [])])) as ScaleCase;
    const lk = opts.linkage ?? {};
    const target = JSON.parse(
      runChild([String(n), opts.precision ?? resolvePrecision('auto', n), '-', String(lk.threads ?? 'auto'), lk.memory ?? 'auto', lk.algorithm ?? 'auto']),
    ) as ScaleCase;
    if (agreeN !== refN) runChild([String(agreeN), 'float64', z64]);
    // the float32 side runs the target's algorithm (without the mirror, 'auto' is the generic one)
    runChild([String(agreeN), 'float32', z32, 'auto', target.memory === 'fast' || target.algorithm !== 'generic' ? 'auto' : 'low', lk.algorithm ?? 'auto']);
    return {
      n,
      d: D,
      method: SCALE_METHOD,
      machine: { nproc: availableParallelism(), node: process.version, loadavg_before, loadavg_after: loadavg() },
      target,
      reference,
      agreement: agreement(agreeN, readZ(z64), readZ(z32)),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function scaleTable(r: ScaleBenchResult): string {
  const f = (x: number, k = 2) => x.toFixed(k);
  const line = (label: string, c: ScaleCase) =>
    `| ${label} | ${c.n} | ${c.precision} | ${f(c.matrix_gb)} | ${f(c.pdist_s, 1)} | ${f(c.linkage_s, 1)} | ${f(c.total_s, 1)} | ${f(c.cpu_s, 1)} (pdist ${f(c.pdist_cpu_s, 1)}, linkage ${f(c.linkage_cpu_s, 1)}) | ${f(c.peak_rss_gb)} |`;
  const a = r.agreement;
  return [
    `HAC scale bench (${r.method}, d=${r.d}, target linkage ${r.target.algorithm ?? '?'}, threads ${r.target.linkage_threads ?? 'auto'} → ran on ${r.target.threads_used ?? '?'} (${r.target.shared_rounds ?? 0} rounds shared, ${r.target.solo_rounds ?? 0} kept on one thread by 'auto'), memory ${r.target.memory ?? 'auto'}): nproc=${r.machine.nproc}, node ${r.machine.node}, load avg before ${r.machine.loadavg_before.map((v) => f(v)).join(' ')}, after ${r.machine.loadavg_after.map((v) => f(v)).join(' ')}`,
    '',
    '| case | n | precision | matrix GB | pdist s | linkage s | total s | CPU s | peak RSS GB |',
    '|---|---:|---|---:|---:|---:|---:|---:|---:|',
    line('target', r.target),
    line('reference (same run)', r.reference),
    '',
    `target / reference: ${f(r.target.total_s / r.reference.total_s, 1)}x the time for ${f((r.target.n / r.reference.n) ** 2, 1)}x the pairs.`,
    '',
    `float32 vs float64 at n = ${a.n}: partition at sim 0.63 ${a.identical_sim063 ? 'identical' : `DIFFERENT (NMI ${f(a.nmi_sim063, 4)})`}, ` +
      `at the auto cut ${a.identical_auto ? 'identical' : `DIFFERENT (NMI ${f(a.nmi_auto, 4)})`}; ` +
      `${a.same_rows} of ${a.n - 1} Z rows identical; largest relative height difference ${a.max_rel_height_diff.toExponential(2)}.`,
  ].join('\n');
}

function printTable(r: ClusteringBenchResult): void {
  console.log(
    `HAC bench: n=${r.n} d=${r.d}, nproc=${r.machine.nproc}, node ${r.machine.node}, scipy ${r.machine.scipy}, load avg ${r.machine.loadavg.map((v) => v.toFixed(2)).join(' ')}`,
  );
  console.log('| step | ours (s) | scipy (s) | ours/scipy | ours CPU (s) | scipy CPU (s) | partition at sim 0.63 |');
  console.log('|---|---:|---:|---:|---:|---:|---|');
  for (const x of r.rows) {
    const same = x.identical === undefined ? '' : x.identical ? 'identical' : 'DIFFERENT';
    console.log(
      `| ${x.step} | ${x.ours_s.toFixed(2)} | ${x.scipy_s.toFixed(2)} | ${x.ratio.toFixed(2)} | ${x.ours_cpu_s.toFixed(2)} | ${x.scipy_cpu_s.toFixed(2)} | ${same} |`,
    );
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--child') {
    const threads = args[4] === '1' || args[4] === '2' ? (Number(args[4]) as 1 | 2) : args[4] === 'alternate' ? 'alternate' : 'auto';
    const zFile = args[3] && args[3] !== '-' ? args[3] : undefined;
    const lk: ScaleLinkage = { threads, memory: (args[5] ?? 'auto') as ScaleLinkage['memory'], algorithm: (args[6] ?? 'auto') as ScaleLinkage['algorithm'] };
    console.log(JSON.stringify(childCase(Number(args[1]), args[2] as Precision, zFile, lk)));
    return;
  }
  const num = (flag: string, dflt: number) => {
    const i = args.indexOf(flag);
    return i >= 0 ? Number(args[i + 1]) : dflt;
  };
  const n = num('--n', 10_000);
  const str = (flag: string) => {
    const i = args.indexOf(flag);
    return i >= 0 ? args[i + 1] : undefined;
  };
  if (n > EXACT_MAX_N || args.includes('--scale')) {
    const t = str('--linkage-threads');
    const r = runScaleBench(n, {
      refN: num('--ref-n', 10_000),
      agreeN: num('--agree-n', Math.min(n, EXACT_MAX_N)),
      precision: str('--precision') as Precision | undefined,
      linkage: {
        threads: t === '1' || t === '2' ? (Number(t) as 1 | 2) : t === 'alternate' ? t : 'auto',
        memory: (str('--memory') ?? 'auto') as ScaleLinkage['memory'],
        algorithm: (str('--algorithm') ?? 'auto') as ScaleLinkage['algorithm'],
      },
    });
    console.log(args.includes('--json') ? JSON.stringify(r) : scaleTable(r));
    return;
  }
  const result = await runClusteringBench(n);
  if (args.includes('--json')) console.log(JSON.stringify(result));
  else printTable(result);
  if (result.rows.some((x) => x.identical === false)) process.exitCode = 1;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
