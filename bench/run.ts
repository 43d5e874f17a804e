import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { analyzeSection, analyzeTable, DEFAULT_ANALYZE_BENCH, profileTables, recordAnalyzeSection, RESULTS_FILE, runAnalyzeBench } from './analyze.js';
import { loadSection, loadTable, recordLoadSection, runLoad } from './load.js';

const USAGE = `npm run bench -- [--only analyze|clustering|load] [--record]
  analyze:    [--video FILE] [--interval 0.333] [--reps 3] [--workers ${availableParallelism()}] [--profile] [--wait-idle SECONDS] [--max-others 0.3] [--backend tensorflow|cpu]
  clustering: [--n 10000]  (n > 20000: the scale bench, float32 at n, see bench/clustering.ts)
  load:       [--duration 30] [--reference 10] [--tenants 3] [--connections 8] [--upload-rate 2] [--rate-limit 0]
              (only with --only load: it needs PostgreSQL and Redis on 127.0.0.1)
--record writes this run's analyze (or load) section into bench/RESULTS.md (the clustering bench records its own).`;

function fail(msg: string): never {
  process.stderr.write(`bench: ${msg}\n${USAGE}\n`);
  process.exit(2);
}

function positive(name: string, v: string | undefined, dflt: number, integer = false): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) fail(`--${name} must be a ${integer ? 'positive integer' : 'number > 0'}, got ${v}`);
  return n;
}

/** The clustering bench's rows as a table when they look like {step, ours_s, scipy_s, ratio}; otherwise its JSON. */
function clusteringTable(out: unknown): string {
  const rows = (out as { rows?: { step?: unknown; ours_s?: unknown; scipy_s?: unknown; ratio?: unknown; identical?: unknown }[] } | null)?.rows;
  if (!Array.isArray(rows) || !rows.every((r) => typeof r.step === 'string' && typeof r.ours_s === 'number' && typeof r.scipy_s === 'number')) {
    return typeof out === 'string' ? out : JSON.stringify(out, null, 2);
  }
  const n = (x: unknown) => (typeof x === 'number' ? x.toFixed(2) : '');
  return [
    `n = ${String((out as { n?: number }).n ?? '?')}`,
    '',
    '| step | ours s | scipy s | ours/scipy | same partition |',
    '|---|---:|---:|---:|---|',
    ...rows.map(
      (r) => `| ${String(r.step)} | ${n(r.ours_s)} | ${n(r.scipy_s)} | ${n(r.ratio)} | ${r.identical === undefined ? '' : r.identical ? 'yes' : 'NO'} |`,
    ),
  ].join('\n');
}

/** --backend: one more pipeline variant on that TF.js backend (the others stay on wasm). */
function backendArg(b: string | undefined): 'tensorflow' | 'cpu' | 'wasm' | undefined {
  if (b === undefined || b === 'tensorflow' || b === 'cpu' || b === 'wasm') return b;
  return fail(`--backend must be tensorflow, cpu or wasm, got ${b}`);
}

