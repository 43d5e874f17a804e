/**
 * The API's re-cut at a real video's size: GET /videos/:id/clusters on a ready video of 10,000 real-descriptor faces
 * (test/e2e/support/large-video.ts: the labelled sets' faces, jittered, ~90 identities) whose tree is cached, through a
 * real API server on loopback, without and then with 1,000 people in the tenant (the gallery every cluster's
 * suggestion is scored against).
 *
 *   node --import tsx bench/recut-latency.ts [--n 10000] [--reps 60] [--people 1000] [--record]
 *
 * Per phase, `reps` requests, each a cut of the cached tree: "new cuts" at a sim never asked before (0.300, 0.301, …),
 * "revisited cuts" at sims auto, 0.3 … 0.7 in turn (a slider going back and forth); latency p50/p95 (the
 * client's, loopback), the API process's CPU per request, the answer's bytes and the route's own timings (p50). Two
 * request shapes: the route's defaults (20 faces per cluster, 1,000 faces listed) and the review app's slider step
 * (a handful of faces per cluster, no face list). A reference in the same run: GET /health, whose latency is the
 * machine's load and the HTTP stack, not the re-cut. With --record the table replaces the section of bench/RESULTS.md.
 */
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { largeVideoMissing, seedLargeVideo, seedPeople, type LargeVideo } from '../test/e2e/support/large-video.js';
import { startApi, type RunningApi } from '../test/e2e/support/api.js';
import { REPO_ROOT } from '../test/e2e/support/services.js';
import { replaceResultsSection } from './results-file.js';
import { numberArg as arg, percentile as pct } from './measure.js';

const SECTION = "## Re-cut at a real video's size (GET /videos/:id/clusters, tree cached)";
/** The review app's query for a slider step (apps/web: review data). */
export const APP_STEP_QUERY = 'faces_per_cluster=4&faces_limit=0';

interface Phase {
  name: string;
  ms: number[];
  cpuMs: number[];
  bytes: number[];
  timings: Record<string, number[]>;
}

/** Sims a slider revisits (cuts served before) and, for `fresh`, a new one per request (cuts never served). */
const REVISITED = ['auto', '0.3', '0.4', '0.5', '0.6', '0.7'];
let freshSim = 0;
const nextFresh = () => (0.3 + (freshSim++ % 400) * 0.001).toFixed(3);

async function measure(api: RunningApi, name: string, path: (i: number) => string, reps: number, fresh = false): Promise<Phase> {
  const p: Phase = { name, ms: [], cpuMs: [], bytes: [], timings: {} };
  const sims = REVISITED;
  // One warm-up round (JIT, the fingerprints' LRU, the gallery) not counted.
  for (let i = 0; i < sims.length; i++)
    await fetch(`${api.baseUrl}${path(i).replace('{sim}', sims[i])}`, { headers: api.auth.headers }).then((r) => r.arrayBuffer());
  for (let i = 0; i < reps; i++) {
    const url = `${api.baseUrl}${path(i).replace('{sim}', fresh ? nextFresh() : sims[i % sims.length])}`;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const r = await fetch(url, { headers: api.auth.headers });
    const body = Buffer.from(await r.arrayBuffer());
    const ms = performance.now() - t0;
    const c = process.cpuUsage(c0);
    if (r.status !== 200) throw new Error(`${url}: ${r.status} ${body.toString().slice(0, 300)}`);
    p.ms.push(ms);
    p.cpuMs.push((c.user + c.system) / 1000);
    p.bytes.push(body.length);
    if (url.includes('/clusters')) {
      const t = (JSON.parse(body.toString()) as { timings: Record<string, number> }).timings;
      for (const [k, v] of Object.entries(t)) (p.timings[k] ??= []).push(v);
    }
  }
  return p;
}

