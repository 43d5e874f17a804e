import { summarizeClusters, unclusteredFaceIds, type ClusterSummary, type ResultFace } from '../report/index.js';
import type { ClusterableFace } from './cluster-faces.js';

export interface ClusterReport {
  faces: ResultFace[];
  clusters: ClusterSummary[];
  unclustered: number[];
}

/**
 * Labels → the faces, clusters and summary of result.json. Cluster ids follow the summary's order
 * (key characters first, then most screen time), so id 0 is always the main character.
 */
export function buildClusterReport(
  faces: ClusterableFace[],
  labels: (number | null)[],
  opts: { sample_interval_s: number; duration_s?: number; key_min_s?: number; key_min_share?: number; thumbnail: (f: ClusterableFace) => string },
): ClusterReport {
  const summaries = summarizeClusters(
    faces.map((f, i) => ({ id: f.id, t: f.t, score: f.score, box: f.box, cluster: labels[i] })),
    { sample_interval_s: opts.sample_interval_s, duration_s: opts.duration_s, key_min_s: opts.key_min_s, key_min_share: opts.key_min_share },
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
    cluster: labels[i] === null ? null : renumber.get(labels[i])!,
    thumbnail: opts.thumbnail(f),
  }));
  return { faces: out, clusters, unclustered: unclusteredFaceIds(out) };
}
