import { decodeFaceCursor, faceCursor, isAfter, type StoredFingerprint } from '../store/index.js';
import type { ClusterRun } from './cluster.service.js';

/** Each face's cluster in a report (face id → cluster id), made once per report: every page of a cut reads it. */
const clusterOf = new WeakMap<ClusterRun['report'], Map<number, number | null>>();
function clusterOfFace(report: ClusterRun['report']): Map<number, number | null> {
  let m = clusterOf.get(report);
  if (!m) clusterOf.set(report, (m = new Map(report.faces.map((f) => [f.id, f.cluster]))));
  return m;
}

/** One page of a clustering's faces. */
export interface FacePage {
  items: { face: StoredFingerprint; cluster: number | null }[];
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
  const labels = clusterOfFace(run.report);
  const pages = new Map<G, FacePage>();
  for (const face of run.faces) {
    const cluster = labels.get(face.id) ?? null;
    const g = group(cluster);
    if (g === undefined || (after && !isAfter(face, after))) continue;
    let page = pages.get(g);
    if (!page) pages.set(g, (page = { items: [], more: false, next_cursor: cursor ?? null }));
    if (page.more) continue;
    if (page.items.length === limit) page.more = true;
    else page.items.push({ face, cluster });
  }
  // The cursor of each page's last face, encoded once per page (not once per face listed).
  for (const page of pages.values()) if (page.items.length > 0) page.next_cursor = faceCursor(page.items[page.items.length - 1].face);
  return pages;
}
