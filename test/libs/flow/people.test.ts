// People's constraints in the clustering, on real fingerprints (a labelled set analysed by keycast,
// bench/labelled-faces.ts): every invariant for every linkage, several sims, the reference flow and
// keycast's switches; no people → bit-identical results; the linkage key follows the constraints.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_CLUSTER, resolveClusterOptions, type ClusterOptions } from '../../../libs/config/index.js';
import { mustLinkUnits, pairGroups, applyMinSize, singletonUnits } from '../../../libs/clustering/index.js';
import { clusterFaces, linkageKey, peopleInVideo, peopleOfClusters, type ClusterableFace, type PersonConstraint } from '../../../libs/flow/index.js';
import { labelledFaces } from '../../../bench/labelled-faces.js';

let faces: ClusterableFace[];
let truth: (string | null)[];
/** Face ids of each true identity, in time order. */
let byId: Map<string, number[]>;

before(async () => {
  const set = await labelledFaces('demo-samples');
  faces = set.faces;
  truth = set.truth;
  byId = new Map();
  faces.forEach((f, i) => {
    const t = truth[i];
    if (t !== null) byId.set(t, [...(byId.get(t) ?? []), f.id]);
  });
});

/** The identities with the most faces, largest first. */
const big = () => [...byId.entries()].sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0]));

const METHODS = ['average', 'single', 'complete'] as const;
const SIMS = [0.3, 0.5, 0.63, 0.8, 'auto'] as const;
/** The reference flow (numeric sim, switches off), keycast's defaults, and tracks + merging on. */
const FLOWS: Partial<ClusterOptions>[] = [{ cannot_link: false, tracks: false, quality_weighting: false }, {}, { tracks: true, merge: true }];

function labelsOf(people: PersonConstraint[] | undefined, over: Partial<ClusterOptions>) {
  const opts = resolveClusterOptions({ ...over });
  return clusterFaces(faces, opts, undefined, { people }).labels;
}

/** Checks every invariant of the people on `labels`; returns the person clusters. */
function checkInvariants(people: PersonConstraint[], labels: (number | null)[], what: string): Map<string, number> {
  const at = new Map(faces.map((f, i) => [f.id, i]));
  const clusterOf = new Map<string, number>();
  for (const p of people) {
    const ls = p.faces.filter((id) => at.has(id)).map((id) => labels[at.get(id)!]);
    if (ls.length === 0) continue;
    assert.ok(
      ls.every((l) => l !== null),
      `${what}: a confirmed face of ${p.id} was dropped (min_csize)`,
    );
    assert.equal(new Set(ls).size, 1, `${what}: confirmed faces of ${p.id} in ${new Set(ls).size} clusters`);
    clusterOf.set(p.id, ls[0]);
    for (const r of p.rejected ?? []) {
      if (at.has(r)) assert.notEqual(labels[at.get(r)!], ls[0], `${what}: face ${r} rejected from ${p.id} is in its cluster`);
    }
  }
  assert.equal(new Set(clusterOf.values()).size, clusterOf.size, `${what}: two people share a cluster`);
  return clusterOf;
}

