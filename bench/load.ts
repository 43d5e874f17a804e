// Load: concurrent uploads and GET /videos/:id/clusters from several tenants (each its own API key) against a real
// API process and a real worker process, on loopback, bounded in time. Used by test/load/load.test.ts (short, with
// assertions) and by `npm run bench -- --only load` (longer, latencies recorded in bench/RESULTS.md).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { Queues } from '../libs/queue/index.js';
import { migrate } from '../libs/store/index.js';
import { createTestKey, type TestKey } from '../test/e2e/support/auth.js';
import { testVideo } from '../test/e2e/support/media.js';
import { REPO_ROOT, TEST_REDIS_URL, dropDatabase, freshDatabase, sql, tempDir, uniquePrefix, waitFor } from '../test/e2e/support/services.js';
import { freePort } from '../test/e2e/support/throwaway.js';
import { startWorkerProcess, type WorkerProcess } from '../test/e2e/support/worker-process.js';
import { replaceResultsSection } from './results-file.js';

export interface LoadOptions {
  /** Seconds of the mixed phase: uploads and cluster requests together, the worker busy. */
  durationS: number;
  /** Seconds of each reference phase run before it (GET /health alone, then GET /clusters alone); 0 skips them. */
  referenceS: number;
  tenants: number;
  clusterConnections: number;
  uploadConnections: number;
  /** Uploads per second, all tenants together (autocannon's overallRate): bounds the work left for the worker. */
  uploadRate: number;
  /** The API's rate limit per key (RATE_LIMIT_MAX per RATE_LIMIT_WINDOW_MS); max 0 turns it off. */
  rateLimit: { max: number; windowMs: number };
  /** Database (on the shared PostgreSQL) created for the run and dropped after it. */
  dbName: string;
  /** How long the worker may take to finish every accepted upload after the load, seconds. */
  drainTimeoutS: number;
  log?: (line: string) => void;
}

export interface PhaseResult {
  name: string;
  connections: number;
  duration_s: number;
  requests: number;
  rps: number;
  latency_ms: { p50: number; p90: number; p99: number; max: number; mean: number };
  status: Record<string, number>;
  /** Connection errors and timeouts (no HTTP answer). */
  errors: number;
  timeouts: number;
}

export interface SettledUpload {
  id: string;
  tenant: number;
  status: string;
  error_code: string | null;
  error_message: string | null;
}

export interface LoadReport {
  date: string;
  machine: { nproc: number; cpu: string; node: string; load_before: number[]; load_after: number[] };
  options: Omit<LoadOptions, 'log'>;
  clips: { name: string; bytes: number }[];
  phases: PhaseResult[];
  uploads: { accepted: number; settled: SettledUpload[]; unsettled: string[]; drain_s: number };
  /** 429 answers and how many of them lacked Retry-After. */
  too_many: { count: number; without_retry_after: number; codes: Record<string, number> };
  /** 5xx answers, all phases. */
  server_errors: number;
}

const CLIP_STARTS_S = [0, 4, 7];
const CLIP_SECONDS = 2;

/** Short real clips cut from the test video (the Hamilton clip, or the demo-photo video where ../shared is absent). Made once per machine. */
export function loadClips(): { name: string; bytes: Buffer }[] {
  const src = testVideo();
  const dir = join(tmpdir(), 'keycast-test-media');
  mkdirSync(dir, { recursive: true });
  return CLIP_STARTS_S.map((start, i) => {
    const out = join(dir, `load-clip-${src.real ? 'hamilton' : 'demo'}-${i}-v1.mp4`);
    if (!existsSync(out)) {
      const part = `${out}.${process.pid}.mp4`;
      execFileSync('ffmpeg', [
        '-v',
        'error',
        '-y',
        '-ss',
        String(start),
        '-t',
        String(CLIP_SECONDS),
        '-i',
        src.path,
        '-an',
        '-c:v',
        'libx264',
        '-preset',
        'veryfast',
        '-crf',
        '26',
        '-pix_fmt',
        'yuv420p',
        part,
      ]);
      renameSync(part, out);
    }
    return { name: `clip-${i}.mp4`, bytes: readFileSync(out) };
  });
}

