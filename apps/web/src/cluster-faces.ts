// Every face of each character: the app names, splits, moves and accepts whole characters, so it needs every face id
// of each, while GET /videos/:id/clusters embeds only a first page per cluster (faces_per_cluster).
import type { ClusterSummary, GetVideosByIdFacesData, GetVideosByIdFacesResponses } from '../../../libs/sdk/index.js';

/** A page of GET /videos/:id/faces (its 200). */
type FaceList = GetVideosByIdFacesResponses[200];

/**
 * The API's largest page of faces (faces_per_cluster and limit at most 1000): the clusters request asks for it, so
 * one request holds every face of all but the largest characters, and each further page costs one request.
 */
export const FACE_PAGE = 1000;

/** A page of GET /videos/:id/faces for a query, or null when it answered 202 (the cut's tree is being computed). */
export type FacePager = (query: NonNullable<GetVideosByIdFacesData['query']>) => Promise<FaceList | null>;

/**
 * The clusters with every face: each cluster with more faces than its embedded page is completed from its
 * `faces_next` (the same cut: the link carries the request's clustering parameters), page after page. Null when a
 * page answers 202 (an edit changed the tree, which the worker is computing): the caller re-cuts later.
 */
export async function withEveryFace<C extends Pick<ClusterSummary, 'faces' | 'faces_next'>>(
  clusters: C[],
  page: FacePager,
  pageSize = FACE_PAGE,
): Promise<C[] | null> {
  const out: C[] = [];
  for (const c of clusters) {
    if (!c.faces_next) {
      out.push(c);
      continue;
    }
    const faces = [...c.faces];
    // Only the link's query is read: the API's own cluster, cursor and clustering parameters, as it reads them back.
    const query: Record<string, string | number> = { ...Object.fromEntries(new URL(c.faces_next, 'http://api').searchParams), limit: pageSize };
    for (;;) {
      const p = await page(query);
      if (!p) return null;
      faces.push(...p.items.map((f) => f.id));
      if (!p.next_cursor) break;
      query.cursor = p.next_cursor;
    }
    out.push({ ...c, faces, faces_next: null });
  }
  return out;
}
