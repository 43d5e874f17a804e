// Benchmark: keycast's flow distances (libs/flow pairDistances: face and cloth distances fused with
// quality weights and the shot-aware rule, what `keycast analyze`, the API and the worker cluster on)
// at large n: time, CPU and the process's peak RSS. They are computed a chunk of rows at a time, so
// the peak is the result (float32 above EXACT_MAX_N) plus two chunks, not three n x n float64 matrices.
// usage: node --import tsx bench/flow-distances.ts [--n 30000]
import { loadavg } from 'node:os';
import { EXACT_MAX_N, maxDistance } from '../libs/clustering/index.js';
import { pairDistances } from '../libs/flow/index.js';
import { blobFingerprints } from './clustering.js';

const i = process.argv.indexOf('--n');
const n = i >= 0 ? Number(process.argv[i + 1]) : 30_000;
const X = blobFingerprints(n);
// a fifth of the faces without clothing (close-ups), random quality, shots of 40 faces
const face = Array.from({ length: n }, (_, k) => X.subarray(k * 256, k * 256 + 128));
const cloth = Array.from({ length: n }, (_, k) => (k % 5 === 0 ? new Float64Array(128) : X.subarray(k * 256 + 128, (k + 1) * 256)));
const quality = Array.from({ length: n }, (_, k) => (k % 7 === 0 ? null : ((k * 2654435761) % 1000) / 1000));
const shot = (k: number) => Math.floor(k / 40);
const rssBefore = process.resourceUsage().maxRSS * 1024;
const load0 = loadavg();
const c0 = process.cpuUsage();
const t0 = performance.now();
const d = pairDistances(face, cloth, [1, 1], { scale: 'face-units', quality, clothCounts: (a, b) => shot(a) === shot(b) });
const wall = (performance.now() - t0) / 1000;
const c = process.cpuUsage(c0);
const peak = process.resourceUsage().maxRSS * 1024;
const m = (n * (n - 1)) / 2;
console.log(
  JSON.stringify({
    n,
    result: d instanceof Float32Array ? 'float32' : 'float64',
    exact_max_n: EXACT_MAX_N,
    result_gb: d.byteLength / 1e9,
    three_float64_matrices_gb: (3 * m * 8) / 1e9,
    wall_s: wall,
    cpu_s: (c.user + c.system) / 1e6,
    peak_rss_gb: peak / 1e9,
    rss_before_gb: rssBefore / 1e9,
    max_distance: maxDistance(d),
    loadavg_before: load0,
    loadavg_after: loadavg(),
    node: process.version,
  }),
);
