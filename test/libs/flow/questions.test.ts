// Questions about a cut (libs/flow questions.ts): each kind where the cut is wrong, none where a constraint or a
// shared frame answers it, stable ids, answers as people edits; and on real faces (the labelled set "mixed", whose
// default cut holds two lookalikes in one cluster) an oracle's answers reach NMI ≥ 0.99 and never lower it.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { scoreLabels } from '../../../libs/clustering/index.js';
import { DEFAULT_CLUSTER } from '../../../libs/config/index.js';
import {
  answerEdits,
  askQuestions,
  clusterFaces,
  questionsFor,
  type PersonConstraint,
  type QuestionFace,
  type QuestionInput,
} from '../../../libs/flow/index.js';
import { rng } from '../../../bench/seeded.js';
import { applyEdits } from '../../../bench/questions.js';
import { labelledFaces } from '../../../bench/labelled-faces.js';
import { missingSources } from '../../../bench/labelled-sets.js';

const DIM = 16;
const random = rng(7);
/** Identity k's centre: a unit axis (identities are orthogonal: far apart). */
const centre = (k: number) => Array.from({ length: DIM }, (_, j) => (j === k ? 1 : 0));
let nextId = 1;
/** A face of identity k in `frame`: its centre plus a little noise. */
const face = (k: number, frame: number): QuestionFace => ({ id: nextId++, frame, face: centre(k).map((v) => v + (random() - 0.5) * 0.1) });

/** Faces of identities per cluster: `spec[c]` lists the identity of each face of cluster c; frames all distinct. */
function video(spec: number[][]): { faces: QuestionFace[]; labels: number[]; identity: number[] } {
  const faces: QuestionFace[] = [];
  const labels: number[] = [];
  const identity: number[] = [];
  spec.forEach((ks, c) =>
    ks.forEach((k) => {
      faces.push(face(k, faces.length));
      labels.push(c);
      identity.push(k);
    }),
  );
  return { faces, labels, identity };
}

const idsOf = (v: { faces: QuestionFace[]; labels: number[] }, c: number) => v.faces.filter((_, i) => v.labels[i] === c).map((f) => f.id);

