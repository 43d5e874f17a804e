import {
  FACE_DIM,
  RECOGNITION,
  buildVersionedGalleries,
  galleryDelta,
  meanUnit,
  qualityGate,
  rankAcrossVersions,
  rankPeopleAbove,
  rerankPeopleAbove,
  unitVector,
  type IndexScore,
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
  /** Scored clusters per gallery (one per people state): the clusters a new cut shares with earlier ones are not scored again. */
  private readonly clusterScores = new WeakMap<Galleries, ScoreMemo>();
  /** Each tenant's gallery that clusters were last scored against: the next people state rescores from its scores. */
  private readonly lastScored = new Map<string, Galleries>();

  constructor(
    private readonly store: Store,
    private readonly capacity = 8,
  ) {}

  /**
   * Drops the tenant's galleries from memory now (erasure of a video or a person: their exemplars are biometric data),
   * rather than at the tenant's next read; that read rebuilds them from the database.
   */
  forget(tenantId: string): void {
    this.tenants.delete(tenantId);
    this.lastScored.delete(tenantId);
  }

  /** Whether the tenant's galleries are in memory (what erasure tests check). */
  holds(tenantId: string): boolean {
    return this.tenants.has(tenantId) || this.lastScored.has(tenantId);
  }

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
   * under the tenant's gallery stamp, which every people edit changes (in any API process). Below that, each cluster
   * is scored once per set of faces and gallery, whatever cut holds it ({@link scoreClusters}): a new cut scores only
   * the clusters it changed. After an edit, a cluster scored before is rescored against the people whose exemplars
   * changed only. The run's constraints (read once by the cut) are used when
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
      const rejectedFrom = new Map<number, string[]>();
      for (const p of run.constraints ?? (await this.store.people.constraintsForVideo(videoId)))
        for (const f of p.rejected) rejectedFrom.set(f, [...(rejectedFrom.get(f) ?? []), p.id]);
      const scored = this.scoreClusters(tenantId, galleries, run.faces, open);
      const out = new Map<number, { person: KnownPerson; score: number; quality: QueryQuality }>();
      open.forEach((c, i) => {
        const { quality, version, ranked } = scored[i];
        const s = pick(galleries.get(version), ranked, excludedFrom(c.faces, rejectedFrom));
        if (s) out.set(c.id, { person: { id: s.person.id, name: s.person.name }, score: Math.round(s.score * 10000) / 10000, quality });
      });
      return out;
    })();
    this.suggested.set(run.report, { key, found });
    found.catch(() => this.suggested.delete(run.report));
    return found;
  }

  /**
   * Each cluster's quality gate, descriptor version and the people passing its threshold, best first. A cluster is
   * scored once per gallery (people state) and set of faces: a new cut (a slider step) mostly keeps the clusters of
   * the last one, so only the clusters it changed are scored; those are scored together (libs/recognition
   * rankPeopleAbove: the exemplars read once per two clusters), from the video's unit vectors computed once.
   * After a people edit (a new gallery) a cluster scored against the tenant's previous gallery is rescored against
   * the people whose exemplars changed only (libs/recognition rerankPeopleAbove, bit for bit the full scoring).
   */
  private scoreClusters(
    tenantId: string,
    galleries: Galleries,
    faces: ClusterRun['faces'],
    clusters: readonly { faces: readonly number[] }[],
  ): ScoredCluster[] {
    const index = faceIndex(faces);
    const memo = this.memoFor(tenantId, galleries);
    const out: ScoredCluster[] = [];
    const todo = new Map<number, { at: number[]; means: Float32Array[]; minScores: number[] }>();
    const keys: string[] = [];
    clusters.forEach((c, i) => {
      const k = clusterKey(index, c.faces);
      keys.push(k);
      const hit = memo.get(k);
      if (hit) {
        out[i] = hit;
        return;
      }
      const rows = c.faces.map((id) => index.row.get(id)!);
      const before = memo.before?.scores.peek(k);
      const delta = before && before.quality.threshold !== null ? memo.before!.deltas.get(before.version) : undefined;
      if (before && (before.quality.threshold === null || !galleries.get(before.version))) {
        out[i] = { quality: before.quality, version: before.version, ranked: [] };
        return;
      }
      if (before && delta) {
        const minScore = before.quality.threshold!;
        const ranked = rerankPeopleAbove(galleries.get(before.version)!, meanOfRows(index, faces, rows), before.ranked, delta, { k: RECOGNITION.k, minScore });
        out[i] = { quality: before.quality, version: before.version, ranked };
        return;
      }
      const quality = qualityGate(median(rows.map((r) => faces[r].box[3])));
      const version = majority(rows.map((r) => faces[r].descriptorVersion ?? 1));
      out[i] = { quality, version, ranked: [] };
      if (!galleries.get(version) || quality.threshold === null) return;
      let batch = todo.get(version);
      if (!batch) todo.set(version, (batch = { at: [], means: [], minScores: [] }));
      batch.at.push(i);
      batch.means.push(meanOfRows(index, faces, rows));
      batch.minScores.push(quality.threshold);
    });
    for (const [version, { at, means, minScores }] of todo) {
      const ranked = rankPeopleAbove(galleries.get(version)!, means, { k: RECOGNITION.k, minScores });
      at.forEach((i, j) => (out[i].ranked = ranked[j]));
    }
    clusters.forEach((_, i) => memo.set(keys[i], out[i]));
    return out;
  }

  /**
   * The scored clusters of a gallery. A gallery new to the tenant keeps, from the one scored before it, its scores (face
   * ids, indexes and numbers: no descriptor) and how each descriptor version's gallery changed, never the old gallery
   * itself (a deleted person's exemplars must not stay in memory); one step back only, so edits build no chain.
   */
  private memoFor(tenantId: string, galleries: Galleries): ScoreMemo {
    let memo = this.clusterScores.get(galleries);
    if (memo) return memo;
    const prev = this.lastScored.get(tenantId);
    const prevMemo = prev && this.clusterScores.get(prev);
    let before: ScoreMemo['before'];
    if (prev && prevMemo) {
      const deltas = new Map<number, { oldToNew: Int32Array; changed: Int32Array }>();
      for (const [version, g] of galleries) {
        const old = prev.get(version);
        if (old)
          deltas.set(
            version,
            galleryDelta(old, g, (p) => p.id),
          );
      }
      before = { scores: prevMemo, deltas };
      prevMemo.before = undefined;
    }
    this.clusterScores.set(galleries, (memo = new ScoreMemo(CLUSTER_SCORES_CHARS, before)));
    this.lastScored.delete(tenantId);
    this.lastScored.set(tenantId, galleries);
    while (this.lastScored.size > this.capacity) this.lastScored.delete(this.lastScored.keys().next().value!);
    return memo;
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
    if (!g || threshold === null || faces.length === 0) return null;
    const [ranked] = rankPeopleAbove(g, [meanUnit(faces)], { k: RECOGNITION.k, minScores: [threshold] });
    return pick(g, ranked, exclude);
  });
}

