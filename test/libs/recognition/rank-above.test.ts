// rankPeopleAbove (the suggestions' batched scoring) against rankPeople, its definition, on real face descriptors:
// the labelled sets' face-api descriptors, people enrolled from half of each identity's faces, queried with the
// other half as clusters, single faces and mixed clusters. Scores must be bit-identical and the order the same.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  buildGallery,
  galleryDelta,
  meanUnit,
  rankPeople,
  rankPeopleAbove,
  rerankPeopleAbove,
  RECOGNITION,
  QUALITY_GATE,
} from '../../../libs/recognition/index.js';
import { labelledFaces } from '../../../bench/labelled-faces.js';
import { LABELLED_SET_NAMES, missingSources } from '../../../bench/labelled-sets.js';

/** A labelled set's face descriptors by identity (unlabelled faces left out). */
async function facesByIdentity(name: string): Promise<Map<string, Float32Array[]>> {
  const set = await labelledFaces(name);
  const byId = new Map<string, Float32Array[]>();
  set.faces.forEach((f, i) => {
    const id = set.truth[i];
    if (id !== null) byId.set(id, [...(byId.get(id) ?? []), Float32Array.from(f.face)]);
  });
  return byId;
}

test('rankPeopleAbove equals rankPeople filtered at each threshold, score for score, on real descriptors', async (t) => {
  const names = LABELLED_SET_NAMES.filter((n) => !missingSources(n));
  if (names.length === 0) return t.skip(LABELLED_SET_NAMES.map((n) => missingSources(n)).join('; '));
  for (const name of names) {
    const byId = await facesByIdentity(name);
    const ids = [...byId.keys()].sort();
    const gallery = buildGallery(
      ids.map((id) => ({ person: id, faces: byId.get(id)!.filter((_, j) => j % 2 === 0) })),
      { maxExemplars: RECOGNITION.maxExemplars },
    );
    const rest = ids.map((id) => byId.get(id)!.filter((_, j) => j % 2 === 1)).filter((fs) => fs.length > 0);
    // Clusters of one identity, single faces, and mixed clusters (two identities): an odd count, so both kernels run.
    const queries = [...rest, ...rest.map((fs) => [fs[0]]), ...rest.slice(1).map((fs, i) => [...fs, ...rest[i]])];
    if (queries.length % 2 === 0) queries.pop();
    for (const min of [-Infinity, 0.5, RECOGNITION.threshold, QUALITY_GATE.raisedThreshold]) {
      for (const k of [1, 3]) {
        const got = rankPeopleAbove(
          gallery,
          queries.map((q) => meanUnit(q)),
          { k, minScores: queries.map(() => min) },
        );
        const want = queries.map((q) =>
          rankPeople(gallery, q, { k })
            .filter((s) => s.score >= min)
            .map((s) => ({ index: gallery.people.indexOf(s.person), score: s.score })),
        );
        assert.deepStrictEqual(got, want, `${name}, min ${min}, k ${k}`);
      }
    }
    // The thresholds matter: some queries pass, some do not.
    const passing = rankPeopleAbove(
      gallery,
      queries.map((q) => meanUnit(q)),
      { k: 1, minScores: queries.map(() => RECOGNITION.threshold) },
    );
    assert.ok(passing.some((r) => r.length > 0) && passing.some((r) => r.length === 0), `${name}: some queries named, some not`);
  }
});

test('rerankPeopleAbove after a gallery edit equals rankPeopleAbove on the new gallery, score for score and in order', async (t) => {
  const names = LABELLED_SET_NAMES.filter((n) => !missingSources(n));
  if (names.length === 0) return t.skip(LABELLED_SET_NAMES.map((n) => missingSources(n)).join('; '));
  for (const name of names) {
    const byId = await facesByIdentity(name);
    const ids = [...byId.keys()].sort();
    if (ids.length < 4) continue;
    const even = (id: string) => byId.get(id)!.filter((_, j) => j % 2 === 0);
    const odd = (id: string) => byId.get(id)!.filter((_, j) => j % 2 === 1);
    const opts = { maxExemplars: RECOGNITION.maxExemplars };
    const before = buildGallery(
      ids.slice(1).map((id) => ({ person: id, faces: even(id) })),
      opts,
    );
    // The edit: ids[0] is new, ids[1] is deleted, ids[2] has other faces, a twin of ids[3] (same faces: equal scores)
    // is new, and the order of the people changes.
    const after = buildGallery(
      [
        { person: ids[0], faces: even(ids[0]) },
        ...ids
          .slice(2)
          .reverse()
          .map((id) => ({ person: id, faces: id === ids[2] ? [...odd(id), ...even(id)] : even(id) })),
        { person: `${ids[3]} twin`, faces: even(ids[3]) },
      ],
      opts,
    );
    const delta = galleryDelta(before, after, (p) => p);
    assert.deepEqual(
      [...delta.changed].map((p) => after.people[p]).sort(),
      [ids[0], `${ids[3]} twin`, ...(odd(ids[2]).length > 0 ? [ids[2]] : [])].sort(),
      `${name}: the changed people`,
    );
    const queries = ids.map((id) => odd(id)).filter((fs) => fs.length > 0);
    for (const min of [-Infinity, RECOGNITION.threshold]) {
      const was = rankPeopleAbove(
        before,
        queries.map((q) => meanUnit(q)),
        { k: RECOGNITION.k, minScores: queries.map(() => min) },
      );
      const want = rankPeopleAbove(
        after,
        queries.map((q) => meanUnit(q)),
        { k: RECOGNITION.k, minScores: queries.map(() => min) },
      );
      const got = queries.map((q, i) => rerankPeopleAbove(after, meanUnit(q), was[i], delta, { k: RECOGNITION.k, minScore: min }));
      assert.deepStrictEqual(got, want, `${name}, min ${min}`);
      if (min === -Infinity)
        assert.ok(
          want.some((r) => r.some((h, j) => j > 0 && h.score === r[j - 1].score)),
          `${name}: the twins tie`,
        );
    }
  }
});
