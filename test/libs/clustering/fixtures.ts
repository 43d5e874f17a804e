// Loads the scipy fixtures written by scripts/make-clustering-fixtures.py.
import { readFileSync } from 'node:fs';
import type { LinkageMethod } from '../../../libs/clustering/index.js';

const dir = new URL('../../fixtures/clustering/', import.meta.url);

export const SIMS = [0, 0.2, 0.4, 0.63, 0.8, 0.95, 1];

export interface MethodFixture {
  Z: number[][];
  labels: Record<string, number[]>;
}
export interface HacFixture {
  n: number;
  d: number;
  maxDist: number;
  pdist?: number[];
  methods: Record<LinkageMethod, MethodFixture>;
}
export interface SmallFixture extends HacFixture {
  points: number[][];
  pdist: number[];
}
export interface FlowFixture {
  params: { sim: number; min_csize: number; method: LinkageMethod; merge: boolean; face_threshold: number; cloth_threshold: number; iterations: number };
  labels: (number | null)[];
  clustersBeforeMerge: number;
  clusters: number;
}
export interface BlobsFixture extends HacFixture {
  meta: { scipy: string };
  pointsF32Base64: string;
  pdistSamples: [number, number, number][];
  truth: number[];
  flows: FlowFixture[];
}
export interface MetricCase {
  name: string;
  truth: (number | string | null)[];
  pred: (number | string | null)[];
  nmi_singletons: number;
  nmi_drop: number;
  purity_drop: number | null;
  purity_singletons: number | null;
  pairwise_singletons: [number, number, number];
  pairwise_drop: [number, number, number];
}

function load<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(name, dir), 'utf8')) as T;
}

export interface CondensedFixture extends HacFixture {
  condensed: number[];
}
export const loadSmall = () =>
  load<{ meta: { scipy: string }; sets: Record<string, SmallFixture>; condensedSets: Record<string, CondensedFixture> }>('small.json');
export const loadBlobs = () => load<BlobsFixture>('blobs2000.json');
export const loadMetrics = () => load<{ cases: MetricCase[] }>('metrics.json');
export const loadFingerprints = () =>
  load<{ face: number[][]; cloth: number[][]; cases: { weights: [number, number]; expected: number[][] }[] }>('fingerprints.json');

/** The blob points exactly as Python used them: float32 values widened to float64. */
export function blobPoints(f: BlobsFixture): Float64Array[] {
  const bytes = Buffer.from(f.pointsF32Base64, 'base64');
  const f32 = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const rows: Float64Array[] = [];
  for (let i = 0; i < f.n; i++) rows.push(Float64Array.from(f32.subarray(i * f.d, (i + 1) * f.d)));
  return rows;
}

export function flatZ(Z: number[][]): Float64Array {
  return Float64Array.from(Z.flat());
}

/** Largest |a - b| over two equally long arrays (Infinity if the lengths differ). */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

export function countMismatches(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let c = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) c++;
  return c;
}
