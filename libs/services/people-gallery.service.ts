import { RECOGNITION, buildGallery, identify, rankPeople, type PeopleGallery, type PersonScore } from '../recognition/index.js';
import type { Store } from '../store/index.js';

/** A person as suggestions and matches name them. */
export interface KnownPerson {
  id: string;
  name: string | null;
}

interface Entry {
  stamp: string;
  gallery: Promise<PeopleGallery<KnownPerson>>;
}

/**
 * Who the tenant's people are, for recognition across videos: a gallery (libs/recognition) built from
 * their confirmed faces' stored descriptors (face only: clothes change between videos), so nothing is
 * re-extracted. Every read first asks the database for the tenant's people stamp (one small query) and
 * rebuilds the gallery when it changed: an edit (new confirmation, rename, merge, deletion) or a deleted
 * video shows in the next answer, in every API process. Tenants are kept in a small LRU.
 */
export class PeopleGalleries {
  private readonly tenants = new Map<string, Entry>();

  constructor(
    private readonly store: Store,
    private readonly capacity = 8,
  ) {}

  /** The tenant's gallery, in sync with the database as of this call. */
  async gallery(tenantId: string): Promise<PeopleGallery<KnownPerson>> {
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

  private async build(tenantId: string): Promise<PeopleGallery<KnownPerson>> {
    const people = await this.store.people.confirmedDescriptors(tenantId);
    return buildGallery(
      people.map((p) => ({ person: { id: p.id, name: p.name }, faces: p.faces })),
      { maxExemplars: RECOGNITION.maxExemplars },
    );
  }

  /**
   * For each group of faces (a cluster), the person it is if one passes the open-set threshold, else
   * null; never a person in the group's `exclude` (one of its faces was rejected from them).
   */
  async suggest(
    tenantId: string,
    groups: readonly { faces: readonly ArrayLike<number>[]; exclude?: ReadonlySet<string> }[],
  ): Promise<(PersonScore<KnownPerson> | null)[]> {
    if (groups.length === 0) return [];
    const g = await this.gallery(tenantId);
    return groups.map(({ faces, exclude }) => {
      if (!exclude || exclude.size === 0) return identify(g, faces, RECOGNITION);
      const best = rankPeople(g, faces, RECOGNITION).find((s) => !exclude.has(s.person.id));
      return best && best.score >= RECOGNITION.threshold ? best : null;
    });
  }

  /** The people one face is, best first, those passing the open-set threshold only (a stranger has none). */
  async matches(tenantId: string, face: ArrayLike<number>, limit = 5): Promise<PersonScore<KnownPerson>[]> {
    const g = await this.gallery(tenantId);
    const ranked = rankPeople(g, [face], RECOGNITION).filter((s) => s.score >= RECOGNITION.threshold);
    return ranked.slice(0, limit);
  }
}