describe('questionsFor', () => {
  test('built as read: a page is the first questions of the whole list; equal gains by id; a lookup by id finds any', () => {
    // Two clusters of one exact vector: every face's move has the same p (0.5), so its gain ties with the others'.
    const same = (n: number, frame0: number) => Array.from({ length: n }, (_, i) => ({ id: nextId++, frame: frame0 + i, face: centre(3) }));
    const v = { faces: [...same(3, 0), ...same(3, 3)], labels: [0, 0, 0, 1, 1, 1] };
    const all = questionsFor(v);
    const moves = all.filter((q) => q.kind === 'move');
    assert.equal(moves.length, 6);
    assert.ok(moves.every((q) => q.gain === moves[0].gain));
    assert.deepEqual(
      moves.map((q) => q.id),
      moves.map((q) => q.id).sort(),
      'equal gains in id order',
    );
    for (let k = 0; k <= all.length + 1; k++) assert.deepEqual(askQuestions(v).page(k), all.slice(0, k), `page of ${k}`);
    const list = askQuestions(v);
    assert.equal(list.length, all.length);
    for (const q of all) assert.deepEqual(list.find(q.id), q);
    assert.equal(list.find('0000000000000000'), undefined);
  });

  test('a page past 64 questions, its last gain tied with the next ones: the prefix of the whole list', () => {
    // Two clusters of one exact vector (their 80 moves tie at p 0.5) and a third near them: its moves rank after those.
    const same = (n: number, frame0: number, v: number[]) => Array.from({ length: n }, (_, i) => ({ id: nextId++, frame: frame0 + i, face: v }));
    const near = centre(3).map((x, j) => (j === 5 ? 0.05 : x));
    const faces = [...same(40, 0, centre(3)), ...same(40, 40, centre(3)), ...same(3, 80, near)];
    const v = { faces, labels: faces.map((_, i) => (i < 40 ? 0 : i < 80 ? 1 : 2)) };
    const all = questionsFor(v);
    const tie = all.find((q) => q.kind === 'move')!.gain;
    assert.equal(all.filter((q) => q.gain === tie).length, 80);
    const after = all.findIndex((q) => q.gain < tie);
    assert.ok(after > 64 && after < all.length, `lower gains after the ties (${after} of ${all.length})`);
    for (const k of [1, 10, 63, 64, 65, 70, after - 1, after, after + 1, all.length])
      assert.deepEqual(askQuestions(v).page(k), all.slice(0, k), `page of ${k}`);
    const list = askQuestions(v);
    assert.deepEqual(list.page(70), all.slice(0, 70));
    assert.deepEqual(list.page(5), all.slice(0, 5), 'a smaller page after a larger one');
    assert.deepEqual(list.all(), all);
  });

  test('one person in two clusters: the best question asks to merge them, with yes likely', () => {
    const v = video([
      [0, 0, 0, 0, 0],
      [0, 0, 0],
      [1, 1, 1, 1],
    ]);
    const [q] = questionsFor(v);
    assert.equal(q.kind, 'merge');
    assert.deepEqual([q.a.cluster, q.b.cluster], [0, 1]);
    assert.ok(q.p > 0.9, `p ${q.p}`);
    assert.equal(q.moved, 3);
    assert.ok(Math.abs(q.gain - q.p * 3) < 1e-12);
    assert.ok(q.a.faces.length <= 4 && q.a.faces.every((f) => idsOf(v, 0).includes(f)));
    assert.deepEqual(q.b.members, idsOf(v, 1));
    // Different people: a merge is unlikely.
    const other = questionsFor(v).find((x) => x.kind === 'merge' && [x.a.cluster, x.b.cluster].includes(2));
    assert.ok(!other || other.p < 0.01);
  });

  test('two clusters sharing a frame are never asked to merge', () => {
    const v = video([
      [0, 0, 0, 0],
      [0, 0, 0],
    ]);
    v.faces[4].frame = v.faces[0].frame;
    assert.equal(questionsFor(v).filter((q) => q.kind === 'merge').length, 0);
  });

  test('two clusters carrying two people are never asked to merge (every two people are a cannot-link)', () => {
    const v = video([
      [0, 0, 0, 0],
      [0, 0, 0],
    ]);
    const people: PersonConstraint[] = [
      { id: 'p', faces: [idsOf(v, 0)[0]] },
      { id: 'q', faces: [idsOf(v, 1)[0]] },
    ];
    assert.equal(questionsFor({ ...v, people }).filter((q) => q.kind === 'merge').length, 0);
    // One person only: asked, with the person's side first, and a yes confirms the other cluster for them.
    const [q] = questionsFor({ ...v, people: [people[0]] }).filter((x) => x.kind === 'merge');
    assert.equal(q.a.person, 'p');
    assert.deepEqual(answerEdits(q, true), [{ op: 'confirm', person: 'p', faces: idsOf(v, 1) }]);
    assert.deepEqual(answerEdits(q, false), [{ op: 'reject', person: 'p', faces: q.b.faces }]);
  });

  test('an answered question is never asked again, and ids are stable', () => {
    const v = video([
      [0, 0, 0, 0, 0],
      [0, 0, 0],
      [1, 1, 1, 1],
    ]);
    const first = questionsFor(v);
    assert.deepEqual(
      questionsFor(v).map((q) => q.id),
      first.map((q) => q.id),
    );
    assert.equal(new Set(first.map((q) => q.id)).size, first.length);
    for (const same of [true, false]) {
      const people = new Map<string, PersonConstraint>();
      applyEdits(people, answerEdits(first[0], same), () => 'p');
      const after = questionsFor({ ...v, people: [...people.values()] });
      assert.ok(!after.some((q) => q.id === first[0].id), `asked again after ${same}`);
      if (!same) assert.ok(!after.some((q) => q.kind === 'merge' && q.a.cluster !== 2 && q.b.cluster !== 2), 'the two clusters are cannot-linked');
    }
  });

  test('a face in the wrong cluster: a move question names the cluster of its person', () => {
    const v = video([
      [0, 0, 0, 0, 1],
      [1, 1, 1, 1],
    ]);
    const moves = questionsFor(v).filter((q) => q.kind === 'move');
    assert.equal(moves[0].a.faces[0], v.faces[4].id);
    assert.equal(moves[0].b.cluster, 1);
    assert.ok(moves[0].p > 0.9);
    assert.ok(moves.slice(1).every((q) => q.p < 0.01));
    // No: the face is rejected from the other cluster (made a person from its faces) and never asked again.
    const people = new Map<string, PersonConstraint>();
    assert.deepEqual(answerEdits(moves[0], false), [{ op: 'create', faces: idsOf(v, 1), exclude: [v.faces[4].id] }]);
    applyEdits(people, answerEdits(moves[0], false), () => 'p');
    assert.ok(!questionsFor({ ...v, people: [...people.values()] }).some((q) => q.id === moves[0].id));
  });

  test('two people in one cluster: a split question parts them, and a no makes both parts people', () => {
    const v = video([
      [0, 0, 0, 0, 1, 1, 1],
      [2, 2, 2, 2],
    ]);
    const [q] = questionsFor(v);
    assert.equal(q.kind, 'split');
    const parts = [q.a.members, q.b.members].map((m) => m.map((id) => v.identity[v.faces.findIndex((f) => f.id === id)]));
    assert.deepEqual(parts, [
      [0, 0, 0, 0],
      [1, 1, 1],
    ]);
    assert.ok(q.p > 0.9);
    const edits = answerEdits(q, false);
    assert.deepEqual(edits, [
      { op: 'create', faces: q.a.members, exclude: [] },
      { op: 'create', faces: q.b.members, exclude: [] },
    ]);
    // One person's cluster parted as two: the split is not asked once both parts are confirmed as one person.
    const pure = video([[0, 0, 0, 0, 0, 0]]);
    const ids = idsOf(pure, 0);
    assert.ok(questionsFor({ ...pure, people: [{ id: 'p', faces: ids }] }).every((x) => x.kind !== 'split'));
  });

  test('a suggested person is asked about its cluster unless a face of it was rejected from them', () => {
    const v = video([[0, 0, 0, 0]]);
    const suggestions = [{ cluster: 0, person: 'p', score: 0.95, exemplars: [900, 901] }];
    const [q] = questionsFor({ ...v, suggestions });
    assert.equal(q.kind, 'person');
    assert.deepEqual(q.b, { faces: [900, 901], members: [], cluster: null, person: 'p' });
    assert.deepEqual(answerEdits(q, true), [{ op: 'confirm', person: 'p', faces: idsOf(v, 0) }]);
    const people = [{ id: 'p', faces: [900], rejected: [idsOf(v, 0)[2]] }];
    assert.equal(questionsFor({ ...v, people, suggestions }).filter((x) => x.kind === 'person').length, 0);
  });
});

