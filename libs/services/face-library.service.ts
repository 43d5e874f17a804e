import { packFaces, searchRows, type FaceMatrix } from '../recognition/index.js';
import type { Store } from '../store/index.js';

/** One ready video's faces of one descriptor version, packed for the exact search. */
interface VersionFaces {
  /** Public face ids (what the API shows). */
  ids: string[];
  t: Float64Array;
  matrix: FaceMatrix;
}

/** One ready video's faces, by descriptor version (normally one: a video is extracted in one version). */
interface VideoFaces {
  stamp: string;
  versions: Map<number, VersionFaces>;
}

/** Deleted video ids remembered (about 40 bytes each): far more than can be deleted while one read runs. */
const ERASED_KEPT = 4096;

/** A stored face that looks like the query. */
export interface FaceAppearance {
  videoId: string;
  /** The face's public id. */
  faceId: string;
  t: number;
  score: number;
}

/**
 * A tenant's stored faces (every ready video's face descriptors) for search by photo: exact search
 * (one dot product per stored face, libs/recognition). The descriptors are loaded once per video and
 * kept in memory; every read first asks the database which of the tenant's videos are ready (one
 * small query), drops the videos that are gone or were re-processed and loads the new ones — so a
 * deleted video's faces leave the very next answer, in every API process, with no message to miss.
 * Tenants are kept in a small LRU (a tenant's faces cost 512 bytes each: 200,000 faces = 100 MB).
 */
export class FaceLibrary {
  private readonly tenants = new Map<string, Map<string, Promise<VideoFaces>>>();
  /** Videos forgotten (deleted) lately, oldest first: a read whose list of ready videos predates the deletion must not load one back. */
  private readonly erased = new Set<string>();

  constructor(
    private readonly store: Store,
    private readonly capacity = 8,
  ) {}

  /** The tenant's ready videos' faces, in sync with the database as of this call. */
  private async videos(tenantId: string): Promise<[string, VideoFaces][]> {
    const stamps = await this.store.videos.readyStamps(tenantId);
    let cached = this.tenants.get(tenantId);
    if (cached) this.tenants.delete(tenantId);
    else cached = new Map();
    this.tenants.set(tenantId, cached);
    while (this.tenants.size > this.capacity) this.tenants.delete(this.tenants.keys().next().value!);

    const ready = new Set(stamps.map((s) => s.id));
    for (const id of cached.keys()) if (!ready.has(id)) cached.delete(id);
    const out: Promise<[string, VideoFaces]>[] = [];
    for (const { id, stamp } of stamps) {
      if (this.erased.has(id)) continue;
      let entry = cached.get(id);
      if (entry) {
        const e = entry;
        entry = e.then((v) => (v.stamp === stamp ? v : this.load(id, stamp)));
      } else entry = this.load(id, stamp);
      entry.catch(() => {
        if (cached.get(id) === entry) cached.delete(id);
      });
      cached.set(id, entry);
      out.push(entry.then((v) => [id, v]));
    }
    return Promise.all(out);
  }

  private async load(videoId: string, stamp: string): Promise<VideoFaces> {
    const faces = await this.store.faces.loadDescriptors(videoId);
    const versions = new Map<number, VersionFaces>();
    for (const v of new Set(faces.map((f) => f.version))) {
      const of = faces.filter((f) => f.version === v);
      versions.set(v, { ids: of.map((f) => f.publicId), t: Float64Array.from(of, (f) => f.t), matrix: packFaces(of.map((f) => f.face)) });
    }
    return { stamp, versions };
  }

  /** Drops a video's descriptors from memory now (erasure), rather than at the tenant's next read. */
  forget(videoId: string): void {
    for (const videos of this.tenants.values()) videos.delete(videoId);
  }

  /** A deleted video: forgotten, and a read in flight whose list of ready videos predates the deletion does not load it back. */
  erase(videoId: string): void {
    this.erased.delete(videoId);
    this.erased.add(videoId);
    while (this.erased.size > ERASED_KEPT) this.erased.delete(this.erased.values().next().value!);
    this.forget(videoId);
  }

  /** Whether any tenant's descriptors of this video are in memory (what erasure tests check). */
  holds(videoId: string): boolean {
    return [...this.tenants.values()].some((videos) => videos.has(videoId));
  }

  /** How many faces the tenant has in ready videos (after syncing with the database). */
  async size(tenantId: string): Promise<number> {
    return (await this.videos(tenantId)).reduce((n, [, v]) => n + [...v.versions.values()].reduce((m, x) => m + x.matrix.rows, 0), 0);
  }

  /**
   * The tenant's stored faces at least `minScore` alike to the query, best first, at most `limit`. The query
   * gives its descriptor per version (`descriptors`); a stored face is compared only with the query's
   * descriptor of its own version, and faces of a version the query lacks are not searched.
   */
  async search(tenantId: string, descriptors: ReadonlyMap<number, ArrayLike<number>>, opts: { minScore: number; limit: number }): Promise<FaceAppearance[]> {
    const videos = await this.videos(tenantId);
    const q = new Map([...descriptors].map(([v, d]) => [v, packFaces([d]).data]));
    const hits: FaceAppearance[] = [];
    for (const [videoId, video] of videos) {
      for (const [version, v] of video.versions) {
        const query = q.get(version);
        if (!query) continue;
        for (const h of searchRows(v.matrix, query, opts)) hits.push({ videoId, faceId: v.ids[h.row], t: v.t[h.row], score: h.score });
      }
    }
    hits.sort((a, b) => b.score - a.score || (a.faceId < b.faceId ? -1 : a.faceId > b.faceId ? 1 : 0));
    return hits.length > opts.limit ? hits.slice(0, opts.limit) : hits;
  }
}
