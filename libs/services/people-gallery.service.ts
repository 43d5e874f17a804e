import { RECOGNITION, buildVersionedGalleries, rankAcrossVersions, rankPeople, type PeopleGallery, type PersonScore } from '../recognition/index.js';
import type { Store } from '../store/index.js';

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

  constructor(
    private readonly store: Store,
    private readonly capacity = 8,
  ) {}

  /** The tenant's galleries by descriptor version, in sync with the database as of this call. */
  async gallery(tenantId: string): Promise<Galleries> {
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
    return entry.gallery;
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
  async suggest(
    tenantId: string,
    groups: readonly { faces: readonly ArrayLike<number>[]; version: number; exclude?: ReadonlySet<string> }[],
  ): Promise<(PersonScore<KnownPerson> | null)[]> {
    if (groups.length === 0) return [];
    const galleries = await this.gallery(tenantId);
    return groups.map(({ faces, version, exclude }) => {
      const g = galleries.get(version);
      if (!g) return null;
      const best = rankPeople(g, faces, RECOGNITION).find((s) => !exclude?.has(s.person.id));
      return best && best.score >= RECOGNITION.threshold ? best : null;
    });
  }

  /**
   * The people one face is, best first, those passing the open-set threshold only (a stranger has none).
   * `face` gives the face's descriptor in each version it was described in (a search photo: every version).
   */
  async matches(tenantId: string, face: ReadonlyMap<number, ArrayLike<number>>, limit = 5): Promise<PersonScore<KnownPerson>[]> {
    const galleries = await this.gallery(tenantId);
    const query = new Map([...face].map(([v, d]) => [v, [d]]));
    const ranked = rankAcrossVersions(galleries, query, RECOGNITION, (p) => p.id).filter((s) => s.score >= RECOGNITION.threshold);
    return ranked.slice(0, limit);
  }
}