/**
 * The suggestion rule: of the people passing the group's threshold (best first), the first one no face of the group
 * was rejected from. (The best person overall being excluded does not make the group a stranger: the next best
 * passing the threshold is named.)
 */
function pick(
  g: PeopleGallery<KnownPerson> | undefined,
  ranked: readonly IndexScore[],
  exclude: ReadonlySet<string> | undefined,
): PersonScore<KnownPerson> | null {
  if (!g) return null;
  for (const { index, score } of ranked) if (!exclude?.has(g.people[index].id)) return { person: g.people[index], score };
  return null;
}

/** The people a group's faces were rejected from (undefined: none, the common case, without a set per group). */
function excludedFrom(faceIds: readonly number[], rejectedFrom: ReadonlyMap<number, readonly string[]>): Set<string> | undefined {
  if (rejectedFrom.size === 0) return undefined;
  let out: Set<string> | undefined;
  for (const id of faceIds) for (const p of rejectedFrom.get(id) ?? []) (out ??= new Set()).add(p);
  return out;
}

/** A cluster as the suggestions score it under one gallery (people state): what any cut holding the same faces reuses. */
interface ScoredCluster {
  quality: QueryQuality;
  version: number;
  /** The people passing the quality gate's threshold, best first (libs/recognition rankPeopleAbove). */
  ranked: IndexScore[];
}

