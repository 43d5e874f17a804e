// rankPeopleAbove (the suggestions' batched scoring) against rankPeople, its definition, on real face descriptors:
// the labelled sets' face-api descriptors, people enrolled from half of each identity's faces, queried with the
// other half as clusters, single faces and mixed clusters. Scores must be bit-identical and the order the same.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildGallery, meanUnit, rankPeople, rankPeopleAbove, RECOGNITION, QUALITY_GATE } from '../../../libs/recognition/index.js';
import { labelledFaces } from '../../../bench/labelled-faces.js';
import { LABELLED_SET_NAMES, missingSources } from '../../../bench/labelled-sets.js';

test('rankPeopleAbove equals rankPeople filtered at each threshold, score for score, on real descriptors', async (t) => {
  const names = LABELLED_SET_NAMES.filter((n) => !missingSources(n));
  if (names.length === 0) return t.skip(LABELLED_SET_NAMES.map((n) => missingSources(n)).join('; '));
  for (const name of names) {
    const set = await labelledFaces(name);
    const byId = new Map<string, Float32Array[]>();
    set.faces.forEach((f, i) => {
      const id = set.truth[i];
      if (id !== null) byId.set(id, [...(byId.get(id) ?? []), Float32Array.from(f.face)]);
    });
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
