// Every face of each character: the app names, splits, moves and accepts whole characters, so it needs every face id
// of each, while GET /videos/:id/clusters embeds only a first page per cluster (faces_per_cluster).
import type { ClusterSummary, GetVideosByIdFacesData, GetVideosByIdFacesResponses, ResultFace } from '../../../libs/sdk/index.js';

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
 * Every item after a `*_next` link of GET /videos/:id/clusters, page after page (the link's query is the API's own
 * cluster, cursor and clustering parameters, as it reads them back); null when a page answers 202.
 */
async function followPages(link: string, page: FacePager, pageSize: number): Promise<FaceList['items'] | null> {
  const query: Record<string, string | number> = { ...Object.fromEntries(new URL(link, 'http://api').searchParams), limit: pageSize };
  const items: FaceList['items'] = [];
  for (;;) {
    const p = await page(query);
    if (!p) return null;
    items.push(...p.items);
    if (!p.next_cursor) return items;
    query.cursor = p.next_cursor;
  }
}

/**
 * The clusters with every face: each cluster with more faces than its embedded page is completed from its
 * `faces_next` (the same cut: the link carries the request's clustering parameters). Null when a page answers 202
 * (an edit changed the tree, which the worker is computing): the caller re-cuts later.
 */
export async function withEveryFace<C extends Pick<ClusterSummary, 'faces' | 'faces_next'>>(
  clusters: C[],
  page: FacePager,
  pageSize = FACE_PAGE,
): Promise<C[] | null> {
  const out: C[] = [];
  for (const c of clusters) {
    const rest = c.faces_next ? await followPages(c.faces_next, page, pageSize) : [];
    if (!rest) return null;
    out.push({ ...c, faces: [...c.faces, ...rest.map((f) => f.id)], faces_next: null });
  }
  return out;
}

/** The video's faces with their clusters, all of them: the embedded first page completed from `faces_next`; null on a 202. */
export async function everyFace(first: ResultFace[], next: string | null, page: FacePager, pageSize = FACE_PAGE): Promise<ResultFace[] | null> {
  const rest = next ? await followPages(next, page, pageSize) : [];
  if (!rest) return null;
  return [...first, ...rest.map((f) => ({ id: f.id, t: f.t, frame: f.frame, box: f.box, score: f.score, cluster: f.cluster ?? null, thumbnail: f.thumbnail }))];
}