describe('people in the clustering (real fingerprints)', () => {
  let people: PersonConstraint[];
  before(() => {
    const [[a, aFaces], [b, bFaces], [, cFaces], [, dFaces]] = big();
    people = [
      // A's first and last faces, with one face of B rejected from A (B is a different person: the cut must keep it out).
      { id: `p-${a}`, faces: [aFaces[0], aFaces[aFaces.length - 1]], rejected: [bFaces[0], cFaces[1]] },
      // B confirmed with one face of C: a wrong merge the user insists on; the must-link holds anyway.
      { id: `p-${b}`, faces: [bFaces[1], bFaces[2], cFaces[0]] },
      // One face of D alone: a person of one face is never dropped by min_csize.
      { id: `p-${dFaces[0]}`, faces: [dFaces[0]] },
      // Faces of another video only: no constraint here.
      { id: 'elsewhere', faces: [999_999], rejected: [aFaces[1]] },
    ];
    assert.ok(aFaces.length >= 5 && bFaces.length >= 3 && cFaces.length >= 2, 'the set has identities with several faces');
  });

  for (const flow of FLOWS) {
    for (const method of METHODS) {
      test(`every constraint holds: ${method}, ${JSON.stringify(flow)}, sims ${SIMS.join(', ')}`, () => {
        for (const sim of SIMS) {
          for (const min_csize of [2, 5]) {
            const labels = labelsOf(people, { ...flow, method, sim, min_csize });
            checkInvariants(people, labels, `${method} sim ${sim} min_csize ${min_csize} ${JSON.stringify(flow)}`);
          }
        }
      });
    }
  }

  test('the checks can fail: without the constraints, these people are broken at some setting', () => {
    let broken = 0;
    for (const flow of FLOWS)
      for (const sim of SIMS) {
        try {
          checkInvariants(people, labelsOf(undefined, { ...flow, sim }), 'unconstrained');
        } catch {
          broken++;
        }
      }
    assert.ok(broken >= FLOWS.length * SIMS.length - 1, `only ${broken} unconstrained settings break them`);
  });

  test('no people, people of other videos only, or an empty list: bit-identical to the unconstrained clustering (labels and tree)', () => {
    for (const flow of FLOWS) {
      for (const method of METHODS) {
        for (const sim of [0.5, 'auto'] as const) {
          const opts = resolveClusterOptions({ ...flow, method, sim });
          const plain = clusterFaces(faces, opts);
          for (const p of [undefined, [], [{ id: 'x', faces: [999_999], rejected: [faces[0].id] }]]) {
            const r = clusterFaces(faces, opts, undefined, { people: p });
            assert.deepEqual(r.labels, plain.labels);
            assert.deepEqual(r.cache?.Z, plain.cache?.Z);
            assert.equal(r.cache?.maxDist, plain.cache?.maxDist);
          }
          assert.equal(peopleInVideo(faces, [{ id: 'x', faces: [999_999] }]), null);
        }
      }
    }
  });

  test('a fix spreads: confirming two faces of a person that the cut splits joins them, and unconfirmed faces of that person follow', () => {
    // Find an identity the unconstrained default cut splits, and a sim where it does.
    let found = false;
    for (const sim of [0.7, 0.8, 0.9] as const) {
      const base = labelsOf(undefined, { sim });
      for (const [id, ids] of big()) {
        const idx = ids.map((x) => faces.findIndex((f) => f.id === x));
        const parts = new Set(idx.map((i) => base[i]).filter((l) => l !== null));
        if (parts.size < 2) continue;
        // One face from each of the two largest parts.
        const count = new Map<number, number[]>();
        for (const i of idx) if (base[i] !== null) count.set(base[i], [...(count.get(base[i]) ?? []), i]);
        const [p1, p2] = [...count.values()].sort((a, b) => b.length - a.length);
        const confirmed = [faces[p1[0]].id, faces[p2[0]].id];
        const labels = labelsOf([{ id: 'p', faces: confirmed }], { sim });
        const cl = labels[p1[0]];
        assert.equal(labels[p2[0]], cl);
        const followers = idx.filter((i) => labels[i] === cl && !confirmed.includes(faces[i].id));
        assert.ok(followers.length > 0, `${id} at sim ${sim}: no unconfirmed face followed the two confirmed ones`);
        const togetherBefore = Math.max(p1.length, p2.length);
        const togetherAfter = idx.filter((i) => labels[i] === cl).length;
        assert.ok(togetherAfter > togetherBefore, `${id} at sim ${sim}: ${togetherAfter} faces together after, ${togetherBefore} before`);
        found = true;
        break;
      }
      if (found) break;
    }
    assert.ok(found, 'some identity is split at a high sim');
  });

  test('the cluster of a person carries it; the rejected face lands elsewhere', () => {
    const labels = labelsOf(people, {});
    const carried = peopleOfClusters(faces, labels, people);
    const clusters = checkInvariants(people, labels, 'defaults');
    for (const [pid, c] of clusters) assert.equal(carried.get(c), pid);
    assert.equal([...carried.values()].includes('elsewhere'), false);
  });

  test('contradictions are refused: a face confirmed for two people, or confirmed and rejected for one', () => {
    const f = faces[0].id;
    assert.throws(
      () =>
        peopleInVideo(faces, [
          { id: 'a', faces: [f] },
          { id: 'b', faces: [f] },
        ]),
      /two people/,
    );
    assert.throws(() => peopleInVideo(faces, [{ id: 'a', faces: [f], rejected: [f] }]), /both confirmed/);
  });

  test('the linkage key carries a fingerprint of the constraints: it changes with them, not with names, ids or other videos', () => {
    const opts = { ...DEFAULT_CLUSTER };
    const fp = (p: PersonConstraint[]) => peopleInVideo(faces, p)?.fingerprint ?? null;
    const a = fp(people);
    assert.ok(a && /^[0-9a-f]{16}$/.test(a));
    assert.deepEqual(linkageKey(opts, a), { shape: linkageKey(opts).shape, people: a });
    assert.deepEqual(linkageKey(opts, null), linkageKey(opts), 'no people: the key of today');
    assert.deepEqual(linkageKey({ ...opts, sim: 0.5, cannot_link: false, quality_weighting: false, shot_aware: false }, a), {
      shape: { flow: 'reference', face_cloth_weights: [1, 1], method: 'average' },
      people: a,
    });
    // Renamed ids and reordered people: same constraints, same tree.
    assert.equal(fp([...people].reverse().map((p, i) => ({ ...p, id: `renamed-${i}` }))), a);
    assert.equal(fp([...people, { id: 'z', faces: [123_456_789] }]), a);
    // One more confirmed face, one more rejection: another tree.
    const more = people.map((p, i) => (i === 0 ? { ...p, faces: [...p.faces, byId.get(big()[0][0])![1]] } : p));
    assert.notEqual(fp(more), a);
    const rej = people.map((p, i) => (i === 1 ? { ...p, rejected: [big()[0][1][2]] } : p));
    assert.notEqual(fp(rej), a);
  });

  test('a cached tree of the same constraints is cut to the same labels', () => {
    for (const sim of [0.4, 'auto'] as const) {
      const opts = resolveClusterOptions({ sim });
      const r = clusterFaces(faces, opts, undefined, { people });
      const again = clusterFaces(faces, opts, r.cache, { people });
      assert.deepEqual(again.labels, r.labels);
    }
  });
});

