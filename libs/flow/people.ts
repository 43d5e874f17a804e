import { createHash } from 'node:crypto';
import { mustLinkUnits, pairGroups, type Units } from '../clustering/index.js';

/**
 * A person as the clustering sees it: the faces a user confirmed as theirs and the faces a user
 * rejected from them, by face id. Faces of other videos are ignored (a person spans videos).
 */
export interface PersonConstraint {
  id: string;
  faces: readonly number[];
  rejected?: readonly number[];
}

/** The people of one clustering, by face index (positions in the clustered faces). */
export interface PeopleInVideo {
  /** Only people with at least one confirmed face among the faces, in the input order. */
  people: { id: string; members: number[]; rejected: number[] }[];
  /**
   * What the linkage depends on, hashed: the confirmed groups and their rejections by face id (not
   * the person ids or names). Part of the linkage key, so a changed constraint never reuses a tree.
   */
  fingerprint: string;
}

/**
 * The constraints of `people` that concern `faces`, or null when none does (then nothing of the
 * clustering changes: the result is the unconstrained one, bit for bit). A face confirmed for two
 * people, or confirmed and rejected for one, is a contradiction: INVALID people (RangeError).
 */
export function peopleInVideo(faces: readonly { id: number }[], people: readonly PersonConstraint[] | undefined): PeopleInVideo | null {
  if (!people || people.length === 0) return null;
  const index = new Map<number, number>();
  faces.forEach((f, i) => index.set(f.id, i));
  const owner = new Map<number, string>();
  const out: PeopleInVideo['people'] = [];
  for (const p of people) {
    const members = uniqueIndices(p.faces, index);
    for (const i of members) {
      const o = owner.get(i);
      if (o !== undefined && o !== p.id) throw new RangeError(`face ${faces[i].id} is confirmed for two people (${o}, ${p.id})`);
      owner.set(i, p.id);
    }
    if (members.length === 0) continue;
    const rejected = uniqueIndices(p.rejected ?? [], index);
    const both = rejected.find((i) => members.includes(i));
    if (both !== undefined) throw new RangeError(`face ${faces[both].id} is both confirmed for and rejected from person ${p.id}`);
    out.push({ id: p.id, members, rejected });
  }
  if (out.length === 0) return null;
  const canon = out
    .map((p) => ({ m: p.members.map((i) => faces[i].id).sort((a, b) => a - b), r: p.rejected.map((i) => faces[i].id).sort((a, b) => a - b) }))
    .sort((a, b) => a.m[0] - b.m[0]);
  const fingerprint = createHash('sha256').update(JSON.stringify(canon)).digest('hex').slice(0, 16);
  return { people: out, fingerprint };
}

function uniqueIndices(ids: readonly number[], index: Map<number, number>): number[] {
  const seen = new Set<number>();
  for (const id of ids) {
    const i = index.get(id);
    if (i !== undefined) seen.add(i);
  }
  return [...seen].sort((a, b) => a - b);
}

/** The constraints of the people on the clustering of one video's faces. */
export interface PeopleConstraints {
  /** `base` with each person's confirmed faces as one unit; constrained faces (confirmed or rejected) leave their tracks. */
  units: Units;
  /**
   * Cannot-link groups per unit (pairGroups, negative ids): every two people's units, and each rejected
   * face's unit with its person's unit.
   */
  unitGroups: number[][];
  /** Faces min_csize must keep: every confirmed face (a person is never dropped as a small cluster). */
  pinned: Uint8Array;
}

export function peopleConstraints(base: Units, p: PeopleInVideo): PeopleConstraints {
  const units = mustLinkUnits(
    base,
    p.people.map((x) => x.members),
    p.people.flatMap((x) => x.rejected),
  );
  const unitOfPerson = p.people.map((x) => units.unitOf[x.members[0]]);
  const pairs: [number, number][] = [];
  for (let a = 0; a < unitOfPerson.length; a++) for (let b = a + 1; b < unitOfPerson.length; b++) pairs.push([unitOfPerson[a], unitOfPerson[b]]);
  p.people.forEach((x, a) => {
    for (const r of x.rejected) pairs.push([unitOfPerson[a], units.unitOf[r]]);
  });
  const pinned = new Uint8Array(units.unitOf.length);
  for (const x of p.people) for (const i of x.members) pinned[i] = 1;
  return { units, unitGroups: pairGroups(units.count, pairs), pinned };
}

/**
 * Which person each cluster carries: the cluster of a person's confirmed faces (all in one, by
 * construction). `labels` are cluster ids per face (null: unclustered). Returns cluster id → person id.
 */
export function peopleOfClusters(
  faces: readonly { id: number }[],
  labels: ArrayLike<number | null>,
  people: readonly PersonConstraint[] | undefined,
): Map<number, string> {
  const out = new Map<number, string>();
  const p = peopleInVideo(faces, people);
  if (!p) return out;
  for (const x of p.people) {
    const l = labels[x.members[0]];
    if (l !== null && l !== undefined) out.set(l, x.id);
  }
  return out;
}
