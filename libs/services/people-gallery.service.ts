import {
  RECOGNITION,
  buildVersionedGalleries,
  qualityGate,
  rankAcrossVersions,
  rankPeople,
  type PeopleGallery,
  type PersonScore,
  type QueryQuality,
} from '../recognition/index.js';
import type { Store } from '../store/index.js';
import type { ClusterRun } from './cluster.service.js';

/** A person as suggestions and matches name them. */
export interface KnownPerson {
  id: string;
  name: string | null;
}

/** The tenant's galleries, one per descriptor version (libs/recognition versions.ts). */
type Galleries = Map<number, PeopleGallery<KnownPerson>>;

interface Entry {
  stamp: string;
  gallery: Promise<Galleries>;
}

/**
 * Who the tenant's people are, for recognition across videos: a gallery (libs/recognition) built from
 * their confirmed faces' stored descriptors (face only: clothes change between videos), so nothing is
 * re-extracted. Every read first asks the database for the tenant's people stamp (one small query) and
 * rebuilds the gallery when it changed: an edit (new confirmation, rename, merge, deletion) or a deleted
 * video shows in the next answer, in every API process. Tenants are kept in a small LRU.
 * A query is compared only with exemplars of its own descriptor version: a person confirmed only in videos
 * of another version is not recognised in it (docs/QUALITY.md, "Descriptor versions").
 */
export class PeopleGalleries {
  private readonly tenants = new Map<string, Entry>();
  /** Each cut's suggestions (by its report, shared by every request of the cut) under the gallery stamp they used. */
  private readonly suggested = new WeakMap<
    ClusterRun['report'],
    { key: string; found: Promise<Map<number, { person: KnownPerson; score: number; quality: QueryQuality }>> }
  >();

  constructor(
    private readonly store: Store,
    private readonly capacity = 8,
  ) {}

  /** The tenant's galleries by descriptor version, in sync with the database as of this call. */
  async gallery(tenantId: string): Promise<Galleries> {
    return (await this.current(tenantId)).galleries;
  }

  /** The tenant's galleries and their stamp (what changes with every people edit): a cache of what they answer keys on it. */
  async current(tenantId: string): Promise<{ stamp: string; galleries: Galleries }> {
    const stamp = await this.store.people.recognitionStamp(tenantId);
    let e = this.tenants.get(tenantId);
    this.tenants.delete(tenantId);
    if (!e || e.stamp !== stamp) e = { stamp, gallery: this.build(tenantId) };
    const entry = e;
    entry.gallery.catch(() => {
      if (this.tenants.get(tenantId) === entry) this.tenants.delete(tenantId);
    });
    this.tenants.set(tenantId, entry);
    while (this.tenants.size > this.capacity) this.tenants.delete(this.tenants.keys().next().value!);
    return { stamp, galleries: await entry.gallery };
  }

  private async build(tenantId: string): Promise<Galleries> {
    const people = await this.store.people.confirmedDescriptors(tenantId);
    return buildVersionedGalleries(
      people.map((p) => ({ person: { id: p.id, name: p.name }, faces: p.faces.map((face, i) => ({ face, version: p.versions[i] })) })),
      { maxExemplars: RECOGNITION.maxExemplars },
    );
  }

  /**
   * For each group of faces (a cluster, whose faces share the descriptor `version`: one video's), the person
   * it is if one passes the open-set threshold, else null; never a person in the group's `exclude` (one of
   * its faces was rejected from them).
   */
  async suggest(tenantId: string, groups: readonly SuggestGroup[]): Promise<(PersonScore<KnownPerson> | null)[]> {
    if (groups.length === 0) return [];
    return suggestIn(await this.gallery(tenantId), groups);
  }