let args: ReturnType<typeof parse>;
function parse() {
  return parseArgs({
    options: {
      only: { type: 'string' },
      record: { type: 'boolean', default: false },
      video: { type: 'string' },
      interval: { type: 'string' },
      reps: { type: 'string' },
      workers: { type: 'string' },
      profile: { type: 'boolean', default: false },
      'wait-idle': { type: 'string' },
      'max-others': { type: 'string' },
      backend: { type: 'string' },
      n: { type: 'string' },
      duration: { type: 'string' },
      reference: { type: 'string' },
      tenants: { type: 'string' },
      connections: { type: 'string' },
      'upload-rate': { type: 'string' },
      'rate-limit': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
}
try {
  args = parse();
} catch (e) {
  fail((e as Error).message);
}
const v = args.values;
if (v.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
if (v.only !== undefined && v.only !== 'analyze' && v.only !== 'clustering' && v.only !== 'load')
  fail(`--only must be analyze, clustering or load, got ${v.only}`);
const command = `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim();

if (v.only === 'load') {
  const report = await runLoad({
    durationS: positive('duration', v.duration, 30),
    referenceS: positive('reference', v.reference, 10),
    tenants: positive('tenants', v.tenants, 3, true),
    clusterConnections: positive('connections', v.connections, 8, true),
    uploadConnections: 2,
    uploadRate: positive('upload-rate', v['upload-rate'], 2),
    rateLimit: { max: v['rate-limit'] === undefined || v['rate-limit'] === '0' ? 0 : positive('rate-limit', v['rate-limit'], 0, true), windowMs: 60_000 },
    dbName: 'keycast_bench_load',
    drainTimeoutS: 600,
    log: (line) => process.stderr.write(`load: ${line}\n`),
  });
  process.stdout.write(
    `\n## load\n\n${loadTable(report)}\n\n${JSON.stringify({ uploads: { ...report.uploads, settled: report.uploads.settled.length }, too_many: report.too_many, server_errors: report.server_errors })}\n`,
  );
  if (v.record) {
    recordLoadSection(loadSection(report, command), RESULTS_FILE);
    process.stdout.write(`recorded in ${RESULTS_FILE}\n`);
  }
  process.exit(0);
}

if (v.only !== 'clustering') {
  const report = await runAnalyzeBench({
    video: v.video,
    capture_interval_sec: positive('interval', v.interval, DEFAULT_ANALYZE_BENCH.capture_interval_sec),
    reps: positive('reps', v.reps, DEFAULT_ANALYZE_BENCH.reps, true),
    workers: positive('workers', v.workers, DEFAULT_ANALYZE_BENCH.workers, true),
    profile: v.profile,
    waitIdle: v['wait-idle'] === undefined ? 0 : positive('wait-idle', v['wait-idle'], 0),
    maxOthers: positive('max-others', v['max-others'], DEFAULT_ANALYZE_BENCH.maxOthers),
    extraBackend: backendArg(v.backend),
  });
  process.stdout.write(`\n## analyze throughput\n\n${analyzeTable(report)}\n\n${profileTables(report)}\n`);
  if (report.variants.length > 0 && v.backend && v.backend !== 'wasm') {
    const [base, cpu] = report.variants;
    const extra = report.variants[report.variants.length - 1];
    const fps = (x: { frames_per_s: number }) => x.frames_per_s.toFixed(2);
    process.stdout.write(
      `\nframes/s: ${extra.name} ${fps(extra)} | CPU: ${cpu.name} (wasm) ${fps(cpu)}, ${base.name} ${fps(base)} | ${(extra.frames_per_s / cpu.frames_per_s).toFixed(2)}x the CPU pipeline\n`,
    );
  }
  if (v.record) {
    recordAnalyzeSection(analyzeSection(report, command));
    process.stdout.write(`recorded in ${RESULTS_FILE}\n`);
  }
}

if (v.only !== 'analyze') {
  // Written by someone else: called when present, with the point count only.
  const url = new URL('./clustering.ts', import.meta.url);
  if (!existsSync(url)) {
    if (v.only === 'clustering') fail('bench/clustering.ts is absent');
    process.stderr.write('bench: bench/clustering.ts is absent, clustering bench skipped\n');
  } else {
    const mod = (await import(url.href)) as {
      runClusteringBench?: (n: number) => unknown;
      runScaleBench?: (n: number) => unknown;
      scaleTable?: (r: unknown) => string;
      EXACT_MAX_N?: number;
    };
    if (typeof mod.runClusteringBench !== 'function') fail('bench/clustering.ts does not export runClusteringBench(n)');
    const n = positive('n', v.n, 10000, true);
    if (mod.runScaleBench && mod.scaleTable && n > 20_000) {
      // beyond what scipy and the float64 path fit on this machine: float32 at n, with a reference and the agreement
      process.stdout.write(`\n## clustering (HAC) at scale\n\n${mod.scaleTable(mod.runScaleBench(n))}\n`);
    } else {
      const out = await mod.runClusteringBench(n);
      process.stdout.write(`\n## clustering (HAC) vs scipy\n\n${clusteringTable(out)}\n`);
    }
  }
}
