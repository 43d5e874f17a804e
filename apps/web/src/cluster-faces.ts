// What the review app asks the API for: per slider step one small request (the characters with their counts, screen
// time, segments, representative face and a handful of faces each), and a character's faces only when the character
// is opened or edited (GET /videos/:id/faces?cluster=, in the same cut).
import { getVideosByIdClusters, getVideosByIdFaces, type Client, type ClusterSummary, type GetVideosByIdClustersResponse } from '../../../libs/sdk/index.js';
import { ApiProblem, unwrap } from './api.js';
import type { CharacterRef, FaceId } from './people.js';

/** Same values as the API's `sim` (0..1), or "auto". */
export type Sim = number | 'auto';

/** A cluster as the clusters route gives it, with its person once the people routes exist. */
export type Character = ClusterSummary & CharacterRef;
export type Clusters = Extract<GetVideosByIdClustersResponse, { clusters: unknown }> & { clusters: Character[] };
/** The 202 of a cut whose tree the worker is computing. */
export type LinkageComputing = Extract<GetVideosByIdClustersResponse, { status: 'computing' }>;

/**
 * Faces each character carries in a slider step's answer: enough to follow an open character across cuts, while the
 * answer stays small whatever the video's length (a main character of a long video has thousands of faces).
 */
export const STEP_FACES = 4;
/** The API's largest page of faces (limit at most 1000): one request per 1,000 faces of an opened character. */
export const FACE_PAGE = 1000;

/** One re-cut: the characters of `sim`, or the 202 of a tree the worker is computing. */
export async function fetchCharacters(client: Client, videoId: string, sim: Sim): Promise<Clusters | LinkageComputing> {
  return unwrap(getVideosByIdClusters({ client, path: { id: videoId }, query: { sim, faces_per_cluster: STEP_FACES, faces_limit: 0 } }));
}

/** A face of an opened character: its id and time. */
export interface CharacterFace {
  id: FaceId;
  t: number;
}

/** The cut's tree is being recomputed (an edit changed the people's constraints): the page re-cuts and tries again. */
export class TreeComputing extends ApiProblem {
  constructor(readonly retryAfterS: number) {
    super('error', 'LINKAGE_COMPUTING', 'The characters are being recomputed after an edit; try again in a moment.', 202);
  }
}

/**
 * Every face of one character of the cut `sim`, in time order, page after page of GET /videos/:id/faces?cluster=
 * (the same cut, so the same cluster id). Throws {@link TreeComputing} when the cut's tree is being computed.
 */
export async function fetchCharacterFaces(client: Client, videoId: string, sim: Sim, c: Pick<Character, 'id'>): Promise<CharacterFace[]> {
  const out: CharacterFace[] = [];
  let cursor: string | undefined;
  for (;;) {
    const p = await unwrap(getVideosByIdFaces({ client, path: { id: videoId }, query: { sim, cluster: String(c.id), limit: FACE_PAGE, cursor } }));
    if (!('items' in p)) throw new TreeComputing(p.retry_after_s);
    out.push(...p.items.map((f) => ({ id: f.id, t: f.t })));
    if (!p.next_cursor) return out;
    cursor = p.next_cursor;
  }
}

/**
 * The faces of the characters of one cut, each fetched once and only when asked for (opened or edited); a character
 * whose step answer already holds every face (no `faces_next`) costs no request for its ids.
 */
export class CharacterFaces {
  private readonly held = new Map<number, Promise<CharacterFace[]>>();

  constructor(
    private readonly client: Client,
    private readonly videoId: string,
    private readonly sim: Sim,
  ) {}

  faces(c: Pick<Character, 'id'>): Promise<CharacterFace[]> {
    let p = this.held.get(c.id);
    if (!p) {
      p = fetchCharacterFaces(this.client, this.videoId, this.sim, c);
      p.catch(() => this.held.delete(c.id));
      this.held.set(c.id, p);
    }
    return p;
  }

  /** Every face id of a character, as an edit needs them. */
  async ids(c: Pick<Character, 'id' | 'faces' | 'faces_next'>): Promise<FaceId[]> {
    if (!c.faces_next) return c.faces;
    return (await this.faces(c)).map((f) => f.id);
  }

  /** The character with every face: what naming, merging or accepting it confirms. */
  async whole<C extends Character>(c: C): Promise<C> {
    return { ...c, faces: await this.ids(c), faces_next: null };
  }
}