async function main(): Promise<void> {
  const n = arg('--n', 10_000);
  const reps = arg('--reps', 60);
  const peopleCount = arg('--people', 1000);
  const missing = largeVideoMissing();
  if (missing) throw new Error(missing);
  const load0 = loadavg();
  const api = await startApi(`keycast_bench_recut${process.env.KEYCAST_TEST_DB_SUFFIX ?? ''}`, { rateLimitMax: 0 });
  const phases: Phase[] = [];
  let seeded: LargeVideo | undefined;
  try {
    const video = await seedLargeVideo(api.deps.store, api.databaseUrl, { tenantId: api.auth.tenantId, n });
    seeded = video;
    process.stderr.write(`seeded ${n} faces: ${JSON.stringify(video.seed_s)}\n`);
    const clusters = (q: string) => () => `/videos/${video.id}/clusters?sim={sim}${q ? `&${q}` : ''}`;
    phases.push(await measure(api, 'GET /health (reference)', () => '/health', reps));
    phases.push(await measure(api, 'clusters, defaults, no people, new cuts', clusters(''), reps, true));
    phases.push(await measure(api, 'clusters, defaults, no people, revisited cuts', clusters(''), reps));
    phases.push(await measure(api, 'clusters, app step, no people, new cuts', clusters(APP_STEP_QUERY), reps, true));
    if (peopleCount > 0) {
      const t = performance.now();
      await seedPeople(api.deps.store, api.databaseUrl, { tenantId: api.auth.tenantId, count: peopleCount });
      process.stderr.write(`seeded ${peopleCount} people in ${((performance.now() - t) / 1000).toFixed(1)} s\n`);
      phases.push(await measure(api, `clusters, defaults, ${peopleCount} people, new cuts`, clusters(''), reps, true));
      phases.push(await measure(api, `clusters, defaults, ${peopleCount} people, revisited cuts`, clusters(''), reps));
      phases.push(await measure(api, `clusters, app step, ${peopleCount} people, new cuts`, clusters(APP_STEP_QUERY), reps, true));
    }
  } finally {
    await api.close();
  }
  const load1 = loadavg();
  const f = (x: number) => x.toFixed(1);
  const ref = pct(phases[0].ms, 0.5);
  const timingKeys = [...new Set(phases.flatMap((p) => Object.keys(p.timings)))];
  const lines = [
    SECTION,
    '',
    `Command: \`node --import tsx bench/recut-latency.ts --reps ${reps} --record\` (n = ${n}, ${reps} requests per row). Recorded ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${cpus().length} cores shared with other sessions (load average ${load0.map(f).join(', ')} before, ${load1.map(f).join(', ')} after): compare rows of one run (the /health row is the run's reference), not runs. Node ${process.version}.`,
    '',
    `Video: ${n} faces (test/e2e/support/large-video.ts: real descriptors of the labelled sets, jittered, ${seeded?.identities} identities, 3 per frame), the default tree cached (seeded in ${f(seeded?.seed_s.rows ?? 0)} s + linkage ${f(seeded?.seed_s.linkage ?? 0)} s, ${seeded?.seed_s.linkage_cached ? 'copied from the machine cache' : 'computed'}). People: ${peopleCount}, each confirmed on 2 faces of another video (the suggestions' gallery). "app step": \`${APP_STEP_QUERY}\`, what the review app asks per slider step.`,
    '',
    `| request | p50 ms | p95 ms | x /health p50 | API CPU ms p50 | KB | ${timingKeys.join(' | ')} |`,
    `|---|---:|---:|---:|---:|---:|${timingKeys.map(() => '---:').join('|')}|`,
    ...phases.map(
      (p) =>
        `| ${p.name} | ${f(pct(p.ms, 0.5))} | ${f(pct(p.ms, 0.95))} | ${(pct(p.ms, 0.5) / ref).toFixed(1)} | ${f(pct(p.cpuMs, 0.5))} | ${(pct(p.bytes, 0.5) / 1024).toFixed(0)} | ${timingKeys.map((k) => (p.timings[k] ? f(pct(p.timings[k], 0.5)) : '-')).join(' | ')} |`,
    ),
    '',
    "Timings columns: the route's own `timings` (p50 of each, ms): load = fingerprints and constraints, cluster = the cut of the cached tree, report = the clusters' summary, suggest = the suggestions, total = the route's handler.",
  ];
  const table = lines.join('\n');
  process.stdout.write(`${table}\n`);
  if (process.argv.includes('--record'))
    replaceResultsSection(join(REPO_ROOT, 'bench/RESULTS.md'), SECTION, table, '<!-- recut-latency notes -->', '<!-- /recut-latency notes -->');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