describe('must-link units and pair groups (libs/clustering)', () => {
  test('groups become one unit each; constrained points leave their base unit; numbering by first point', () => {
    const base = { unitOf: Int32Array.from([0, 0, 1, 1, 2]), count: 3 };
    const u = mustLinkUnits(base, [[1, 4]], [2]);
    // point 0 keeps unit {0}; 1 and 4 joined; 2 detached; 3 keeps the rest of its track
    assert.deepEqual([...u.unitOf], [0, 1, 2, 3, 1]);
    assert.equal(u.count, 4);
    assert.deepEqual([...mustLinkUnits(singletonUnits(3), []).unitOf], [0, 1, 2]);
    assert.throws(() => mustLinkUnits(singletonUnits(2), [[0, 5]]), RangeError);
  });

  test('pair groups: each pair its own negative group, held by its two units only', () => {
    assert.deepEqual(
      pairGroups(3, [
        [0, 1],
        [0, 2],
      ]),
      [[-1, -2], [-1], [-2]],
    );
    assert.throws(() => pairGroups(2, [[0, 0]]), RangeError);
  });

  test('applyMinSize keeps a pinned cluster whatever its size, and is unchanged without pins', () => {
    const labels = [5, 5, 7, 9, 9, 9];
    assert.deepEqual(applyMinSize(labels, 3), [null, null, null, 0, 0, 0]);
    assert.deepEqual(applyMinSize(labels, 3, [0, 0, 1, 0, 0, 0]), [null, null, 1, 0, 0, 0]);
  });
});
