import { decodeFaceCursor, faceCursor, isAfter, type StoredFingerprint } from '../store/index.js';
import type { ReportRow } from '../flow/index.js';
import type { ClusterRun } from './cluster.service.js';

/**
 * The report's row and cluster of the run's i-th face: the report lists the faces it was built from in their order
 * (libs/flow buildClusterReport), so a run's faces and its report's rows are usually aligned and no map of 10,000
 * faces is made per cut; a report from another load of the faces falls back to the map by id.
 */
function reportedAt(report: ClusterRun['report'], faces: ClusterRun['faces']): (i: number) => { row: ReportRow; cluster: number | null } | undefined {
  const { rows, labels } = report;
  if (rows.length === faces.length && faces.every((f, i) => rows[i].id === f.id)) return (i) => ({ row: rows[i], cluster: labels[i] });
  const byId = new Map(rows.map((r, i) => [r.id, i]));
  return (i) => {
    const at = byId.get(faces[i].id);
    return at === undefined ? undefined : { row: rows[at], cluster: labels[at] };
  };
}

/** One page of a clustering's faces. */
export interface FacePage {
  /** `row`: the face's row in the run's report (its result.json row, `cluster` aside). */
  items: { face: StoredFingerprint; cluster: number | null; row: ReportRow }[];
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
    const at = reported(i);
    const cluster = at?.cluster ?? null;
    const g = group(cluster);
    if (g === undefined || (after && !isAfter(face, after))) continue;
    let page = pages.get(g);
    if (!page) pages.set(g, (page = { items: [], more: false, next_cursor: cursor ?? null }));
    if (page.more) continue;
    if (page.items.length === limit) page.more = true;
    else page.items.push({ face, cluster, row: at!.row });
  }
  // The cursor of each page's last face, encoded once per page (not once per face listed).
  for (const page of pages.values()) if (page.items.length > 0) page.next_cursor = faceCursor(page.items[page.items.length - 1].face);
  return pages;
}

/**
 * The first page (no cursor) of one group of a run's faces, the group given by its faces' positions in `faces`,
 * ascending (their time order): the page {@link pageFaces} makes of that group, without a pass over every face.
 */
export function firstPage(
  faces: readonly StoredFingerprint[],
  positions: ArrayLike<number>,
  limit: number,
): { faces: StoredFingerprint[]; more: boolean; next_cursor: string | null } {
  const items = Array.from({ length: Math.min(limit, positions.length) }, (_, j) => faces[positions[j]]);
  return { faces: items, more: positions.length > limit, next_cursor: items.length > 0 ? faceCursor(items[items.length - 1]) : null };
}