describe('questions kept across cuts (per-cluster memo on the faces array)', () => {
  /** The questions of a cut asked on a copy of the faces array: no memo of any earlier cut. */
  const fresh = (input: QuestionInput) => JSON.stringify(questionsFor({ ...input, faces: [...input.faces] }));
  const asked = (input: QuestionInput) => JSON.stringify(questionsFor(input));

  test('a cluster of the same size and first face but other members is not taken for the one before', () => {
    // Faces 0-4 of identity 0, 5-9 of identity 1; cut 1 swaps faces 4 and 9; cut 2 parts them right. Cluster 0 keeps
    // its size and first face (0), so a memo keyed by those would reuse cut 1's sums and 2-means.
    const v = video([
      [0, 0, 0, 0, 0],
      [1, 1, 1, 1, 1],
    ]);
    const swapped = [0, 0, 0, 0, 1, 1, 1, 1, 1, 0];
    const cuts = [swapped, v.labels, swapped, v.labels];
    for (const labels of cuts) assert.equal(asked({ faces: v.faces, labels }), fresh({ faces: v.faces, labels }));
    assert.notEqual(fresh({ faces: v.faces, labels: swapped }), fresh({ faces: v.faces, labels: v.labels }));
  });

  test('cluster ids of any values (not small counts as a report has) ask the same questions about the same clusters', () => {
    const v = video([[0, 0, 0, 0, 1], [1, 1, 1], [2, 2, 2, 2, 0], [0]]);
    const odd = [-5, 1e9, 2.5, 7];
    const shifted = questionsFor({ faces: v.faces, labels: v.labels.map((l) => odd[l]) });
    const back = (c: number | null) => (c === null ? null : odd.indexOf(c));
    assert.deepEqual(
      shifted.map((q) => ({ ...q, a: { ...q.a, cluster: back(q.a.cluster) }, b: { ...q.b, cluster: back(q.b.cluster) } })),
      questionsFor(v),
    );
  });

  test('a sequence of cuts (slider steps up and down, swaps, people, suggestions) asks what a fresh page asks', () => {
    const r = rng(24);
    // 90 faces of 9 identities, three faces a frame (frames shared across identities: cannot-links).
    const faces: QuestionFace[] = Array.from({ length: 90 }, (_, i) => ({ ...face(i % 9, 0), frame: Math.floor(i / 3) }));
    const identity = faces.map((_, i) => i % 9);
    // A cut: each identity's cluster, with `wrong` faces in a neighbour's and, by `joined`, identities joined.
    const cut = (wrong: number, joined: number): (number | null)[] =>
      identity.map((k, i) => {
        const c = k < joined ? 0 : k;
        return i % 17 < wrong ? (c + 1) % 9 : i === 89 && wrong > 3 ? null : c;
      });
    const labels: (number | null)[][] = [];
    for (let s = 0; s < 6; s++) labels.push(cut(s, 0));
    for (let s = 6; s-- > 0;) labels.push(cut(s, s % 3));
    for (let t = 0; t < 10; t++) {
      // A swap of two faces between clusters: every size kept.
      const l = [...labels[Math.floor(r() * labels.length)]];
      const [a, b] = [Math.floor(r() * 90), Math.floor(r() * 90)];
      [l[a], l[b]] = [l[b], l[a]];
      labels.push(l);
    }
    const people: PersonConstraint[] = [
      { id: 'p', faces: [faces[0].id, faces[9].id], rejected: [faces[1].id] },
      { id: 'q', faces: [faces[4].id], rejected: [faces[13].id, faces[22].id] },
    ];
    const suggestions = [{ cluster: 5, person: 's', score: 0.94, exemplars: [900] }];
    let n = 0;
    for (const [t, l] of labels.entries())
      for (const extra of [{}, { people }, { people: people.slice(1), suggestions }]) {
        const input = { faces, labels: l, ...extra };
        assert.equal(asked(input), fresh(input), `cut ${t}`);
        // A page reads the same questions as the whole list.
        assert.deepEqual(askQuestions(input).page(5), questionsFor(input).slice(0, 5));
        n++;
      }
    assert.ok(n >= 60);
  });
});

