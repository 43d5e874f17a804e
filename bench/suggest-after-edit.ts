/**
 * The suggestions' first cut after a people edit, at a real video's size: 10,000 faces (bench/synthetic-video.ts: the
 * labelled sets' real descriptors, jittered) in ~400 clusters, a tenant of 1,000 people confirmed on 2 faces each.
 * Each round edits one person (a third confirmed face), which changes the tenant's people stamp, then asks the
 * suggestions of the same cut: through the service that scored the cut before the edit (it rescores only the changed
 * person: libs/recognition rerankPeopleAbove) and through a fresh service (every cluster against every person, as
 * before). Both rebuild the gallery from the store stub. In-process (no database, no HTTP); wall and CPU per call.
 *
 *   node --import tsx bench/suggest-after-edit.ts [--rounds 20]
 */
import { cpus, loadavg } from 'node:os';
import { PeopleGalleries, type ClusterRun } from '../libs/services/index.js';
import type { Store } from '../libs/store/index.js';
import { numberArg as arg, percentile as pct } from './measure.js';
import { syntheticVideo } from './synthetic-video.js';

const rounds = arg('--rounds', 20);
const { faces: raw, identity } = await syntheticVideo(10_000);
const faces = raw.map((f, i) => ({ id: i + 1, face: Float32Array.from(f.face), descriptorVersion: 1, box: f.box }));
// ~400 clusters: each identity's faces in blocks of 25 (a fine cut's size), in face order.
const byIdentity = new Map<string, number[]>();
faces.forEach((f, i) => byIdentity.set(identity[i], [...(byIdentity.get(identity[i]) ?? []), f.id]));
const clusters = [...byIdentity.values()].flatMap((ids) => Array.from({ length: Math.ceil(ids.length / 25) }, (_, b) => ids.slice(b * 25, b * 25 + 25)));
const run = { faces, report: { clusters: clusters.map((fs, id) => ({ id, faces: fs })) }, people: new Map() } as unknown as ClusterRun;

const { faces: enrolled } = await syntheticVideo(3_000, 29);
const people = Array.from({ length: 1_000 }, (_, p) => ({
  id: `person-${p}`,
  name: `Person ${p}`,
  faces: [Float32Array.from(enrolled[2 * p].face), Float32Array.from(enrolled[2 * p + 1].face)],
  versions: [1, 1],
}));
let stamp = 0;
const store = {
  people: {
    recognitionStamp: async () => String(stamp),
    confirmedDescriptors: async () => people.map((p) => ({ ...p })),
    constraintsForVideo: async () => [],
  },
} as unknown as Store;

const timed = async (f: () => Promise<unknown>) => {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const r = await f();
  const c = process.cpuUsage(c0);
  return { r, ms: performance.now() - t0, cpu: (c.user + c.system) / 1000 };
};
const kept = new PeopleGalleries(store);
await kept.suggestForClusters('t', 'v', run);
const rows = { kept: [] as number[], keptCpu: [] as number[], fresh: [] as number[], freshCpu: [] as number[] };
const load0 = loadavg();
for (let i = 0; i < rounds + 2; i++) {
  const p = people[(i * 37) % people.length];
  p.faces = [...p.faces, Float32Array.from(enrolled[2_000 + i].face)];
  p.versions = [...p.versions, 1];
  stamp++;
  const a = await timed(() => kept.suggestForClusters('t', 'v', run));
  const b = await timed(() => new PeopleGalleries(store).suggestForClusters('t', 'v', run));
  if (JSON.stringify([...(a.r as Map<number, unknown>)]) !== JSON.stringify([...(b.r as Map<number, unknown>)])) throw new Error(`round ${i}: answers differ`);
  if (i < 2) continue; // warm-up
  rows.kept.push(a.ms);
  rows.keptCpu.push(a.cpu);
  rows.fresh.push(b.ms);
  rows.freshCpu.push(b.cpu);
}
const f = (xs: number[]) => `${pct(xs, 0.5).toFixed(1)} / ${pct(xs, 0.95).toFixed(1)}`;
console.log(
  `${faces.length} faces, ${clusters.length} clusters, ${people.length} people; ${rounds} rounds; ${cpus().length} cores, Node ${process.version}, load ${load0.map((x) => x.toFixed(1)).join(', ')} → ${loadavg()
    .map((x) => x.toFixed(1))
    .join(', ')}`,
);
console.log(`| first cut after one person's edit | wall p50 / p95 ms | CPU p50 / p95 ms |`);
console.log(`|---|---:|---:|`);
console.log(`| rescoring the changed person (kept scores) | ${f(rows.kept)} | ${f(rows.keptCpu)} |`);
console.log(`| every cluster against every person (fresh) | ${f(rows.fresh)} | ${f(rows.freshCpu)} |`);
