import type { ClusterOptions } from '../config/index.js';
import { clusterDistances, clusterFingerprints, fingerprints, type CachedLinkage, type ClusterParams } from '../clustering/index.js';
import { appearanceDistances } from './appearance-distances.js';
import { summarizeClusters, unclusteredFaceIds, type ClusterSummary, type ResultFace } from '../report/index.js';
import type { Box } from './types.js';

/** What clustering needs of a stored appearance. */
export interface ClusterableFace {
  id: number;
  t: number;
  frame: number;
  box: Box;
  score: number;
  face: ArrayLike<number>;
  cloth: ArrayLike<number>;
}

/** The linkage depends only on the fingerprints, the weights and the method: this names one. */
export function linkageKey(opts: Pick<ClusterOptions, 'face_cloth_weights' | 'method'>): string {
  return `${opts.method}|${opts.face_cloth_weights[0]},${opts.face_cloth_weights[1]}`;
}

/**
 * Fingerprints → labels (DESIGN.md steps 4-6). With `cache` (a linkage of the same faces, weights
 * and method) only the cut, min_csize and merging run: a new `sim` costs no HAC.
 */
export function clusterFaces(faces: ClusterableFace[], opts: ClusterOptions, cache?: CachedLinkage): { labels: (number | null)[]; cache: CachedLinkage | undefined } {
  if (faces.length === 0) return { labels: [], cache: undefined };
  if (faces.length === 1) return { labels: [opts.min_csize <= 1 ? 0 : null], cache: undefined };
  const X = fingerprints(faces.map((f) => f.face), faces.map((f) => f.cloth), opts.face_cloth_weights);
  const params: ClusterParams = {
    sim: opts.sim,
    min_csize: opts.min_csize,
    method: opts.method,
    merge: opts.merge,
    face_threshold: opts.face_threshold,
    cloth_threshold: opts.cloth_threshold,
    iterations: opts.iterations,
    faceDim: faces[0].face.length,
  };
  if (cache) return { labels: clusterFingerprints(X, params, cache).labels, cache };
  const condensed = opts.face_cloth_weights[1] > 0 ? appearanceDistances(X, params.faceDim!) : null;
  const r = condensed ? clusterDistances(condensed, X.length, params, { X, overwrite: true }) : clusterFingerprints(X, params);
  return { labels: r.labels, cache: { Z: r.Z, maxDist: r.maxDist } };
}

export interface ClusterReport {
  faces: ResultFace[];
  clusters: ClusterSummary[];
  unclustered: number[];
}

/**
 * Labels → the faces, clusters and summary of result.json. Cluster ids follow the summary's order
 * (most screen time first), so id 0 is always the main character.
 */
export function buildClusterReport(
  faces: ClusterableFace[],
  labels: (number | null)[],
  opts: { sample_interval_s: number; duration_s?: number; thumbnail: (f: ClusterableFace) => string },
): ClusterReport {
  const summaries = summarizeClusters(
    faces.map((f, i) => ({ id: f.id, t: f.t, score: f.score, box: f.box, cluster: labels[i] })),
    { sample_interval_s: opts.sample_interval_s, duration_s: opts.duration_s },
  );
  const renumber = new Map<number, number>();
  summaries.forEach((s, i) => renumber.set(s.id, i));
  const clusters = summaries.map((s, i) => ({ ...s, id: i }));
  const out: ResultFace[] = faces.map((f, i) => ({
    id: f.id,
    t: f.t,
    frame: f.frame,
    box: f.box,
    score: Math.round(f.score * 1e4) / 1e4,
    cluster: labels[i] === null ? null : renumber.get(labels[i] as number)!,
    thumbnail: opts.thumbnail(f),
  }));
  return { faces: out, clusters, unclustered: unclusteredFaceIds(out) };
}
