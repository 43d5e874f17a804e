/**
 * Where the first tree of a 10,000-face video goes (what the worker's linkage job computes, keycast's defaults):
 * the flow's parts timed one by one on the fixture's faces (bench/synthetic-video.ts), then clusterFaces whole,
 * with keycast's defaults (no tracks: every face is a unit) and with tracks. Each line gives wall and CPU time
 * (all threads): on a machine shared with other work, compare CPU and same-run ratios, not wall times.
 *
 * Then the tree a user waits for after every people edit (a confirmed face changes the linkage key: the worker computes
 * the constrained tree again): from scratch (no TreeMemory, as before) and from the distances the first tree kept
 * (libs/flow TreeMemory, the service's default budget), each edit adding confirmed faces; the trees are checked equal
 * bit for bit.
 *
 *   node --import tsx bench/first-tree.ts [--n 10000]
 */
import { cpus, loadavg } from 'node:os';
import { DEFAULT_CLUSTER, DEFAULT_TREE_MEMORY_BYTES } from '../libs/config/index.js';
import { applyCannotLink, linkage, maxDistance, unitDistances } from '../libs/clustering/index.js';
import { buildTracks, clothCountsRule, clusterFaces, faceQuality, pairDistances, TreeMemory, type PersonConstraint } from '../libs/flow/index.js';
import { syntheticVideo } from './synthetic-video.js';

const i = process.argv.indexOf('--n');
const n = i === -1 ? 10_000 : Number(process.argv[i + 1]);
const { faces, identity } = await syntheticVideo(n);
const opts = { ...DEFAULT_CLUSTER };
const load0 = loadavg();
const rows: string[] = [];
const time = <T>(k: string, f: () => T): T => {
  const c0 = process.cpuUsage();
  const t = performance.now();
  const r = f();
  const c = process.cpuUsage(c0);
  rows.push(`  ${k}: ${(performance.now() - t).toFixed(0)} ms (CPU ${((c.user + c.system) / 1000).toFixed(0)} ms)`);
  return r;
};
const units = time('tracks', () => buildTracks(faces, { sample_interval_s: 0.5 }));
const d = time('pair distances (n²/2 × d)', () =>
  pairDistances(
    faces.map((f) => f.face),
    faces.map((f) => f.cloth),
    opts.face_cloth_weights,
    { scale: 'face-units', quality: faces.map(faceQuality), clothCounts: clothCountsRule(faces) },
  ),
);
time('max distance', () => maxDistance(d));
time('frame cannot-links', () =>
  applyCannotLink(
    d,
    n,
    faces.map((f) => [f.frame]),
  ),
);
const ud = time(`unit distances (${units.count} tracks)`, () => unitDistances(d, n, units));
time(`linkage (${units.count} tracks, ${opts.method})`, () => linkage(ud, units.count, opts.method, { overwrite: true }));
time(`linkage (${n} faces, ${opts.method}; the defaults' tree)`, () => linkage(d, n, opts.method, { overwrite: true }));
time(`clusterFaces whole (defaults: tracks ${opts.tracks ? 'on' : 'off'})`, () => clusterFaces(faces, opts, undefined, { sample_interval_s: 0.5 }));
time('clusterFaces whole (tracks on)', () => clusterFaces(faces, { ...opts, tracks: true }, undefined, { sample_interval_s: 0.5 }));
// People edits: 20 people, each confirming `k` faces of one identity (the edit: k grows), as a review session does.
const ids = [...new Set(identity)].slice(0, 20);
const peopleAt = (k: number): PersonConstraint[] =>
  ids.map((id, p) => ({
    id: `p${p}`,
    faces: faces
      .filter((_, i) => identity[i] === id)
      .slice(0, k)
      .map((f) => f.id),
  }));
const memory = new TreeMemory(DEFAULT_TREE_MEMORY_BYTES);
const ctx = { sample_interval_s: 0.5, memory: memory.of('v') };
time('clusterFaces whole, keeping its distances (first tree, TreeMemory)', () => clusterFaces(faces, opts, undefined, ctx));
let differ = 0;
for (const k of [2, 3, 4]) {
  const people = peopleAt(k);
  const old = time(`edit ${k}: tree from scratch (as before)`, () => clusterFaces(faces, opts, undefined, { sample_interval_s: 0.5, people }).cache!);
  const kept = time(`edit ${k}: tree from kept distances`, () => clusterFaces(faces, opts, undefined, { ...ctx, people }).cache!);
  if (old.maxDist !== kept.maxDist || old.Z.some((z, q) => !Object.is(z, kept.Z[q]))) differ++;
}
rows.push(`  trees that differ from scratch: ${differ} of 3; TreeMemory holds ${(memory.bytes / 2 ** 20).toFixed(0)} MiB`);
process.stdout.write(
  `n = ${n}, ${cpus().length} cores, Node ${process.version}, load ${load0.map((x) => x.toFixed(1)).join(', ')} → ${loadavg()
    .map((x) => x.toFixed(1))
    .join(', ')}\n${rows.join('\n')}\n`,
);
