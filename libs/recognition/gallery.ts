import { dotAll, dotRow, packFaces, type FaceMatrix } from './matrix.js';
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
  const scores = personScores(gallery, dotAll(gallery.matrix, meanUnit(query)), opts.k);
  const out: PersonScore<P>[] = [];
  for (let p = 0; p < gallery.people.length; p++) out.push({ person: gallery.people[p], score: scores[p] });
  return out.sort((a, b) => b.score - a.score);
}

/** A person of a gallery by their index in `people`, and their score. */
export interface IndexScore {
  index: number;
  score: number;
}

/**
 * {@link rankPeople} for many queries at once, each already the mean of its faces' unit vectors (meanUnit), keeping only
 * the people whose score reaches that query's `minScores` entry: rankPeople(…).filter(score ≥ min), as gallery indices,
 * best first (ties in gallery order, as rankPeople's stable sort leaves them). The exemplars are read once per pair of
 * queries, and each similarity is summed exactly as dotAll sums it, so every score is bit-identical to rankPeople's.
 */
export function rankPeopleAbove<P>(
  gallery: PeopleGallery<P>,
  means: readonly Float32Array[],
  opts: { k: number; minScores: ArrayLike<number> },
): IndexScore[][] {
  const { rows, dim, data } = gallery.matrix;
  const out: IndexScore[][] = [];
  if (gallery.people.length === 0) return means.map(() => []);
  const a = new Float32Array(rows);
  const b = new Float32Array(rows);
  const keep = (sims: Float32Array, min: number) => {
    const scores = personScores(gallery, sims, opts.k);
    const hits: IndexScore[] = [];
    for (let p = 0; p < scores.length; p++) if (scores[p] >= min) hits.push({ index: p, score: scores[p] });
    out.push(hits.sort((x, y) => y.score - x.score));
  };
  for (let q = 0; q < means.length; q += 2) {
    if (q + 1 === means.length) {
      keep(dotAll(gallery.matrix, means[q], a), opts.minScores[q]);
      break;
    }
    dotPair(data, rows, dim, means[q], means[q + 1], a, b);
    keep(a, opts.minScores[q]);
    keep(b, opts.minScores[q + 1]);
  }
  return out;
}

/** dotAll for two queries in one pass over the rows, each sum in dotAll's order (same four partial sums, same rounding). */
function dotPair(data: Float32Array, rows: number, dim: number, qa: Float32Array, qb: Float32Array, oa: Float32Array, ob: Float32Array): void {
  if (qa.length !== dim || qb.length !== dim) throw new Error(`query has ${qa.length === dim ? qb.length : qa.length} dimensions, expected ${dim}`);
  for (let r = 0, o = 0; r < rows; r++, o += dim) {
    let a0 = 0,
      a1 = 0,
      a2 = 0,
      a3 = 0,
      b0 = 0,
      b1 = 0,
      b2 = 0,
      b3 = 0;
    for (let i = 0; i < dim; i += 4) {
      const x0 = data[o + i];
      const x1 = data[o + i + 1];
      const x2 = data[o + i + 2];
      const x3 = data[o + i + 3];
      a0 += x0 * qa[i];
      a1 += x1 * qa[i + 1];
      a2 += x2 * qa[i + 2];
      a3 += x3 * qa[i + 3];
      b0 += x0 * qb[i];
      b1 += x1 * qb[i + 1];
      b2 += x2 * qb[i + 2];
      b3 += x3 * qb[i + 3];
    }
    oa[r] = a0 + a1 + a2 + a3;
    ob[r] = b0 + b1 + b2 + b3;
  }
}

/** Each person's score (by index) from the query's similarity to every exemplar row: the mean of their `k` best. */
function personScores<P>(gallery: PeopleGallery<P>, sims: Float32Array, kMax: number): Float64Array {
  const scores = new Float64Array(gallery.people.length);
  const top = new Float32Array(kMax);
  for (let p = 0; p < gallery.people.length; p++) scores[p] = personScore(gallery.start, p, sims, kMax, top);
  return scores;
}

