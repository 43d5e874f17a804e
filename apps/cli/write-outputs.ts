import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ClusterOptions } from '../../libs/config/index.js';
import { buildClusterReport, clusterFaces, peopleOfClusters, type PersonConstraint } from '../../libs/flow/index.js';
import type { FingerprintsFile } from '../../libs/pipeline/index.js';
import { renderGallery, renderMontage, type AnalysisResult } from '../../libs/report/index.js';

export interface AnalysisOutputs {
  result: AnalysisResult;
  files: { result: string; montage: string; gallery: string; fingerprints: string };
}

/**
 * Clusters saved fingerprints and writes DIR/result.json, DIR/montage.png and DIR/gallery.html.
 * Shared by `analyze` (right after extraction) and `recluster` (from the saved file alone).
 */
export async function writeAnalysisOutputs(
  dir: string,
  fp: FingerprintsFile,
  cluster: ClusterOptions,
  timings: Record<string, number>,
  { people }: { people?: readonly (PersonConstraint & { name?: string | null })[] } = {},
): Promise<AnalysisOutputs> {
  const t0 = performance.now();
  const { labels } = clusterFaces(fp.faces, cluster, undefined, { sample_interval_s: fp.sample_interval_s, people });
  const t1 = performance.now();
  const report = buildClusterReport(fp.faces, labels, {
    sample_interval_s: fp.sample_interval_s,
    duration_s: fp.video.duration_s,
    key_min_s: cluster.key_min_s,
    key_min_share: cluster.key_min_share,
    thumbnail: (f) => `faces/${f.id}.jpg`,
  });
  const v = fp.video;
  const result: AnalysisResult = {
    video: { path: v.path, duration_s: v.duration_s, fps: v.fps, width: v.width, height: v.height },
    params: { ...fp.extract, ...cluster },
    faces: report.faces,
    // With people (recluster --people), each cluster carries its person as GET /videos/:id/clusters does.
    clusters: people ? withPeople(report, fp, people) : report.clusters,
    unclustered: report.unclustered,
    timings: { ...timings, cluster_ms: round(t1 - t0) },
  };
  const thumbs = (id: number) => readFile(join(dir, 'faces', `${id}.jpg`));
  const [montage, gallery] = await Promise.all([renderMontage(result.clusters, thumbs), renderGallery(result, thumbs)]);
  result.timings.report_ms = round(performance.now() - t1);
  const files = {
    result: join(dir, 'result.json'),
    montage: join(dir, 'montage.png'),
    gallery: join(dir, 'gallery.html'),
    fingerprints: join(dir, 'fingerprints.json'),
  };
  await Promise.all([writeFile(files.result, JSON.stringify(result, null, 1)), writeFile(files.montage, montage), writeFile(files.gallery, gallery)]);
  return { result, files };
}

function withPeople(report: ReturnType<typeof buildClusterReport>, fp: FingerprintsFile, people: readonly (PersonConstraint & { name?: string | null })[]) {
  const carried = peopleOfClusters(
    fp.faces,
    report.faces.map((f) => f.cluster),
    people,
  );
  const names = new Map(people.map((p) => [p.id, p.name ?? null]));
  return report.clusters.map((c) => {
    const id = carried.get(c.id);
    return { ...c, person: id === undefined ? null : { id, name: names.get(id) ?? null } };
  });
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
