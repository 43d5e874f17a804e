import { peopleInVideo, type PersonConstraint } from './people.js';

/**
 * Questions that finish the job: the yes/no questions about a cut whose answers would move the most faces.
 *
 * - `merge`: two clusters that may be one person (a yes joins them);
 * - `move`: a face that may belong to another cluster than its own (a yes moves it there);
 * - `split`: the two parts of a loose cluster (2-means of its faces) that may be two people (a no splits it: the
 *   faces a cluster of two lookalikes holds of the smaller one have no other cluster a `move` could name);
 * - `person`: a cluster that may be a person known from other videos (a recognition suggestion; a yes names it).
 *
 * Faces are judged by their face descriptors alone (unit vectors: who the user sees, not what they wear), and
 * cluster to cluster by the root mean square distance of all their cross pairs, which the clusters' mean unit
 * vectors give exactly (|a − b|² = 2 − 2 a·b, so the mean over the pairs is 2 − 2 μ_A·μ_B): a question page costs
 * the clusters' sums and a few dot products per face, never the faces' pairwise matrix.
 *
 * Gain = faces the answer moves × the probability that the cut is wrong there (that the answer is yes; for a split,
 * no): the expected number of faces one answer fixes. The probabilities are logistic in those distances
 * ({@link QUESTION_SCALES}). A question that a constraint already answers is never asked: two clusters that carry
 * two people (every two people are cannot-links), that share a frame, or whose faces were rejected from the
 * other's person; a confirmed face; a face rejected from the other cluster's person. Answers become constraints
 * ({@link answerEdits}), so an answered question is never asked again. Ids are derived from the question's kind
 * and the faces each side shows, so the same question keeps its id across requests and cuts.
 */

export type QuestionKind = 'merge' | 'move' | 'split' | 'person';

/** One side of a question: the faces shown (a few representatives), the cluster and the person it stands for. */
export interface QuestionSide {
  faces: number[];
  /** Every face the side stands for (its whole cluster; the face of a move; a person's shown faces): what an answer constrains. */
  members: number[];
  cluster: number | null;
  person: string | null;
}

export interface Question {
  id: string;
  kind: QuestionKind;
  a: QuestionSide;
  b: QuestionSide;
  /** Expected faces fixed: `moved` × `p`. */
  gain: number;
  /** Probability that the cut is wrong here: of a yes (of a no for a split). */
  p: number;
  /** Faces the answer that fixes the cut moves. */
  moved: number;
}

export interface QuestionFace {
  id: number;
  frame: number;
  face: ArrayLike<number>;
}

/** A person suggested for a cluster by recognition across videos (the cluster carries no person). */
export interface PersonSuggestion {
  cluster: number;
  person: string;
  /** The recognition score (cosine; libs/recognition). */
  score: number;
  /** Face ids that show the person (their exemplars). */
  exemplars: number[];
}

export interface QuestionInput {
  faces: readonly QuestionFace[];
  /** The cut: a cluster id per face, null for a face in no cluster. */
  labels: ArrayLike<number | null>;
  /** The people's constraints (people.ts); faces of other videos are ignored. */
  people?: readonly PersonConstraint[];
  suggestions?: readonly PersonSuggestion[];
}

/**
 * How distances become probabilities (face-api descriptors as unit vectors). Calibrated on the labelled sets
 * (bench/questions.ts): `merge`: the cross RMS distance at which two clusters are one person half the time, and
 * the logistic's width; `move`: the width of the margin (distance to the other cluster − distance to its own) and
 * the distance to the other cluster beyond which a face is not theirs; `person`: the recognition score's width
 * around the open-set threshold.
 */
export const QUESTION_SCALES = {
  mergeAt: 0.4,
  mergeWidth: 0.03,
  moveMargin: 0.03,
  moveAt: 0.45,
  moveWidth: 0.04,
  splitLoose: 0,
  personAt: 0.935,
  personWidth: 0.01,
} as const;

/** Below this probability of a yes a question is not asked (its gain is noise). */
const MIN_P = 0.01;
/** Clusters of fewer faces are never split. */
const SPLIT_MIN_FACES = 4;
/** Faces of a cluster its 2-means rounds run on. */
const SPLIT_SAMPLE = 32;
/** Faces shown per side. */
export const QUESTION_FACES = 4;
/** Other clusters a cluster is compared with: the nearest by their means. */
const NEIGHBOURS = 8;
/** Of those, the ones its faces are compared with. */
const FACE_NEIGHBOURS = 4;

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** Every open question about the cut, best first (gain, then id). */
export function questionsFor(input: QuestionInput): Question[] {
  return askQuestions(input).all();
}

/**
 * The open questions about the cut, best first (gain, then id), built as they are read: a page reads a few of
 * thousands (most are `move`s of one face each), so only the ones read get their sides and ids. The same questions,
 * in the same order, as {@link questionsFor}.
 */