/** Keys of scored clusters kept per gallery, in characters of their face ids (~20 cuts of 10,000 faces, a few MB). */
const CLUSTER_SCORES_CHARS = 2_000_000;

/** Scored clusters by key, least recently used first, within a budget of key characters. */
class ScoreMemo {
  private readonly entries = new Map<string, ScoredCluster>();
  private chars = 0;
  constructor(
    private readonly budget: number,
    /** The scores under the tenant's previous gallery and how each version's gallery changed since (PeopleGalleries.memoFor). */
    public before?: { scores: ScoreMemo; deltas: Map<number, { oldToNew: Int32Array; changed: Int32Array }> },
  ) {}
  /** get without making the entry the most recent. */
  peek(key: string): ScoredCluster | undefined {
    return this.entries.get(key);
  }
  get(key: string): ScoredCluster | undefined {
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key);
      this.entries.set(key, hit);
    }
    return hit;
  }
  set(key: string, value: ScoredCluster): void {
    if (!this.entries.has(key)) this.chars += key.length;
    this.entries.delete(key);
    this.entries.set(key, value);
    while (this.chars > this.budget && this.entries.size > 1) {
      const oldest = this.entries.keys().next().value!;
      this.entries.delete(oldest);
      this.chars -= oldest.length;
    }
  }
}

/**
 * A video's faces as the suggestions read them, once per faces array (ClusterService shares one array among every cut
 * of a held video): each face's row by id, and their unit vectors (made on the first cluster scored). `token` names the
 * array in the scored clusters' keys, so a reloaded (or re-processed) video never reuses another array's scores.
 */
interface FaceIndex {
  token: number;
  row: Map<number, number>;
  units: Float32Array | null;
}
const faceIndexes = new WeakMap<ClusterRun['faces'], FaceIndex>();
let faceIndexTokens = 0;
function faceIndex(faces: ClusterRun['faces']): FaceIndex {
  let x = faceIndexes.get(faces);
  if (!x) faceIndexes.set(faces, (x = { token: ++faceIndexTokens, row: new Map(faces.map((f, i) => [f.id, i])), units: null }));
  return x;
}

/**
 * A cluster's key in the scored clusters: the faces array's token and the cluster's face ids. Kept per face list
 * (a new cut's unchanged clusters keep their list: libs/flow buildClusterReport's memo), so a slider step joins
 * only the changed clusters' ids, and the memo finds the same string again (no 60 KB of keys hashed per cut).
 */
const clusterKeys = new WeakMap<readonly number[], { token: number; key: string }>();
function clusterKey(index: FaceIndex, faces: readonly number[]): string {
  const held = clusterKeys.get(faces);
  if (held?.token === index.token) return held.key;
  const key = `${index.token}|${faces.join(',')}`;
  clusterKeys.set(faces, { token: index.token, key });
  return key;
}

/** meanUnit of these faces' descriptors, from the index's unit vectors (the same float32 values, summed in the same order). */
function meanOfRows(index: FaceIndex, faces: ClusterRun['faces'], rows: readonly number[]): Float32Array {
  if (!index.units) {
    const units = new Float32Array(faces.length * FACE_DIM);
    faces.forEach((f, i) => units.set(unitVector(f.face), i * FACE_DIM));
    index.units = units;
  }
  const u = index.units;
  const out = new Float32Array(FACE_DIM);
  for (const r of rows) for (let i = 0, o = r * FACE_DIM; i < FACE_DIM; i++) out[i] += u[o + i];
  for (let i = 0; i < FACE_DIM; i++) out[i] /= rows.length;
  return out;
}
