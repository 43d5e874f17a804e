import { decodeFaceCursor, faceCursor, isAfter, type StoredFingerprint } from '../store/index.js';
import type { ClusterRun } from './cluster.service.js';

/**
 * The report's entry of the run's i-th face: the report lists the faces it was built from in their order (libs/flow
 * buildClusterReport), so a run's faces and its report's faces are usually aligned and no map of 10,000 faces is made
 * per cut; a report from another load of the faces falls back to the map by id.
 */
function reportedAt(report: ClusterRun['report'], faces: ClusterRun['faces']): (i: number) => ClusterRun['report']['faces'][number] | undefined {
  if (report.faces.length === faces.length && faces.every((f, i) => report.faces[i].id === f.id)) return (i) => report.faces[i];
  const byId = new Map(report.faces.map((f) => [f.id, f]));
  return (i) => byId.get(faces[i].id);
}

/** One page of a clustering's faces. */
export interface FacePage {
  /** `reported`: the face's entry in the run's report (its result.json row). */
  items: { face: StoredFingerprint; cluster: number | null; reported: ClusterRun['report']['faces'][number] }[];
  /** Whether faces follow this page. */
  more: boolean;
  /** Where the next page starts (the cursor of the page's last face; null: at the first face, e.g. a page of 0). */
  next_cursor: string | null;
}

/**
 * Pages of a clustered video's faces, one per group (`group` names a face's group from its cluster id, null when
 * unclustered; undefined leaves the face out): in each group, the first `limit` faces after `cursor` in the one
 * order faces are listed in, time order (t, frame, k), which is the order the store loads them in
 * (FaceRepository.loadFingerprints). GET /videos/:id/faces (one group) and the faces each cluster of
 * GET /videos/:id/clusters embeds (a group per cluster) are both these pages, so a cluster's next page at
 * /faces?cluster= starts exactly after its embedded faces, with none skipped or repeated.
 */
export function pageFaces<G>(
  run: Pick<ClusterRun, 'faces' | 'report'>,
  group: (cluster: number | null) => G | undefined,
  { limit, cursor }: { limit: number; cursor?: string },
): Map<G, FacePage> {
  const after = cursor ? decodeFaceCursor(cursor) : null;
  const reported = reportedAt(run.report, run.faces);
  const pages = new Map<G, FacePage>();
  for (let i = 0; i < run.faces.length; i++) {
    const face = run.faces[i];
    const row = reported(i);
    const cluster = row?.cluster ?? null;
    const g = group(cluster);
    if (g === undefined || (after && !isAfter(face, after))) continue;
    let page = pages.get(g);
    if (!page) pages.set(g, (page = { items: [], more: false, next_cursor: cursor ?? null }));
    if (page.more) continue;
    if (page.items.length === limit) page.more = true;
    else page.items.push({ face, cluster, reported: row! });
  }
  // The cursor of each page's last face, encoded once per page (not once per face listed).
  for (const page of pages.values()) if (page.items.length > 0) page.next_cursor = faceCursor(page.items[page.items.length - 1].face);
  return pages;
}