export function askQuestions(input: QuestionInput): QuestionList {
  const { faces, labels } = input;
  const n = faces.length;
  if (n === 0) return new QuestionList([]);
  const dim = faces[0].face.length;
  const memo = facesMemo(faces, dim);
  const U = memo.U;
  const S = QUESTION_SCALES;

  // Clusters: members, sums of unit vectors, frames.
  const { ids, slot, slotOf } = slotsOf(labels);
  const k = ids.length;
  const members: number[][] = ids.map(() => []);
  for (let i = 0; i < n; i++) if (slotOf[i] >= 0) members[slotOf[i]].push(i);
  // What depends on a cluster's members alone comes from the memo: a slider step changes few clusters.
  const frameOf = memo.frameOf;
  const held = members.map((m) => clusterMemo(memo, m));
  trimMemo(memo, n);
  const sum = new Float64Array(k * dim);
  held.forEach((h, c) => sum.set(h.sum, c * dim));
  const frames = held.map((h) => h.frames);

  // Constraints by face index.
  const pv = peopleInVideo(faces, input.people);
  const ownerOf = new Int32Array(n).fill(-1);
  const personIds = pv?.people.map((p) => p.id) ?? [];
  pv?.people.forEach((p, x) => {
    for (const i of p.members) ownerOf[i] = x;
  });
  // Rejections by person id, also from people with no confirmed face here (a suggested person).
  const rejectedIds = new Map<number, Set<string>>();
  const indexOf = input.people?.some((p) => p.rejected?.length) ? new Map(faces.map((f, i) => [f.id, i])) : new Map<number, number>();
  for (const p of input.people ?? [])
    for (const id of p.rejected ?? []) {
      const i = indexOf.get(id);
      if (i !== undefined) rejectedIds.set(i, (rejectedIds.get(i) ?? new Set()).add(p.id));
    }
  const isRejected = (i: number, person: string) => rejectedIds.get(i)?.has(person) === true;
  const rejectedFrom = { has: (i: number, x: number) => isRejected(i, personIds[x]) };
  // The person each cluster carries (all of a person's confirmed faces share its cluster).
  const carried = new Int32Array(k).fill(-1);
  for (let c = 0; c < k; c++) for (const i of members[c]) if (ownerOf[i] >= 0) carried[c] = ownerOf[i];
  const rejectedBy = (c: number, person: string) => members[c].some((i) => isRejected(i, person));

  const faceDot = (i: number, v: Float64Array, vo: number) => rowDot(U, i * dim, v, vo, dim);
  const sumDot = (a: Float64Array, ao: number, b: Float64Array, bo: number) => sumsDot(a, ao, b, bo, dim);
  // Mean cosine of the cross pairs of clusters c and e.
  const crossCos = (c: number, e: number) => sumDot(sum, c * dim, sum, e * dim) / (members[c].length * members[e].length);

  // Each cluster's nearest other clusters.
  const sizes = Int32Array.from(members, (m) => m.length);
  const near = nearestOf(memo, held, sizes);

  // Representatives: the faces nearest a mean (of a cluster, of a part).
  const typical = (list: readonly number[], v: Float64Array, vo: number): number[] =>
    list
      .map((i) => [i, faceDot(i, v, vo)] as const)
      .sort((x, y) => y[1] - x[1] || faces[x[0]].id - faces[y[0]].id)
      .slice(0, QUESTION_FACES)
      .map(([i]) => faces[i].id);
  const reps = (c: number): number[] => (held[c].reps ??= typical(members[c], sum, c * dim));
  const memberIds = (c: number): number[] => (held[c].ids ??= members[c].map((i) => faces[i].id));
  const side = (c: number | null, shown: number[], person: number, all = c === null ? shown : memberIds(c)): QuestionSide => ({
    faces: shown,
    members: all,
    cluster: c === null ? null : ids[c],
    person: person >= 0 ? personIds[person] : null,
  });

  const out: Candidate[] = [];
  // Sides are built (and ids hashed) only for the questions worth asking: most faces of a video are no question.
  const push = (kind: QuestionKind, p: number, moved: number, sides: (c: Candidate) => [QuestionSide, QuestionSide], x = 0, y = 0) => {
    if (p < MIN_P) return;
    out.push({ kind, p, moved, gain: p * moved, sides, x, y, built: null });
  };

  // Two clusters that may be one person.
  const seen = new Set<number>();
  for (let c = 0; c < k; c++) {
    for (const e of near[c]) {
      const [x, y] = c < e ? [c, e] : [e, c];
      if (seen.has(x * k + y)) continue;
      seen.add(x * k + y);
      if (carried[x] >= 0 && carried[y] >= 0) continue;
      if (carried[x] >= 0 && rejectedBy(y, personIds[carried[x]])) continue;
      if (carried[y] >= 0 && rejectedBy(x, personIds[carried[y]])) continue;
      if (sharesFrame(held[x], held[y])) continue;
      const p = sigmoid((S.mergeAt - rms(crossCos(x, y))) / S.mergeWidth);
      // The side that carries a person (else the larger) is `a`: a yes brings `b` to it.
      const aFirst = carried[x] >= 0 || (carried[y] < 0 && members[x].length >= members[y].length);
      const [a, b] = aFirst ? [x, y] : [y, x];
      push('merge', p, Math.min(members[x].length, members[y].length), () => [side(a, reps(a), carried[a]), side(b, reps(b), carried[b])]);
    }
  }

  // A face that may belong to another cluster: its nearest other cluster almost as close as its own.
  // A clustered face's move comes from its cluster's memo (its dots with its own sum and its candidates', and which
  // share its frame, kept per pair of clusters); where a person is involved (a confirmed member, a candidate that
  // carries a person) it is judged afresh under the constraints; a face in no cluster (rare) is scanned afresh.
  const rejected = (i: number, e: number) => carried[e] >= 0 && rejectedFrom.has(i, carried[e]);
  const perCluster = held.map((h, c) => {
    const list = near[c].slice(0, FACE_NEIGHBOURS);
    const cand = list.map((e) => crossDotsOf(memo, h, held[e]));
    const free = noPerson(list, carried) && noPerson(members[c], ownerOf);
    const judge = (): MemberMoves =>
      memberMoves(ownDotsOf(memo, h), list, cand, sizes, c, (pos, e) => ownerOf[members[c][pos]] >= 0 || rejected(members[c][pos], e));
    return free ? keptMoves(h, list, held, judge) : judge();
  });
  const loose = (i: number): [number, number] => {
    const cands = nearestClusters(U, i, dim, sum, members);
    let best = -1;
    let bestDist = Infinity;
    for (let t = 0; t < Math.min(cands.length, FACE_NEIGHBOURS); t++) {
      const e = cands[t];
      if (rejected(i, e) || frames[e].has(frameOf[i])) continue;
      const d = rms(rowDot(U, i * dim, sum, e * dim, dim) / sizes[e]);
      if (nearer(d, e, bestDist, best)) [best, bestDist] = [e, d];
    }
    return [best, bestDist];
  };
  const moves = moveScan(slotOf, posOf(members, n), ownerOf, near, perCluster, loose);
  // Thousands of moves share one builder of their sides (the face `x`, the cluster `y`): no closure each.
  const moveSides = ({ x: i, y: best }: Candidate): [QuestionSide, QuestionSide] => {
    const own = slotOf[i];
    return [side(own >= 0 ? own : null, [faces[i].id], own >= 0 ? carried[own] : -1, [faces[i].id]), side(best, reps(best), carried[best])];
  };
  for (let t = 0; t < moves.face.length; t++) push('move', moves.p[t], 1, moveSides, moves.face[t], moves.to[t]);

  // The two parts of a loose cluster that may be two people.
  for (let c = 0; c < k; c++) {
    const m = members[c];
    if (m.length < SPLIT_MIN_FACES) continue;
    const within = rms((sumDot(sum, c * dim, sum, c * dim) / m.length - 1) / (m.length - 1));
    if (within < S.splitLoose) continue;
    const split = splitOf(memo, held[c], m);
    if (!split) continue;
    const {
      parts,
      means: [x, y],
    } = split;
    const holds = (part: number[]) => carried[c] >= 0 && part.some((i) => ownerOf[i] === carried[c]);
    const hx = holds(parts[0]);
    const hy = holds(parts[1]);
    // Confirmed faces of its person in both parts: the constraint says they are one person.
    if (hx && hy) continue;
    if (carried[c] >= 0 && (hx ? parts[1] : parts[0]).some((i) => rejectedFrom.has(i, carried[c]))) continue;
    const cross = rms(sumDot(x, 0, y, 0) / (parts[0].length * parts[1].length));
    // The probability that the cut is wrong: that they are two people.
    const p = 1 - sigmoid((S.mergeAt - cross) / S.mergeWidth);
    const [a, b] = hy || (!hx && parts[1].length > parts[0].length) ? [1, 0] : [0, 1];
    const sideOf = (t: number) => ({
      faces: (split.shown[t] ??= typical(parts[t], [x, y][t], 0)),
      members: (split.ids[t] ??= parts[t].map((i) => faces[i].id)),
      cluster: ids[c],
      person: (t === 0 ? hx : hy) ? personIds[carried[c]] : null,
    });
    push('split', p, Math.min(parts[0].length, parts[1].length), () => [sideOf(a), sideOf(b)]);
  }

  // A cluster that may be a person known from other videos.
  for (const s of input.suggestions ?? []) {
    const c = slot.get(s.cluster);
    if (c === undefined || carried[c] >= 0) continue;
    if (rejectedBy(c, s.person)) continue;
    const p = sigmoid((s.score - S.personAt) / S.personWidth);
    push('person', p, members[c].length, () => [
      side(c, reps(c), -1),
      { faces: s.exemplars.slice(0, QUESTION_FACES), members: [], cluster: null, person: s.person },
    ]);
  }

  return new QuestionList(out);
}

