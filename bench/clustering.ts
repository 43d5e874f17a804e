// Benchmark: libs/clustering pdist + linkage vs scipy on the same n x 256 points, same run.
// usage: node --import tsx bench/clustering.ts [--n 10000] [--json]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cutAtSim, linkage, LINKAGE_METHODS, maxDistance, pdist, pdistPacked, type LinkageMethod } from '../libs/clustering/index.js';

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
    for (const [half, c, sd] of [[0, p, sigma], [1, outfit, 0.02]] as const) {
      const at = i * D + half * 128;
      let ss = 0, cs = 0;
      for (let k = 0; k < 128; k++) cs += centers[c][k] * centers[c][k];
      const cn = Math.sqrt(cs);
      for (let k = 0; k < 128; k++) { const v = centers[c][k] / cn + sd * gauss(); X[at + k] = v; ss += v * v; }
      const norm = Math.sqrt(ss);
      for (let k = 0; k < 128; k++) X[at + k] /= norm;
    }
  }
  return X;
}

interface Timing { wall: number; cpu: number }

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
      encoding: 'utf8', maxBuffer: 1 << 26,
    });
    if (py.status !== 0) throw new Error(`scipy_hac.py failed: ${py.stderr}`);
    const sp = JSON.parse(py.stdout.trim().split('\n').pop()!) as {
      scipy: string; numpy: string; pdist_s: number; pdist_cpu_s: number;
      linkage_s: Record<LinkageMethod, number>; linkage_cpu_s: Record<LinkageMethod, number>; maxDist: number;
    };
    const spPdist: Timing = { wall: sp.pdist_s, cpu: sp.pdist_cpu_s };
    const spLink = (m: LinkageMethod): Timing => ({ wall: sp.linkage_s[m], cpu: sp.linkage_cpu_s[m] });
    const scipyLabels = JSON.parse(readFileSync(labelsFile, 'utf8')) as Record<LinkageMethod, number[]>;

    const rows: ClusteringBenchRow[] = [];
    const row = (step: string, ours: Timing, scipy: Timing, identical?: boolean) =>
      rows.push({
        step, ours_s: ours.wall, scipy_s: scipy.wall, ratio: ours.wall / scipy.wall, ours_cpu_s: ours.cpu, scipy_cpu_s: scipy.cpu,
        ...(identical === undefined ? {} : { identical }),
      });

    if (opts.singleThreadRow ?? true) {
      const t1 = timed(() => { pdistPacked(X, n, D, { threads: 1 }); });
      row('pdist (1 thread)', t1, spPdist);
    }
    let y: Float64Array = new Float64Array(0);
    const rowsX = Array.from({ length: n }, (_, i) => X.subarray(i * D, (i + 1) * D));
    const tp = timed(() => { y = pdist(rowsX); });
    row('pdist (auto threads)', tp, spPdist);
    const maxDist = maxDistance(y);
    if (maxDist !== sp.maxDist) throw new Error(`max distance differs: ${maxDist} vs ${sp.maxDist}`);
    for (const method of LINKAGE_METHODS) {
      let Z: Float64Array = new Float64Array(0);
      const tl = timed(() => { Z = linkage(y, n, method); });
      const labels = cutAtSim(Z, n, SIM, maxDist);
      const ref = scipyLabels[method];
      let identical = ref.length === n;
      for (let i = 0; identical && i < n; i++) identical = labels[i] === ref[i];
      row(`linkage ${method}`, tl, spLink(method));
      row(`pdist + linkage ${method}`, plus(tp, tl), plus(spPdist, spLink(method)), identical);
    }
    return {
      n, d: D, sim: SIM,
      machine: { nproc: availableParallelism(), node: process.version, scipy: sp.scipy, numpy: sp.numpy, loadavg: loadavg() },
      rows,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function printTable(r: ClusteringBenchResult): void {
  console.log(`HAC bench: n=${r.n} d=${r.d}, nproc=${r.machine.nproc}, node ${r.machine.node}, scipy ${r.machine.scipy}, load avg ${r.machine.loadavg.map((v) => v.toFixed(2)).join(' ')}`);
  console.log('| step | ours (s) | scipy (s) | ours/scipy | ours CPU (s) | scipy CPU (s) | partition at sim 0.63 |');
  console.log('|---|---:|---:|---:|---:|---:|---|');
  for (const x of r.rows) {
    const same = x.identical === undefined ? '' : x.identical ? 'identical' : 'DIFFERENT';
    console.log(`| ${x.step} | ${x.ours_s.toFixed(2)} | ${x.scipy_s.toFixed(2)} | ${x.ratio.toFixed(2)} | ${x.ours_cpu_s.toFixed(2)} | ${x.scipy_cpu_s.toFixed(2)} | ${same} |`);
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const i = args.indexOf('--n');
  const n = i >= 0 ? Number(args[i + 1]) : 10_000;
  const result = await runClusteringBench(n);
  if (args.includes('--json')) console.log(JSON.stringify(result));
  else printTable(result);
  if (result.rows.some((x) => x.identical === false)) process.exitCode = 1;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e: unknown) => { console.error(e); process.exitCode = 1; });
}