/** A multipart/form-data body: the options as fields, then the file. */
function multipart(fields: Record<string, string>, file: { name: string; bytes: Buffer }): { body: Buffer; contentType: string } {
  const boundary = `----keycastload${Math.random().toString(16).slice(2)}`;
  const parts: Buffer[] = [];
  for (const [k, v] of Object.entries(fields)) parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  parts.push(
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.name}"\r\nContent-Type: video/mp4\r\n\r\n`),
    file.bytes,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  );
  return { body: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

interface ApiProcess {
  child: ChildProcess;
  baseUrl: string;
  stderr: () => string;
  stop(): Promise<void>;
}

/** The API as its own process (`apps/api/main.ts`), so the load generator does not share its event loop. */
async function startApiProcess(env: Record<string, string>): Promise<ApiProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'apps/api/main.ts')], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env, HOST: '127.0.0.1', PORT: String(port) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (c: Buffer) => {
    err = (err + c.toString()).slice(-4000);
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`the API exited during start-up: ${err}`);
      return fetch(`${baseUrl}/health`).then(
        (r) => r.ok,
        () => false,
      );
    },
    { timeoutMs: 60_000, what: 'the API process' },
  );
  return {
    child,
    baseUrl,
    stderr: () => err,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

type Cannon = autocannon.Options & { requests?: autocannon.Request[] };

function runCannon(opts: Cannon): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon({ timeout: 30, ...opts }, (err, result) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(result)));
  });
}

function phase(name: string, r: autocannon.Result): PhaseResult {
  const status: Record<string, number> = {};
  for (const [code, s] of Object.entries((r as unknown as { statusCodeStats?: Record<string, { count: number | string }> }).statusCodeStats ?? {}))
    status[code] = Number(s.count);
  const requests = Object.values(status).reduce((a, b) => a + b, 0);
  return {
    name,
    connections: r.connections,
    duration_s: r.duration,
    requests,
    rps: requests / r.duration,
    latency_ms: { p50: r.latency.p50, p90: r.latency.p90, p99: r.latency.p99, max: r.latency.max, mean: r.latency.average },
    status,
    errors: r.errors,
    timeouts: r.timeouts,
  };
}