/**
 * The cut's cluster ids ascending, each id's slot among them, and each face's slot (-1: in no cluster). Cluster ids are
 * small counts (a report's 0..k-1): those index a table; any others go through a map.
 */
function slotsOf(labels: ArrayLike<number | null>): { ids: number[]; slot: Map<number, number>; slotOf: Int32Array } {
  const n = labels.length;
  const slotOf = new Int32Array(n).fill(-1);
  let small = true;
  for (let i = 0; i < n && small; i++) {
    const l = labels[i];
    if (l !== null && !(Number.isInteger(l) && l >= 0 && l < 4 * n + 16)) small = false;
  }
  let ids: number[];
  if (small) {
    const table = new Int32Array(4 * n + 16).fill(-1);
    for (let i = 0; i < n; i++) if (labels[i] !== null) table[labels[i]!] = 0;
    ids = [];
    for (let l = 0; l < table.length; l++) if (table[l] === 0) table[l] = ids.push(l) - 1;
    for (let i = 0; i < n; i++) if (labels[i] !== null) slotOf[i] = table[labels[i]!];
  } else {
    ids = [...new Set(Array.from(labels).filter((l): l is number => l !== null))].sort((a, b) => a - b);
    const at = new Map(ids.map((c, i) => [c, i]));
    for (let i = 0; i < n; i++) if (labels[i] !== null) slotOf[i] = at.get(labels[i]!)!;
  }
  return { ids, slot: new Map(ids.map((c, i) => [c, i])), slotOf };
}

/**
 * The `limit`-th highest gain of the candidates (0 < limit < their count), kept in a small sorted run as they pass; NaN
 * when a gain is NaN (no order to restrict: the whole list is sorted instead).
 */
function highest(items: readonly Candidate[], limit: number): number {
  if (limit > 64) {
    const gains = new Float64Array(items.length);
    for (let t = 0; t < items.length; t++) gains[t] = items[t].gain;
    gains.sort();
    return gains.some(Number.isNaN) ? NaN : gains[gains.length - limit];
  }
  // The `limit` highest so far, descending.
  const top: number[] = [];
  for (const c of items) {
    const g = c.gain;
    if (Number.isNaN(g)) return NaN;
    if (top.length === limit && g <= top[limit - 1]) continue;
    let at = top.length;
    while (at > 0 && g > top[at - 1]) at--;
    top.splice(at, 0, g);
    if (top.length > limit) top.pop();
  }
  return top[limit - 1];
}