/** One person's score: the mean of their `kMax` best similarities in `sims` (indexed by exemplar row); `top` is scratch. */
function personScore(start: Int32Array, p: number, sims: Float32Array, kMax: number, top: Float32Array): number {
  const from = start[p];
  const to = start[p + 1];
  const k = Math.min(kMax, to - from);
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
  return sum / k;
}

/**
 * rankPeopleAbove's answer for one query after the gallery changed, from its answer against the gallery before: the
 * people whose exemplars are unchanged keep their scores (`was`: the old answer, re-indexed by `oldToNew`, -1 for a
 * person gone or changed), and only the `changed` people (new indexes) are scored. Bit for bit what rankPeopleAbove
 * gives on the new gallery: a person's score reads only their own exemplar rows, each row's dot product is dotAll's,
 * and the order is rankPeopleAbove's (score, then index: its stable sort of an index-ordered list).
 */
export function rerankPeopleAbove<P>(
  gallery: PeopleGallery<P>,
  mean: Float32Array,
  was: readonly IndexScore[],
  delta: { oldToNew: Int32Array; changed: Int32Array },
  opts: { k: number; minScore: number },
): IndexScore[] {
  const hits: IndexScore[] = [];
  for (const h of was) {
    const index = delta.oldToNew[h.index];
    if (index >= 0) hits.push({ index, score: h.score });
  }
  const { data, dim } = gallery.matrix;
  const sims = new Float32Array(gallery.matrix.rows);
  const top = new Float32Array(opts.k);
  for (const p of delta.changed) {
    for (let r = gallery.start[p]; r < gallery.start[p + 1]; r++) sims[r] = dotRow(data, r * dim, dim, mean);
    const score = personScore(gallery.start, p, sims, opts.k, top);
    if (score >= opts.minScore) hits.push({ index: p, score });
  }
  return hits.sort((x, y) => y.score - x.score || x.index - y.index);
}

/**
 * How a gallery changed: each old person's index in `next` when their exemplars are the same (same id by `key`, same
 * rows bit for bit), else -1; and the indexes in `next` of the people new or changed (a renamed person is unchanged:
 * a score reads no name).
 */
export function galleryDelta<P>(prev: PeopleGallery<P>, next: PeopleGallery<P>, key: (p: P) => string): { oldToNew: Int32Array; changed: Int32Array } {
  const dim = next.matrix.dim;
  const oldAt = new Map(prev.people.map((p, i) => [key(p), i]));
  const oldToNew = new Int32Array(prev.people.length).fill(-1);
  const changed: number[] = [];
  next.people.forEach((person, p) => {
    const q = oldAt.get(key(person));
    if (q !== undefined && prev.matrix.dim === dim && sameRows(prev, q, next, p, dim)) oldToNew[q] = p;
    else changed.push(p);
  });
  return { oldToNew, changed: Int32Array.from(changed) };
}

function sameRows<P>(a: PeopleGallery<P>, p: number, b: PeopleGallery<P>, q: number, dim: number): boolean {
  const n = a.start[p + 1] - a.start[p];
  if (n !== b.start[q + 1] - b.start[q]) return false;
  const x = a.matrix.data;
  const y = b.matrix.data;
  for (let i = a.start[p] * dim, j = b.start[q] * dim, end = i + n * dim; i < end; i++, j++) if (!Object.is(x[i], y[j])) return false;
  return true;
}

/** Open-set identification: the best person when their score reaches `threshold`, else null (a stranger stays unknown). */
export function identify<P>(gallery: PeopleGallery<P>, query: readonly ArrayLike<number>[], opts: { k: number; threshold: number }): PersonScore<P> | null {
  const best = rankPeople(gallery, query, opts)[0];
  return best && best.score >= opts.threshold ? best : null;
}