export async function runLoad(o: LoadOptions): Promise<LoadReport> {
  const log = o.log ?? (() => {});
  const loadBefore = loadavg();
  const clips = loadClips();
  const storage = tempDir('load');
  const prefix = uniquePrefix('load');
  const databaseUrl = await freshDatabase(o.dbName);
  let api: ApiProcess | null = null;
  let worker: WorkerProcess | null = null;
  try {
    await migrate(databaseUrl);
    // Two keys per tenant, as two clients of a platform would hold: one uploads, one reads clusters (the rate limit is per key).
    const keys: TestKey[] = [];
    const uploadKeys: TestKey[] = [];
    for (let i = 0; i < o.tenants; i++) {
      keys.push(await createTestKey(databaseUrl, `load-tenant-${i}`));
      uploadKeys.push(await createTestKey(databaseUrl, `load-tenant-${i}`));
    }
    const env = {
      DATABASE_URL: databaseUrl,
      REDIS_URL: TEST_REDIS_URL,
      STORAGE_DIR: storage.dir,
      QUEUE_PREFIX: prefix,
      LOG_LEVEL: 'warn',
      RATE_LIMIT_MAX: String(o.rateLimit.max),
      RATE_LIMIT_WINDOW_MS: String(o.rateLimit.windowMs),
    };
    api = await startApiProcess(env);
    worker = await startWorkerProcess({ ...env, LOG_LEVEL: 'info', WORKER_CONCURRENCY: '1', KEYCAST_WORKERS: '1', WORKER_LOCK_MS: '10000' });
    log(`API ${api.baseUrl}, worker pid ${worker.pid}, ${o.tenants} tenants, clips ${clips.map((c) => `${c.bytes.length} B`).join(', ')}`);

    const bodies = uploadKeys.map((k, t) =>
      clips.map((c) => {
        const m = multipart({ capture_interval_sec: '1' }, c);
        return { body: m.body, headers: { ...k.headers, 'content-type': m.contentType }, tenant: t };
      }),
    );

    // One ready video per tenant, for the cluster requests.
    const seeded: string[] = [];
    for (let t = 0; t < o.tenants; t++) {
      const b = bodies[t][t % clips.length];
      const r = await fetch(`${api.baseUrl}/videos`, { method: 'POST', headers: b.headers, body: b.body });
      if (r.status !== 202) throw new Error(`seeding upload: ${r.status} ${await r.text()}`);
      seeded.push(((await r.json()) as { id: string }).id);
    }
    await waitFor(
      async () => {
        const rows = await sql<{ status: string }>(databaseUrl, 'SELECT status FROM videos WHERE id = ANY($1::uuid[])', [seeded]);
        if (rows.some((r) => r.status === 'failed')) throw new Error('a seeded video failed');
        return rows.filter((r) => r.status === 'ready').length === seeded.length;
      },
      { timeoutMs: 300_000, intervalMs: 250, what: 'the seeded videos' },
    );
    log(`seeded ${seeded.length} ready videos`);

    const tooMany = { count: 0, without_retry_after: 0, codes: {} as Record<string, number> };
    const onAnswer = (status: number, body: string, headers: Record<string, string | string[]>) => {
      if (status !== 429) return;
      tooMany.count++;
      const h = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
      if (!h['retry-after'] || !(Number(h['retry-after']) >= 0)) tooMany.without_retry_after++;
      let code = '?';
      try {
        code = (JSON.parse(body) as { error: { code: string } }).error.code;
      } catch {
        /* not JSON */
      }
      tooMany.codes[code] = (tooMany.codes[code] ?? 0) + 1;
    };

    let n = 0;
    const clusterRequest: autocannon.Request = {
      method: 'GET',
      setupRequest: (req) => {
        const t = n++ % o.tenants;
        const sim = (0.05 + Math.random() * 0.9).toFixed(2);
        return { ...req, method: 'GET', path: `/videos/${seeded[t]}/clusters?sim=${sim}`, headers: { ...keys[t].headers } };
      },
      onResponse: (status, body, _ctx, headers) => onAnswer(status, body, headers as Record<string, string>),
    };

    const phases: PhaseResult[] = [];
    if (o.referenceS > 0) {
      log(`reference: GET /health alone, ${o.referenceS} s`);
      phases.push(
        phase(
          'GET /health alone (floor)',
          await runCannon({ url: api.baseUrl, connections: o.clusterConnections, duration: o.referenceS, requests: [{ method: 'GET', path: '/health' }] }),
        ),
      );
      log(`reference: GET /videos/:id alone, ${o.referenceS} s`);
      let m = 0;
      const videoRequest: autocannon.Request = {
        method: 'GET',
        setupRequest: (req) => {
          const t = m++ % o.tenants;
          return { ...req, method: 'GET', path: `/videos/${seeded[t]}`, headers: { ...keys[t].headers } };
        },
      };
      phases.push(
        phase(
          'GET /videos/:id alone (key check + one row)',
          await runCannon({ url: api.baseUrl, connections: o.clusterConnections, duration: o.referenceS, requests: [videoRequest] }),
        ),
      );
      log(`reference: GET /clusters alone, ${o.referenceS} s`);
      phases.push(
        phase(
          'GET /clusters alone',
          await runCannon({ url: api.baseUrl, connections: o.clusterConnections, duration: o.referenceS, requests: [clusterRequest] }),
        ),
      );
    }

    const accepted: string[] = [];
    let u = 0;
    const uploadRequest: autocannon.Request = {
      method: 'POST',
      setupRequest: (req) => {
        const i = u++;
        const b = bodies[i % o.tenants][Math.floor(i / o.tenants) % clips.length];
        return { ...req, method: 'POST', path: '/videos', headers: b.headers, body: b.body };
      },
      onResponse: (status, body, _ctx, headers) => {
        onAnswer(status, body, headers as Record<string, string>);
        if (status === 202) accepted.push((JSON.parse(body) as { id: string }).id);
      },
    };
    log(`mixed: ${o.uploadConnections} upload connections at ${o.uploadRate}/s + ${o.clusterConnections} cluster connections, ${o.durationS} s`);
    const [clusters, uploads] = await Promise.all([
      runCannon({ url: api.baseUrl, connections: o.clusterConnections, duration: o.durationS, requests: [clusterRequest] }),
      runCannon({ url: api.baseUrl, connections: o.uploadConnections, duration: o.durationS, overallRate: o.uploadRate, requests: [uploadRequest] }),
    ]);
    phases.push(phase('GET /clusters during uploads', clusters), phase('POST /videos (multipart upload)', uploads));

    // Every accepted upload must end ready or failed (with its reason).
    const ids = accepted;
    const t0 = Date.now();
    log(`draining ${ids.length} accepted uploads`);
    let rows: { id: string; status: string; error_code: string | null; error_message: string | null; tenant_id: string }[] = [];
    await waitFor(
      async () => {
        rows = await sql(databaseUrl, 'SELECT id, status, error_code, error_message, tenant_id FROM videos WHERE id = ANY($1::uuid[])', [ids]);
        return rows.filter((r) => r.status === 'ready' || r.status === 'failed').length === ids.length;
      },
      { timeoutMs: o.drainTimeoutS * 1000, intervalMs: 500, what: 'every accepted upload to finish' },
    ).catch(() => null);
    const drainS = (Date.now() - t0) / 1000;
    const tenantOf = new Map(keys.map((k, i) => [k.tenantId, i]));
    const settled = rows
      .filter((r) => r.status === 'ready' || r.status === 'failed')
      .map((r) => ({ id: r.id, tenant: tenantOf.get(r.tenant_id) ?? -1, status: r.status, error_code: r.error_code, error_message: r.error_message }));
    const settledIds = new Set(settled.map((s) => s.id));
    const serverErrors = phases.reduce(
      (a, p) =>
        a +
        Object.entries(p.status)
          .filter(([c]) => Number(c) >= 500)
          .reduce((x, [, v]) => x + v, 0),
      0,
    );
    return {
      date: new Date().toISOString(),
      machine: { nproc: availableParallelism(), cpu: cpus()[0]?.model ?? '?', node: process.version, load_before: loadBefore, load_after: loadavg() },
      options: { ...o, log: undefined } as Omit<LoadOptions, 'log'>,
      clips: clips.map((c) => ({ name: c.name, bytes: c.bytes.length })),
      phases,
      uploads: { accepted: ids.length, settled, unsettled: ids.filter((id) => !settledIds.has(id)), drain_s: drainS },
      too_many: tooMany,
      server_errors: serverErrors,
    };
  } finally {
    await worker?.stop('SIGTERM').catch(() => {});
    await api?.stop();
    const q = new Queues({ redisUrl: TEST_REDIS_URL, prefix, webhookMaxAttempts: 1 });
    await q.obliterate().catch(() => {});
    await q.close();
    await dropDatabase(o.dbName).catch(() => {});
    storage.cleanup();
  }
}