/** A question worth asking before its sides are built. */
interface Candidate {
  kind: QuestionKind;
  p: number;
  moved: number;
  gain: number;
  sides: (c: Candidate) => [QuestionSide, QuestionSide];
  /** What `sides` reads of a move (its face and cluster); 0 for the other kinds, whose `sides` hold theirs. */
  x: number;
  y: number;
  built: Question | null;
}

/**
 * Questions best first (gain, then id), each built when first read. A page orders only the questions that can be on
 * it (those of a gain at least its last one's): the prefix of the whole order, which a lookup by id or the whole list
 * sorts once.
 */
export class QuestionList {
  private readonly items: Candidate[];
  private sorted = false;
  /** The longest prefix of the order a page has found (a later page of no more questions reads it). */
  private prefix: Candidate[] = [];

  constructor(candidates: Candidate[]) {
    this.items = candidates;
  }

  /** Candidates best first: by gain, equal gains (rare: gains are products of logistics) by id, which needs their sides. */
  private static order(items: Candidate[]): Candidate[] {
    items.sort((x, y) => y.gain - x.gain);
    for (let i = 0; i < items.length;) {
      let j = i + 1;
      while (j < items.length && items[j].gain === items[i].gain) j++;
      if (j - i > 1) {
        const run = items.slice(i, j).sort((x, y) => {
          const [a, b] = [QuestionList.build(x).id, QuestionList.build(y).id];
          return a < b ? -1 : a > b ? 1 : 0;
        });
        items.splice(i, j - i, ...run);
      }
      i = j;
    }
    return items;
  }

  /** The first `count` candidates in order (as `slice(0, count)` of the whole order counts). */
  private first(count: number): Candidate[] {
    const items = this.items;
    const limit = count < 0 ? Math.max(0, items.length + Math.trunc(count)) : Math.trunc(count) || 0;
    if (!this.sorted && limit <= this.prefix.length) return this.prefix.slice(0, limit);
    const least = this.sorted || limit >= items.length ? NaN : highest(items, limit);
    if (Number.isNaN(least)) {
      if (!this.sorted) QuestionList.order(items);
      this.sorted = true;
      return items.slice(0, limit);
    }
    // Every candidate of a gain ≥ the limit-th highest, in their order here: the stable sort's order restricted to them,
    // and every other candidate comes after them all.
    this.prefix = QuestionList.order(items.filter((c) => c.gain >= least));
    return this.prefix.slice(0, limit);
  }

  private static build(c: Candidate): Question {
    if (!c.built) {
      const [a, b] = c.sides(c);
      c.built = { id: questionId(c.kind, a.faces, b.faces), kind: c.kind, a, b, p: c.p, moved: c.moved, gain: c.gain };
    }
    return c.built;
  }

  get length(): number {
    return this.items.length;
  }

  /** The first `limit` questions. */
  page(limit: number): Question[] {
    return this.first(limit).map((c) => QuestionList.build(c));
  }

  /** The question of this id, if it is open (builds every question the first time: ids come from the sides). */
  find(id: string): Question | undefined {
    return this.all().find((q) => q.id === id);
  }

  all(): Question[] {
    return this.first(this.items.length).map((c) => QuestionList.build(c));
  }
}

/**
 * A question's id: its kind and the faces of its two sides (each side's ids sorted), hashed to 64 bits (two
 * multiplicative 32-bit lanes, cyrb53's mixing): the same question keeps its id. Not a secret, only a name; a page
 * hashes thousands of them, which a cryptographic hash made a tenth of its cost.
 */