  /**
   * The suggestion of every cluster of a clustering of a video that carries no confirmed person (cluster id → person
   * and score, rounded to 4 decimals): the tenant's person its faces are recognised as, open set, in the descriptor
   * version most of its faces have ({@link suggest}). The rule: a person one of the cluster's faces was rejected from
   * is never suggested for it.
   *
   * Kept per cut and people state: a cut served from ClusterService's cut cache is one report object for every
   * request of that cut (same video, tree, constraints and options), so its suggestions are memoised on that object
   * under the tenant's gallery stamp, which every people edit changes (in any API process). Scoring the tenant's
   * people runs once per cut and edit, not per request. Not incremental: an edit of one person rescores all of them
   * (the stamp says that something changed, not what). The run's constraints (read once by the cut) are used when
   * it carries them. A cluster of small faces (median detector box height) passes libs/recognition's quality gate
   * first: a raised threshold, or no suggestion; the suggestion carries the gate's verdict.
   */
  async suggestForClusters(
    tenantId: string,
    videoId: string,
    run: Pick<ClusterRun, 'report' | 'faces' | 'people'> & Partial<Pick<ClusterRun, 'constraints'>>,
  ): Promise<Map<number, { person: KnownPerson; score: number; quality: QueryQuality }>> {
    const open = run.report.clusters.filter((c) => !run.people.has(c.id));
    if (open.length === 0) return new Map();
    const { stamp, galleries } = await this.current(tenantId);
    // Nobody to recognise: every cluster's answer is null, so skip indexing the video's faces (~30 ms at 10,000).
    if (![...galleries.values()].some((g) => g.people.length > 0)) return new Map();
    const key = `${tenantId}|${stamp}`;
    const held = this.suggested.get(run.report);
    if (held?.key === key) return held.found;
    const found = (async () => {
      const vec = new Map(run.faces.map((f) => [f.id, f.face]));
      const versionOf = new Map(run.faces.map((f) => [f.id, f.descriptorVersion]));
      const heightOf = new Map(run.faces.map((f) => [f.id, f.box[3]]));
      const quality = open.map((c) => qualityGate(median(c.faces.map((id) => heightOf.get(id)!))));
      const rejectedFrom = new Map<number, string[]>();
      for (const p of run.constraints ?? (await this.store.people.constraintsForVideo(videoId)))
        for (const f of p.rejected) rejectedFrom.set(f, [...(rejectedFrom.get(f) ?? []), p.id]);
      const scores = suggestIn(
        galleries,
        open.map((c, i) => ({
          threshold: quality[i].threshold,
          faces: c.faces.map((id) => vec.get(id)!),
          version: majority(c.faces.map((id) => versionOf.get(id) ?? 1)),
          exclude: new Set(c.faces.flatMap((id) => rejectedFrom.get(id) ?? [])),
        })),
      );
      const out = new Map<number, { person: KnownPerson; score: number; quality: QueryQuality }>();
      open.forEach((c, i) => {
        const s = scores[i];
        if (s) out.set(c.id, { person: { id: s.person.id, name: s.person.name }, score: Math.round(s.score * 10000) / 10000, quality: quality[i] });
      });
      return out;
    })();
    this.suggested.set(run.report, { key, found });
    found.catch(() => this.suggested.delete(run.report));
    return found;
  }

  /**
   * The people one face is, best first, those passing the open-set threshold (or the one a small face must
   * pass: libs/recognition qualityGate) only (a stranger has none).
   * `face` gives the face's descriptor in each version it was described in (a search photo: every version).
   */
  async matches(
    tenantId: string,
    face: ReadonlyMap<number, ArrayLike<number>>,
    opts: { limit?: number; threshold?: number } = {},
  ): Promise<PersonScore<KnownPerson>[]> {
    const { limit = 5, threshold = RECOGNITION.threshold } = opts;
    const galleries = await this.gallery(tenantId);
    const query = new Map([...face].map(([v, d]) => [v, [d]]));
    const ranked = rankAcrossVersions(galleries, query, RECOGNITION, (p) => p.id).filter((s) => s.score >= threshold);
    return ranked.slice(0, limit);
  }
}

/** A cluster's faces to name; `threshold` from the quality gate (null: refused), the recognition threshold when absent. */
interface SuggestGroup {
  faces: readonly ArrayLike<number>[];
  version: number;
  exclude?: ReadonlySet<string>;
  threshold?: number | null;
}

function median(xs: readonly number[]): number {
  const a = [...xs].sort((x, y) => x - y);
  return a[Math.floor(a.length / 2)];
}

/** The most common value (a video's faces share one descriptor version; a mix would take the larger part). */
function majority(xs: readonly number[]): number {
  const n = new Map<number, number>();
  for (const x of xs) n.set(x, (n.get(x) ?? 0) + 1);
  return [...n].reduce((a, b) => (b[1] > a[1] ? b : a), [1, 0])[0];
}

/**
 * For each group of faces (a cluster, whose faces share the descriptor `version`: one video's), the person of
 * `galleries` it is if one passes the open-set threshold, else null; never a person in the group's `exclude`.
 */
function suggestIn(galleries: Galleries, groups: readonly SuggestGroup[]): (PersonScore<KnownPerson> | null)[] {
  return groups.map(({ faces, version, exclude, threshold = RECOGNITION.threshold }) => {
    const g = galleries.get(version);
    if (!g || threshold === null) return null;
    const best = rankPeople(g, faces, RECOGNITION).find((s) => !exclude?.has(s.person.id));
    return best && best.score >= threshold ? best : null;
  });
}
