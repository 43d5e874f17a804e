import { dotAll, packFaces, type FaceMatrix } from './matrix.js';
import { FACE_DIM, meanUnit, unitVector } from './vectors.js';

/** A person as recognition sees them: their confirmed faces' descriptors (face only: clothes change between videos). */
export interface PersonFaces<P> {
  person: P;
  faces: readonly ArrayLike<number>[];
}

/** Every enrolled person's exemplars in one matrix; person i owns rows [start[i], start[i + 1]). */
export interface PeopleGallery<P> {
  people: P[];
  matrix: FaceMatrix;
  start: Int32Array;
}

export interface PersonScore<P> {
  person: P;
  score: number;
}

/**
 * At most `max` exemplars of one person, chosen to cover how they look (farthest-point: start from the
 * face nearest their mean, then add the face least like any chosen one). Several exemplars, not a mean:
 * a person seen from the side in one shot and lit from above in another keeps both looks.
 */
export function chooseExemplars(faces: readonly ArrayLike<number>[], max: number): Float32Array[] {
  const units = faces.map(unitVector);
  if (units.length <= max) return units;
  const mean = meanUnit(units);
  const m = packFaces(units);
  const toMean = dotAll(m, mean);
  let first = 0;
  for (let i = 1; i < units.length; i++) if (toMean[i] > toMean[first]) first = i;
  const chosen = [first];
  // closest[i]: similarity of face i to its most similar chosen exemplar.
  const closest = dotAll(m, units[first]);
  while (chosen.length < max) {
    let next = -1;
    for (let i = 0; i < units.length; i++) if (!chosen.includes(i) && (next < 0 || closest[i] < closest[next])) next = i;
    chosen.push(next);
    const s = dotAll(m, units[next]);
    for (let i = 0; i < units.length; i++) if (s[i] > closest[i]) closest[i] = s[i];
  }
  return chosen.map((i) => units[i]);
}

/** Builds the gallery of every person with at least one face (the others cannot be recognised). */
export function buildGallery<P>(people: readonly PersonFaces<P>[], opts: { maxExemplars: number }): PeopleGallery<P> {
  const kept = people.filter((p) => p.faces.length > 0);
  const exemplars = kept.map((p) => chooseExemplars(p.faces, opts.maxExemplars));
  const start = new Int32Array(kept.length + 1);
  exemplars.forEach((e, i) => {
    start[i + 1] = start[i] + e.length;
  });
  const data = new Float32Array(start[kept.length] * FACE_DIM);
  exemplars.forEach((e, i) => e.forEach((u, j) => data.set(u, (start[i] + j) * FACE_DIM)));
  return { people: kept.map((p) => p.person), matrix: { rows: start[kept.length], dim: FACE_DIM, data }, start };
}

/**
 * Every person's score against a query (one face, or a cluster's faces), best first. The score of a
 * person is the mean similarity of the query's faces to that person's `k` most similar exemplars
 * (fewer when they have fewer). For a cluster the per-exemplar similarity is averaged over the
 * cluster's faces first, which is one dot product with the mean of their unit vectors: a cluster
 * costs what a single face costs, and a loose (mixed) cluster scores lower against everyone.
 */
export function rankPeople<P>(gallery: PeopleGallery<P>, query: readonly ArrayLike<number>[], opts: { k: number }): PersonScore<P>[] {
  if (query.length === 0 || gallery.people.length === 0) return [];
  const sims = dotAll(gallery.matrix, meanUnit(query));
  const out: PersonScore<P>[] = [];
  const top = new Float32Array(opts.k);
  for (let p = 0; p < gallery.people.length; p++) {
    const from = gallery.start[p];
    const to = gallery.start[p + 1];
    const k = Math.min(opts.k, to - from);
    top.fill(-Infinity);
    for (let r = from; r < to; r++) {
      const s = sims[r];
      if (s <= top[k - 1]) continue;
      let j = k - 1;
      while (j > 0 && top[j - 1] < s) {
        top[j] = top[j - 1];
        j--;
      }
      top[j] = s;
    }
    let sum = 0;
    for (let j = 0; j < k; j++) sum += top[j];
    out.push({ person: gallery.people[p], score: sum / k });
  }
  return out.sort((a, b) => b.score - a.score);
}

/** Open-set identification: the best person when their score reaches `threshold`, else null (a stranger stays unknown). */
export function identify<P>(gallery: PeopleGallery<P>, query: readonly ArrayLike<number>[], opts: { k: number; threshold: number }): PersonScore<P> | null {
  const best = rankPeople(gallery, query, opts)[0];
  return best && best.score >= opts.threshold ? best : null;
}