export function questionId(kind: QuestionKind, a: readonly number[], b: readonly number[]): string {
  let h1 = 0xdeadbeef ^ KIND_SEED[kind];
  let h2 = 0x41c6ce57 ^ KIND_SEED[kind];
  const mix = (x: number) => {
    h1 = Math.imul(h1 ^ x, 2654435761);
    h2 = Math.imul(h2 ^ x, 1597334677);
  };
  for (const side of [a, b]) {
    for (const x of side.length < 2 ? side : [...side].sort((p, q) => p - q)) {
      mix(x >>> 0);
      mix(Math.floor(x / 2 ** 32));
    }
    mix(0x5eed);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (h2 >>> 0).toString(16).padStart(8, '0') + (h1 >>> 0).toString(16).padStart(8, '0');
}

const KIND_SEED: Record<QuestionKind, number> = { merge: 1, move: 2, split: 3, person: 4 };

/** One people edit (PersonService semantics): what an answer does. */
export type PeopleEdit =
  | { op: 'create'; faces: number[]; exclude: number[] }
  | { op: 'confirm'; person: string; faces: number[] }
  | { op: 'reject'; person: string; faces: number[] }
  | { op: 'merge'; person: string; others: string[] };

/**
 * What an answer records, as people edits (the constraints of every later cut): the faces each side shows are
 * the evidence. Yes: `b`'s faces join `a`'s person (`a` becomes one from its faces when it has none; for a
 * `person` question `a`'s faces are confirmed for the person). No: `b`'s faces are rejected from `a`'s person (made
 * from `a`'s faces when it has none), so the two sides never share a cluster again; for a `move`, the face is
 * rejected from the other cluster's person; for a `person` question, `a`'s faces are rejected from the person.
 */
export function answerEdits(q: Pick<Question, 'kind' | 'a' | 'b'>, same: boolean): PeopleEdit[] {
  const { a, b } = q;
  const A = a.members;
  const B = b.members;
  switch (q.kind) {
    case 'person':
      return [{ op: same ? 'confirm' : 'reject', person: b.person!, faces: same ? A : a.faces }];
    case 'move':
      // The face (a) and the cluster it may belong to (b).
      if (b.person) return [{ op: same ? 'confirm' : 'reject', person: b.person, faces: A }];
      return [same ? { op: 'create', faces: [...B, ...A], exclude: [] } : { op: 'create', faces: B, exclude: A }];
    case 'split':
      // Two parts of one cluster; `a` holds its person's confirmed faces, if any.
      if (same) return [a.person ? { op: 'confirm', person: a.person, faces: B } : { op: 'create', faces: [...A, ...B], exclude: [] }];
      // Both parts become people (every two people are cannot-links), so the part that leaves stays whole.
      return [...(a.person ? [] : [{ op: 'create' as const, faces: A, exclude: [] }]), { op: 'create', faces: B, exclude: [] }];
    case 'merge':
      if (a.person && b.person) return same ? [{ op: 'merge', person: a.person, others: [b.person] }] : [];
      if (a.person) return [{ op: same ? 'confirm' : 'reject', person: a.person, faces: same ? B : b.faces }];
      if (b.person) return [{ op: same ? 'confirm' : 'reject', person: b.person, faces: same ? A : a.faces }];
      return [same ? { op: 'create', faces: [...A, ...B], exclude: [] } : { op: 'create', faces: A, exclude: b.faces }];
  }
}

// The numeric loops of a page live in small top-level functions of typed arrays: V8 optimises each on its own, where
// inside questionsFor (many closures, objects of several shapes) they ran deoptimised for part of every call.

/** Sum of `b[bo..bo+dim)` · `a[ao..ao+dim)` (a face row with a cluster's sum). */
function rowDot(a: Float32Array, ao: number, b: Float64Array, bo: number, dim: number): number {
  let t = 0;
  for (let j = 0; j < dim; j++) t += a[ao + j] * b[bo + j];
  return t;
}

/** The dot product of two sums (or means). */
function sumsDot(a: Float64Array, ao: number, b: Float64Array, bo: number, dim: number): number {
  let t = 0;
  for (let j = 0; j < dim; j++) t += a[ao + j] * b[bo + j];
  return t;
}

/**
 * Each cluster's NEIGHBOURS nearest other clusters by the mean cosine of their cross pairs (ties: lower slot first).
 * The dot products of two clusters' sums come from the last cut's where both were in it (a slider step changes few
 * clusters); each list is a running top NEIGHBOURS, in the order a sort of all k gives.
 */
function nearestOf(memo: FacesMemo, held: readonly ClusterMemo[], sizes: Int32Array): number[][] {
  const k = sizes.length;
  const dots = sumDots(memo, held);
  const cos = new Float64Array(k);
  const near: number[][] = [];
  for (let c = 0; c < k; c++) {
    for (let e = 0; e < k; e++) cos[e] = dots[c * k + e] / (sizes[c] * sizes[e]);
    near.push(topOf(cos, c));
  }
  return near;
}

/**
 * The k × k dot products of the clusters' sums: the last cut's for two clusters both in it, else computed (once per
 * pair: symmetric bit for bit, the same products summed in the same order). Kept for the next cut up to LAST_DOTS_MAX.
 */
function sumDots(memo: FacesMemo, held: readonly ClusterMemo[]): Float64Array {
  const k = held.length;
  const dim = memo.dim;
  const last = memo.last;
  // Each cluster's slot in the last cut (-1: not in it).
  const was = new Int32Array(k).fill(-1);
  const lastSlot = new Map(last?.held.map((h, c) => [h, c]) ?? []);
  for (let c = 0; c < k; c++) was[c] = lastSlot.get(held[c]) ?? -1;
  const lk = last?.held.length ?? 0;
  const dots = new Float64Array(k * k);
  for (let c = 0; c < k; c++)
    for (let e = c; e < k; e++) {
      const d = was[c] >= 0 && was[e] >= 0 ? last!.dots[was[c] * lk + was[e]] : sumsDot(held[c].sum, 0, held[e].sum, 0, dim);
      dots[c * k + e] = dots[e * k + c] = d;
    }
  memo.last = k <= LAST_DOTS_MAX ? { held, dots } : null;
  return dots;
}

/** The NEIGHBOURS slots e ≠ skip of the highest `cos[e]`, highest first (ties: lower slot first). */
function topOf(cos: Float64Array, skip: number): number[] {
  const top: number[] = [];
  for (let e = 0; e < cos.length; e++) {
    if (e === skip) continue;
    const v = cos[e];
    if (top.length === NEIGHBOURS && !(v > cos[top[NEIGHBOURS - 1]])) continue;
    // After the last entry it does not beat (slots come in order: an equal one ranks after it).
    let at = top.length;
    while (at > 0 && v > cos[top[at - 1]]) at--;
    top.splice(at, 0, e);
    if (top.length > NEIGHBOURS) top.pop();
  }
  return top;
}

/** Per member of a cluster: the index of its move's target among the cluster's candidates (-1: none worth asking), and p. */
interface MemberMoves {
  t: Int8Array;
  p: Float64Array;
}

/**
 * The faces worth a `move` question (p ≥ MIN_P), in face order: a clustered face's from its cluster's
 * {@link MemberMoves}, a face in no cluster's from `loose` (its best candidate and distance).
 */
function moveScan(
  slotOf: Int32Array,
  posOf: Int32Array,
  ownerOf: Int32Array,
  near: readonly (readonly number[])[],
  perCluster: readonly MemberMoves[],
  loose: (i: number) => [number, number],
): { face: number[]; to: number[]; p: number[] } {
  const out: { face: number[]; to: number[]; p: number[] } = { face: [], to: [], p: [] };
  for (let i = 0; i < slotOf.length; i++) {
    if (ownerOf[i] >= 0) continue;
    const c = slotOf[i];
    if (c >= 0) {
      const m = perCluster[c];
      const t = m.t[posOf[i]];
      if (t < 0) continue;
      out.face.push(i);
      out.to.push(near[c][t]);
      out.p.push(m.p[posOf[i]]);
      continue;
    }
    const [best, bestDist] = loose(i);
    if (best < 0) continue;
    const p = moveP(Infinity, bestDist);
    if (p >= MIN_P) {
      out.face.push(i);
      out.to.push(best);
      out.p.push(p);
    }
  }
  return out;
}

/** None of `xs` has a person in `of` (a cluster's carried person, a face's confirmed one). */
function noPerson(xs: readonly number[], of: Int32Array): boolean {
  for (const x of xs) if (of[x] >= 0) return false;
  return true;
}

/** Each face's position in its cluster's members. */
function posOf(members: readonly (readonly number[])[], n: number): Int32Array {
  const pos = new Int32Array(n);
  for (const m of members) for (let t = 0; t < m.length; t++) pos[m[t]] = t;
  return pos;
}

/** The probability that a face belongs to the cluster at `bestDist` rather than its own at `ownDist` (∞: none). */
function moveP(ownDist: number, bestDist: number): number {
  const S = QUESTION_SCALES;
  const far = sigmoid((S.moveAt - bestDist) / S.moveWidth);
  return ownDist === Infinity ? far : far * sigmoid((ownDist - bestDist) / S.moveMargin);
}

/**
 * Each member of cluster c against its own cluster without it and its first FACE_NEIGHBOURS candidate clusters
 * (`list`, slots) that no shared frame or constraint (`barred`) bars: the nearest, and the move's p when ≥ MIN_P.
 */
function memberMoves(
  own: Float64Array,
  list: readonly number[],
  cand: readonly CrossDots[],
  sizes: Int32Array,
  c: number,
  barred: (pos: number, e: number) => boolean,
): MemberMoves {
  const out: MemberMoves = { t: new Int8Array(own.length).fill(-1), p: new Float64Array(own.length) };
  for (let pos = 0; pos < own.length; pos++) {
    // Its own cluster without it (a cluster of one has nothing to compare with).
    const ownDist = sizes[c] > 1 ? rms((own[pos] - 1) / (sizes[c] - 1)) : Infinity;
    let best = -1;
    let bestSlot = -1;
    let bestDist = Infinity;
    for (let t = 0; t < cand.length; t++) {
      const e = list[t];
      if (cand[t].sameFrame[pos] === 1 || barred(pos, e)) continue;
      const d = rms(cand[t].dots[pos] / sizes[e]);
      if (nearer(d, e, bestDist, bestSlot)) {
        best = t;
        bestSlot = e;
        bestDist = d;
      }
    }
    if (best < 0) continue;
    const p = moveP(ownDist, bestDist);
    if (p >= MIN_P) {
      out.t[pos] = best;
      out.p[pos] = p;
    }
  }
  return out;
}

/**
 * A cluster's {@link MemberMoves} when no person is involved: kept on its memo for the candidates it was judged
 * against (the same memos, whose slots rank the same way: ties go to the lower slot), else judged and kept.
 */
function keptMoves(h: ClusterMemo, list: readonly number[], held: readonly ClusterMemo[], judge: () => MemberMoves): MemberMoves {
  const serials = list.map((e) => held[e].serial);
  const ranks = list.map((e) => list.filter((x) => x < e).length);
  const kept = h.moves;
  if (kept && sameMembers(kept.serials, serials) && sameMembers(kept.ranks, ranks)) return kept.moves;
  const moves = judge();
  h.moves = { serials, ranks, moves };
  return moves;
}

/** Candidate e at distance d is a better move target than `best` at `bestDist` (ties: the lower slot). */
function nearer(d: number, e: number, bestDist: number, best: number): boolean {
  return d < bestDist || (d === bestDist && e < best);
}

/** The root mean square distance of unit vectors whose mean cosine is `cos`. */
function rms(cos: number): number {
  return Math.sqrt(Math.max(0, 2 - 2 * cos));
}

/**
 * What a page needs of one cluster that depends on its members alone, kept across cuts (a slider step changes few
 * clusters): found by a hash of its members, and used only when its members are the same ones.
 */
interface ClusterMemo {
  /** Its face indices, ascending (the cut's order). */
  members: readonly number[];
  /** The sum of its unit vectors. */
  sum: Float64Array;
  frames: Set<number>;
  /** Each member's dot product with `sum` (the move scan's own distance). */
  ownDots?: Float64Array;
  /** Its 2-means parts and their sums (null: no split), once asked. */
  split?: Split | null;
  reps?: number[];
  ids?: number[];
  /** This cluster's members against another cluster, by that cluster (weak: an evicted cluster's entry goes with it). */
  pairs: WeakMap<ClusterMemo, PairMemo>;
  /** Told apart from every other memo (the move memo names its candidates by it, holding none of them). */
  serial: number;
  /** Its members' moves, for the candidates (by serial, and their slots' ranks) they were judged against. */
  moves?: { serials: number[]; ranks: number[]; moves: MemberMoves };
}

interface Split {
  parts: [number[], number[]];
  means: [Float64Array, Float64Array];
  /** Each part's representatives and member ids (face ids), once a question shows them. */
  shown: [number[]?, number[]?];
  ids: [number[]?, number[]?];
}

/** One cluster's members against another cluster, each part computed when first asked. */
interface PairMemo {
  /** Some member shares a frame with the other cluster (a merge's question). */
  shared?: boolean;
  /** Per member: 1 when the other cluster has a face in its frame (a move's). */
  sameFrame?: Uint8Array;
  /** Per member: its dot product with the other cluster's sum (a move's). */
  dots?: Float64Array;
}

type CrossDots = Required<Pick<PairMemo, 'sameFrame' | 'dots'>>;

/** Per faces array: the unit vectors, the frames, and the clusters' memos, least recently used first. */
interface FacesMemo {
  U: Float32Array;
  frameOf: Int32Array;
  dim: number;
  clusters: Map<string, ClusterMemo>;
  /** The clusters held, in faces' worth ({@link memoWeight}: what the memory bound counts). */
  held: number;
  /** The last cut's clusters (by slot) and their sums' dot products (k × k; none past LAST_DOTS_MAX clusters). */
  last: { held: readonly ClusterMemo[]; dots: Float64Array } | null;
}

/** The most clusters whose k × k sum dot products are kept for the next cut (2 MiB; past it a cut costs O(k² d) anyway). */
const LAST_DOTS_MAX = 512;

/** Cluster memos held per face of the video (in faces' worth): a few cuts' worth of clusters that all differ. */
const MEMO_CUTS = 8;

/**
 * A cluster memo's memory in faces' worth: its members (their frames, own and candidates' dot products: ~50 bytes
 * each) and its sum (dim doubles, about dim / 4 members' worth), so that a cut of many small clusters is bounded too.
 */
const memoWeight = (c: ClusterMemo) => c.members.length + (c.sum.length >> 2);

/**
 * The faces' memo. Kept per faces array (a video's stored faces are one array for every cut of it: ClusterService's
 * LRU), so a new cut or people state re-derives none of the n × d work, nor any cluster an earlier cut had.
 */
const memoCache = new WeakMap<readonly QuestionFace[], FacesMemo>();
function facesMemo(faces: readonly QuestionFace[], dim: number): FacesMemo {
  let m = memoCache.get(faces);
  if (!m || m.dim !== dim || m.frameOf.length !== faces.length) {
    m = { U: unitRows(faces, dim), frameOf: Int32Array.from(faces, (f) => f.frame), dim, clusters: new Map(), held: 0, last: null };
    memoCache.set(faces, m);
  }
  return m;
}

let nextSerial = 0;

/** The memo of the cluster of these members (ascending face indices), made on a miss; marks it recently used. */
function clusterMemo(memo: FacesMemo, members: readonly number[]): ClusterMemo {
  const key = membersKey(members);
  const had = memo.clusters.get(key);
  if (had) memo.clusters.delete(key);
  if (had && sameMembers(had.members, members)) {
    memo.clusters.set(key, had);
    return had;
  }
  if (had) memo.held -= memoWeight(had);
  const { U, dim, frameOf } = memo;
  const sum = new Float64Array(dim);
  addRows(U, dim, members, sum, 1);
  const made: ClusterMemo = {
    members,
    sum,
    frames: new Set(members.map((i) => frameOf[i])),
    pairs: new WeakMap(),
    serial: nextSerial++,
  };
  memo.clusters.set(key, made);
  memo.held += memoWeight(made);
  return made;
}

/**
 * Drops the least recently used clusters beyond MEMO_CUTS × n faces' worth (the cut's own clusters were used last; a
 * cut heavier than the bound loses some of its own, which its call still holds).
 */
function trimMemo(memo: FacesMemo, n: number): void {
  for (const [key, c] of memo.clusters) {
    if (memo.held <= MEMO_CUTS * n) break;
    memo.clusters.delete(key);
    memo.held -= memoWeight(c);
  }
}

/** A 64-bit hash of ascending face indices, with their count (two multiplicative 32-bit lanes). */
function membersKey(members: readonly number[]): string {
  let h1 = 0x9e3779b9 ^ members.length;
  let h2 = 0x7f4a7c15;
  for (const i of members) {
    h1 = Math.imul(h1 ^ i, 2654435761);
    h2 = Math.imul(h2 ^ i, 1597334677);
    h1 ^= h1 >>> 15;
    h2 ^= h2 >>> 13;
  }
  return `${members.length}:${(h1 >>> 0).toString(36)}:${(h2 >>> 0).toString(36)}`;
}

function sameMembers(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let t = 0; t < a.length; t++) if (a[t] !== b[t]) return false;
  return true;
}