const f1 = (x: number) => x.toFixed(1);
const fmtLoad = (l: number[]) => l.map((x) => x.toFixed(2)).join(', ');

/** The phases as a markdown table. */
export function loadTable(r: LoadReport): string {
  return [
    '| phase | connections | requests | req/s | p50 ms | p90 ms | p99 ms | max ms | status codes | errors |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---|---:|',
    ...r.phases.map(
      (p) =>
        `| ${p.name} | ${p.connections} | ${p.requests} | ${f1(p.rps)} | ${f1(p.latency_ms.p50)} | ${f1(p.latency_ms.p90)} | ${f1(p.latency_ms.p99)} | ${f1(p.latency_ms.max)} | ${Object.entries(
          p.status,
        )
          .map(([c, v]) => `${c}: ${v}`)
          .join(', ')} | ${p.errors + p.timeouts} |`,
    ),
  ].join('\n');
}

export const LOAD_HEADING = '## load (uploads and clusters, several tenants)';

/** The section for bench/RESULTS.md. */
export function loadSection(r: LoadReport, command: string): string {
  const ready = r.uploads.settled.filter((s) => s.status === 'ready').length;
  const failed = r.uploads.settled.filter((s) => s.status === 'failed');
  const o = r.options;
  return [
    LOAD_HEADING,
    '',
    `Recorded ${r.date.slice(0, 16).replace('T', ' ')} UTC with \`${command}\`.`,
    '',
    `- Machine: ${r.machine.nproc} cores (\`nproc\`), ${r.machine.cpu}, Node ${r.machine.node}. Load average (1, 5, 15 min) before: ${fmtLoad(r.machine.load_before)}; after: ${fmtLoad(r.machine.load_after)}. The load generator (autocannon, in the bench process), the API process, the worker process (1 job at a time, 1 inference thread), PostgreSQL and Redis all share these cores.`,
    `- Setup: API (\`apps/api/main.ts\`) and worker (\`apps/worker/main.ts\`) as separate processes on loopback, a fresh database on the local PostgreSQL, a queue prefix of its own on the local Redis. ${o.tenants} tenants, each with two API keys (one uploads, one reads clusters) and one ready video (a ${CLIP_SECONDS} s clip of the test video). Rate limit: ${o.rateLimit.max > 0 ? `${o.rateLimit.max} requests per ${o.rateLimit.windowMs / 1000} s per key` : 'off (RATE_LIMIT_MAX=0: the service is measured, not the limiter)'}.`,
    `- Requests: \`GET /videos/:id/clusters?sim=…\` (sim drawn uniformly in [0.05, 0.95], tenants in turn, each on its own video: a cut of the cached linkage), and multipart \`POST /videos\` uploads of ${r.clips.length} real clips (${r.clips.map((c) => `${Math.round(c.bytes / 1024)} KiB`).join(', ')}; \`capture_interval_sec=1\`) at ${o.uploadRate}/s over ${o.uploadConnections} connections. Reference phases first, ${o.referenceS} s each: \`GET /health\` alone (the floor: HTTP, an open route, no database), \`GET /videos/:id\` alone (the API key checked, one row read), then the cluster requests alone; then ${o.durationS} s of both together while the worker processes the uploads. Latencies are autocannon's (corrected for coordinated omission on the rate-limited uploads).`,
    '',
    loadTable(r),
    '',
    `- Uploads: ${r.uploads.accepted} accepted (202); after the load ${ready} ended ready and ${failed.length} failed${failed.length ? ` (${[...new Set(failed.map((f) => f.error_code))].join(', ')})` : ''}; ${r.uploads.unsettled.length} unsettled; the worker drained them in ${f1(r.uploads.drain_s)} s after the load stopped.`,
    `- 5xx answers: ${r.server_errors}. 429 answers: ${r.too_many.count}${
      r.too_many.count
        ? ` (${Object.entries(r.too_many.codes)
            .map(([c, v]) => `${c} ${v}`)
            .join(', ')}), ${r.too_many.without_retry_after} without Retry-After`
        : ''
    }.`,
  ].join('\n');
}

const NOTES_BEGIN = '<!-- load-notes:begin (kept by --record) -->';
const NOTES_END = '<!-- load-notes:end -->';

/** Replaces (or appends) the load section of bench/RESULTS.md, keeping its hand-written notes block. */
export function recordLoadSection(body: string, file: string): void {
  replaceResultsSection(file, LOAD_HEADING, body, NOTES_BEGIN, NOTES_END);
}
