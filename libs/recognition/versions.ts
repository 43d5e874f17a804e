import { buildGallery, rankPeople, type PeopleGallery, type PersonScore } from './gallery.js';

/**
 * Descriptors carry a version (how their face chip was made): the same face described on two kinds of
 * chip lies as far from itself as two people sometimes do, so recognition compares a query only with
 * exemplars of its own version. A person has one gallery entry per version they have confirmed faces in.
 */
export interface VersionedFace {
  face: ArrayLike<number>;
  version: number;
}

/** One gallery per descriptor version, each from the people's confirmed faces of that version. */
export function buildVersionedGalleries<P>(
  people: readonly { person: P; faces: readonly VersionedFace[] }[],
  opts: { maxExemplars: number },
): Map<number, PeopleGallery<P>> {
  const versions = [...new Set(people.flatMap((p) => p.faces.map((f) => f.version)))].sort((a, b) => a - b);
  return new Map(
    versions.map((v) => [
      v,
      buildGallery(
        people.map((p) => ({ person: p.person, faces: p.faces.filter((f) => f.version === v).map((f) => f.face) })),
        opts,
      ),
    ]),
  );
}

/**
 * A query described in several versions (a search photo can be), ranked against each version's gallery:
 * every person's best score over the versions, best first. `key` names a person across galleries.
 */
export function rankAcrossVersions<P>(
  galleries: ReadonlyMap<number, PeopleGallery<P>>,
  query: ReadonlyMap<number, readonly ArrayLike<number>[]>,
  opts: { k: number },
  key: (p: P) => string,
): PersonScore<P>[] {
  const best = new Map<string, PersonScore<P>>();
  for (const [version, faces] of query) {
    const g = galleries.get(version);
    if (!g) continue;
    for (const s of rankPeople(g, faces, opts)) {
      const k = key(s.person);
      const had = best.get(k);
      if (!had || s.score > had.score) best.set(k, s);
    }
  }
  return [...best.values()].sort((a, b) => b.score - a.score);
}