/** Cluster c's members against cluster e. */
function pairMemo(c: ClusterMemo, e: ClusterMemo): PairMemo {
  let p = c.pairs.get(e);
  if (!p) c.pairs.set(e, (p = {}));
  return p;
}

/** Clusters c and e have faces in one frame (once per pair). */
function sharesFrame(c: ClusterMemo, e: ClusterMemo): boolean {
  const p = pairMemo(c, e);
  return (p.shared ??= shareFrame(c.frames, e.frames));
}

function shareFrame(a: Set<number>, b: Set<number>): boolean {
  const [s, l] = a.size <= b.size ? [a, b] : [b, a];
  for (const f of s) if (l.has(f)) return true;
  return false;
}

/** Cluster c's members against cluster e: which share a frame with e, and their dot products with e's sum (once per pair). */
function crossDotsOf(memo: FacesMemo, c: ClusterMemo, e: ClusterMemo): CrossDots {
  const p = pairMemo(c, e);
  if (!p.sameFrame) {
    const same = new Uint8Array(c.members.length);
    for (let t = 0; t < same.length; t++) if (e.frames.has(memo.frameOf[c.members[t]])) same[t] = 1;
    p.sameFrame = same;
  }
  p.dots ??= memberDots(memo, c.members, e.sum);
  return p as CrossDots;
}

