/**
 * The CPU of a question page on cuts never asked before, in process (process.cpuUsage): the 10,000-face fixture
 * (bench/synthetic-video.ts), its default linkage built once and cut at a sequence of numeric sims (slider steps of
 * 0.002 up, then down, then jumps), each cut's first page asked by libs/flow questions.ts, and with --old FILE by
 * another copy of it (a file of the same exports, e.g. `git show main:libs/flow/questions.ts`), alternately on the
 * same cuts: same-run ratios on a shared machine; then 10 cuts cold (a copy of the faces array: nothing kept). Every cut's first page and whole list are compared as JSON (old vs new).
 *
 *   node --import tsx bench/questions-cuts.ts [--n 10000] [--old libs/flow/questions-old.ts]
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DEFAULT_CLUSTER } from '../libs/config/index.js';
import * as fresh from '../libs/flow/questions.js';
import { clusterFaces, type PersonConstraint, type QuestionFace } from '../libs/flow/index.js';
import { syntheticVideo } from './synthetic-video.js';
import { numberArg as arg, percentile } from './measure.js';

type Ask = typeof fresh.askQuestions;

/** The sims of the sequence: 0.002 steps up from 0.55, back down, then jumps of 0.01 (a new cut each). */
export function simSequence(steps: number): number[] {
  const up = Array.from({ length: steps }, (_, i) => 0.55 + i * 0.002);
  const down = up
    .slice(0, -1)
    .reverse()
    .map((s) => s - 0.001);
  const jumps = Array.from({ length: Math.ceil(steps / 2) }, (_, i) => 0.5 + i * 0.01 + 0.0005);
  return [...up, ...down, ...jumps].map((s) => Number(s.toFixed(4)));
}

async function cuts(n: number, sims: number[]): Promise<{ faces: QuestionFace[]; labels: (number | null)[][] }> {
  const { faces } = await syntheticVideo(n);
  const path = join(tmpdir(), 'keycast-fixtures', `question-cuts-${n}-${sims.length}-${sims[0]}.json`);
  if (existsSync(path)) return { faces, labels: JSON.parse(readFileSync(path, 'utf8')) as (number | null)[][] };
  const t0 = performance.now();
  const { cache } = clusterFaces(faces, { ...DEFAULT_CLUSTER });
  const prepared = new Map();
  const labels = sims.map((sim) => clusterFaces(faces, { ...DEFAULT_CLUSTER, sim }, cache, { prepared }).labels);
  process.stderr.write(`tree and ${sims.length} cuts in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  mkdirSync(join(tmpdir(), 'keycast-fixtures'), { recursive: true });
  writeFileSync(path, JSON.stringify(labels));
  return { faces, labels };
}

/** People on the faces: a few clusters' first faces confirmed, a face of another rejected (constraints to honour). */
function somePeople(faces: readonly QuestionFace[], labels: readonly (number | null)[]): PersonConstraint[] {
  const byCluster = new Map<number, number[]>();
  labels.forEach((l, i) => l !== null && byCluster.set(l, [...(byCluster.get(l) ?? []), faces[i].id]));
  const big = [...byCluster.values()].filter((m) => m.length >= 6).slice(0, 12);
  return big.map((m, x) => ({ id: `p${x}`, faces: m.slice(0, 3), rejected: big[(x + 1) % big.length].slice(3, 4) }));
}

async function main(): Promise<void> {
  const n = arg('--n', 10_000);
  const at = process.argv.indexOf('--old');
  const old: Ask | null = at > 0 ? ((await import(pathToFileURL(resolve(process.argv[at + 1])).href)) as typeof fresh).askQuestions : null;
  const sims = simSequence(arg('--steps', 12));
  const { faces, labels } = await cuts(n, sims);
  const people = somePeople(faces, labels[0]);
  const load0 = loadavg();
  const cpu: Record<string, number[]> = { new: [], old: [], 'new cold': [], 'old cold': [] };
  let differ = 0;
  const time = (name: string, ask: Ask, input: fresh.QuestionInput) => {
    const c0 = process.cpuUsage();
    const page = ask(input).page(10);
    const c = process.cpuUsage(c0);
    cpu[name].push((c.user + c.system) / 1000);
    return page;
  };
  // Two passes: without people, then with them (the memo is per faces array: one array for every cut, as the API's).
  for (const withPeople of [false, true]) {
    for (let t = 0; t < sims.length; t++) {
      const input = { faces, labels: labels[t], people: withPeople ? people : undefined };
      // Alternate which runs first, so neither always runs on a warmer cache.
      const order = t % 2 === 0 ? (['new', 'old'] as const) : (['old', 'new'] as const);
      const pages: Record<string, string> = {};
      for (const name of order) if (name === 'new' || old) pages[name] = JSON.stringify(time(name, name === 'new' ? fresh.askQuestions : old!, input));
      if (old && (pages.new !== pages.old || JSON.stringify(fresh.askQuestions(input).all()) !== JSON.stringify(old(input).all()))) {
        differ++;
        process.stderr.write(`sim ${sims[t]} people=${withPeople}: questions differ\n`);
      }
    }
  }
  // Cold: a copy of the faces array each time (nothing kept: the unit vectors, and here every cluster, computed afresh).
  for (let t = 0; t < Math.min(sims.length, 10); t++)
    for (const name of t % 2 === 0 ? (['new', 'old'] as const) : (['old', 'new'] as const))
      if (name === 'new' || old) time(`${name} cold`, name === 'new' ? fresh.askQuestions : old!, { faces: [...faces], labels: labels[t] });
  const row = (xs: number[]) =>
    `p50 ${percentile(xs, 0.5).toFixed(1)} ms, p95 ${percentile(xs, 0.95).toFixed(1)} ms, mean ${(xs.reduce((a, b) => a + b, 0) / xs.length).toFixed(1)} ms`;
  const clusters = (l: readonly (number | null)[]) => new Set(l.filter((x) => x !== null)).size;
  process.stdout.write(
    `n = ${n}, ${sims.length} sims x 2 (no people, ${people.length} people), clusters ${clusters(labels[0])}..${clusters(labels.at(-1)!)}, load ${load0.map((x) => x.toFixed(1)).join(', ')} -> ${loadavg()
      .map((x) => x.toFixed(1))
      .join(', ')}, Node ${process.version}\n` +
      (['new', 'old', 'new cold', 'old cold'] as const)
        .filter((k) => cpu[k].length)
        .map((k) => `  ${k.padEnd(8)} ${row(cpu[k])}\n`)
        .join('') +
      (old
        ? `  new/old (p50): ${(percentile(cpu.new, 0.5) / percentile(cpu.old, 0.5)).toFixed(2)}, cold ${(percentile(cpu['new cold'], 0.5) / percentile(cpu['old cold'], 0.5)).toFixed(2)}; lists differing: ${differ}\n`
        : ''),
  );
  if (differ) process.exitCode = 1;
}

await main();
