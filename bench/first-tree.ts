/**
 * Where the first tree of a 10,000-face video goes (what the worker's linkage job computes, keycast's defaults):
 * the flow's parts timed one by one on the fixture's faces (bench/synthetic-video.ts), then clusterFaces whole.
 *
 *   node --import tsx bench/first-tree.ts [--n 10000]
 */
import { cpus, loadavg } from 'node:os';
import { DEFAULT_CLUSTER } from '../libs/config/index.js';
import { applyCannotLink, linkage, maxDistance, unitDistances } from '../libs/clustering/index.js';
import { buildTracks, clothCountsRule, clusterFaces, faceQuality, pairDistances } from '../libs/flow/index.js';
import { syntheticVideo } from './synthetic-video.js';

const i = process.argv.indexOf('--n');
const n = i === -1 ? 10_000 : Number(process.argv[i + 1]);
const { faces } = await syntheticVideo(n);
const opts = { ...DEFAULT_CLUSTER };
const load0 = loadavg();
const ms: Record<string, number> = {};
const time = <T>(k: string, f: () => T): T => {
  const t = performance.now();
  const r = f();
  ms[k] = performance.now() - t;
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
const ud = time('unit distances (tracks)', () => unitDistances(d, n, units));
time(`linkage (${units.count} units, ${opts.method})`, () => linkage(ud, units.count, opts.method, { overwrite: true }));
const t = performance.now();
clusterFaces(faces, opts, undefined, { sample_interval_s: 0.5 });
const whole = performance.now() - t;
process.stdout.write(
  `n = ${n}, ${cpus().length} cores, load ${load0.map((x) => x.toFixed(1)).join(', ')} → ${loadavg()
    .map((x) => x.toFixed(1))
    .join(', ')}\n${Object.entries(ms)
    .map(([k, v]) => `  ${k}: ${v.toFixed(0)} ms`)
    .join('\n')}\n  clusterFaces whole (defaults): ${whole.toFixed(0)} ms\n`,
);