function ownDotsOf(memo: FacesMemo, c: ClusterMemo): Float64Array {
  return (c.ownDots ??= memberDots(memo, c.members, c.sum));
}

function memberDots(memo: FacesMemo, members: readonly number[], v: Float64Array): Float64Array {
  const { U, dim } = memo;
  const dots = new Float64Array(members.length);
  for (let t = 0; t < members.length; t++) dots[t] = rowDot(U, members[t] * dim, v, 0, dim);
  return dots;
}

/** A cluster's 2-means parts and their sums (twoMeans), once per cluster. */
function splitOf(memo: FacesMemo, c: ClusterMemo, members: readonly number[]): Split | null {
  if (c.split !== undefined) return c.split;
  const { U, dim } = memo;
  const parts = twoMeans(U, dim, members);
  c.split = parts && {
    parts,
    means: [0, 1].map((t) => {
      const mu = new Float64Array(dim);
      addRows(U, dim, parts[t], mu, 1);
      return mu;
    }) as [Float64Array, Float64Array],
    shown: [],
    ids: [],
  };
  return c.split;
}

function unitRows(faces: readonly QuestionFace[], dim: number): Float32Array {
  const U = new Float32Array(faces.length * dim);
  for (let i = 0; i < faces.length; i++) {
    const v = faces[i].face;
    let s = 0;
    for (let j = 0; j < dim; j++) s += v[j] * v[j];
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    const o = i * dim;
    for (let j = 0; j < dim; j++) U[o + j] = v[j] * inv;
  }
  return U;
}