test('an oracle on real faces: the default cut of "mixed" is right after one answer, and no answer lowers NMI', { skip: missingSources('mixed') }, async () => {
  const set = await labelledFaces('mixed');
  const truthOf = new Map(set.faces.map((f, i) => [f.id, set.truth[i]]));
  const people = new Map<string, PersonConstraint>();
  let n = 0;
  const cut = () =>
    clusterFaces(set.faces, DEFAULT_CLUSTER, undefined, { sample_interval_s: set.fingerprints.sample_interval_s, people: [...people.values()] }).labels;
  const nmi = (labels: (number | null)[]) =>
    scoreLabels(
      set.truth,
      labels.map((l) => (l === null ? null : String(l))),
    ).nmi_all;
  const identity = (shown: number[]) => {
    const votes = new Map<string, number>();
    for (const f of shown) if (truthOf.get(f)) votes.set(truthOf.get(f)!, (votes.get(truthOf.get(f)!) ?? 0) + 1);
    return [...votes].sort((a, b) => b[1] - a[1])[0]?.[0] ?? null;
  };
  let labels = cut();
  const scores = [nmi(labels)];
  assert.ok(scores[0] < 0.99, `the default cut is already right (${scores[0]}): the test needs another set`);
  const asked = new Set<string>();
  for (let k = 0; k < 6; k++) {
    const q = questionsFor({ faces: set.faces, labels, people: [...people.values()] }).find((x) => identity(x.a.faces) && identity(x.b.faces));
    if (!q) break;
    assert.ok(!asked.has(q.id), `question ${q.id} asked twice`);
    asked.add(q.id);
    applyEdits(people, answerEdits(q, identity(q.a.faces) === identity(q.b.faces)), () => `p${n++}`);
    labels = cut();
    scores.push(nmi(labels));
  }
  assert.ok(scores[1] >= 0.99, `NMI after one answer ${scores[1]}`);
  for (let k = 1; k < scores.length; k++) assert.ok(scores[k] >= scores[k - 1] - 1e-9, `answer ${k} lowered NMI: ${scores.join(', ')}`);
});