/** The clusters whose faces are on average most like face i (by mean cosine). */
function nearestClusters(U: Float32Array, i: number, dim: number, sum: Float64Array, members: readonly number[][]): number[] {
  const cand: [number, number][] = [];
  for (let c = 0; c < members.length; c++) {
    let s = 0;
    for (let j = 0; j < dim; j++) s += U[i * dim + j] * sum[c * dim + j];
    cand.push([c, s / members[c].length]);
  }
  return cand
    .sort((x, y) => y[1] - x[1] || x[0] - y[0])
    .slice(0, NEIGHBOURS)
    .map(([c]) => c);
}

/**
 * Two parts of a cluster's faces by 2-means on their unit vectors (seeds: the face least like the cluster's mean,
 * then the face least like it; a few Lloyd rounds), or null when a part is empty.
 */
function twoMeans(U: Float32Array, dim: number, m: readonly number[]): [number[], number[]] | null {
  const mean = new Float64Array(dim);
  addRows(U, dim, m, mean, 1);
  // The rounds (and the seeds) use at most SPLIT_SAMPLE faces (an even stride); every face then takes its nearer centre.
  const step = Math.max(1, Math.floor(m.length / SPLIT_SAMPLE));
  const sample = step === 1 ? m : m.filter((_, t) => t % step === 0);
  const s0 = leastLike(U, dim, sample, mean);
  let c0 = Float64Array.from(U.subarray(s0 * dim, (s0 + 1) * dim));
  const s1 = leastLike(U, dim, sample, c0);
  let c1 = Float64Array.from(U.subarray(s1 * dim, (s1 + 1) * dim));
  let parts: [number[], number[]] = [[], []];
  for (let round = 0; round < 5; round++) {
    const next = nearerCentre(U, dim, sample, c0, c1);
    if (next[0].length === 0 || next[1].length === 0) return null;
    const same = next[0].length === parts[0].length && next[0].every((i, t) => parts[0][t] === i);
    parts = next;
    if (same) break;
    c0 = new Float64Array(dim);
    addRows(U, dim, parts[0], c0, parts[0].length);
    c1 = new Float64Array(dim);
    addRows(U, dim, parts[1], c1, parts[1].length);
  }
  if (sample !== m) {
    parts = nearerCentre(U, dim, m, c0, c1);
    if (parts[0].length === 0 || parts[1].length === 0) return null;
  }
  return parts;
}

/** Adds rows `rows` of U, each divided by `div` (1: a sum), to `into`. */
function addRows(U: Float32Array, dim: number, rows: readonly number[], into: Float64Array, div: number): void {
  for (const i of rows) {
    const io = i * dim;
    if (div === 1) for (let j = 0; j < dim; j++) into[j] += U[io + j];
    else for (let j = 0; j < dim; j++) into[j] += U[io + j] / div;
  }
}

/** The row of `rows` least like `v` (lowest dot product; the first of equals). */
function leastLike(U: Float32Array, dim: number, rows: readonly number[], v: Float64Array): number {
  let best = rows[0];
  let low = Infinity;
  for (const i of rows) {
    const d = rowDot(U, i * dim, v, 0, dim);
    if (d < low) {
      low = d;
      best = i;
    }
  }
  return best;
}

/** Each row to its nearer centre: |x − c|² = |x|² − 2 x·c + |c|² (ties to c0). */
function nearerCentre(U: Float32Array, dim: number, rows: readonly number[], c0: Float64Array, c1: Float64Array): [number[], number[]] {
  const h0 = sumsDot(c0, 0, c0, 0, dim) / 2;
  const h1 = sumsDot(c1, 0, c1, 0, dim) / 2;
  const next: [number[], number[]] = [[], []];
  for (const i of rows) next[rowDot(U, i * dim, c0, 0, dim) - h0 >= rowDot(U, i * dim, c1, 0, dim) - h1 ? 0 : 1].push(i);
  return next;
}
