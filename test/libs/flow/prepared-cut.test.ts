// clusterFaces with a kept preparation (ClusterContext.prepared, what ClusterService keeps with each cached tree):
// the cuts of one tree reuse the units, the rules and the tree's conflicting nodes, and must equal the cuts made
// from scratch, whatever the sims, cut options, sampling and people in turn.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveClusterOptions, type ClusterOptions } from '../../../libs/config/index.js';
import {
  clusterFaces,
  linkageKey,
  linkageKeyText,
  peopleInVideo,
  type ClusterableFace,
  type PersonConstraint,
  type PreparedCut,
} from '../../../libs/flow/index.js';
import type { CachedLinkage } from '../../../libs/clustering/index.js';
import { labelledFaces } from '../../../bench/labelled-faces.js';
import { missingSources } from '../../../bench/labelled-sets.js';

const missing = missingSources('demo-samples');
let faces: ClusterableFace[];
let people: PersonConstraint[];

before(async () => {
  if (missing) return;
  const set = await labelledFaces('demo-samples');
  faces = set.faces;
  const byId = new Map<string, number[]>();
  faces.forEach((f, i) => {
    const t = set.truth[i];
    if (t !== null) byId.set(t, [...(byId.get(t) ?? []), f.id]);
  });
  const [a, b] = [...byId.values()].sort((x, y) => y.length - x.length);
  // Two people: a few confirmed faces each, and a rejection of one's face from the other.
  people = [
    { id: 'a', faces: a.slice(0, 3), rejected: [b[3]] },
    { id: 'b', faces: b.slice(0, 2), rejected: [] },
  ];
});

test('cuts through a kept preparation equal cuts from scratch (sims, cut options, sampling, people)', { skip: missing || false }, () => {
  const FLOWS: Partial<ClusterOptions>[] = [{ cannot_link: false, tracks: false, quality_weighting: false }, {}, { tracks: true }];
  const CUTS: Partial<ClusterOptions>[] = [
    { sim: 0.5 },
    { sim: 0.8, merge_fragments: true },
    { sim: 0.8 },
    { sim: 0.63, min_csize: 3 },
    { sim: 0.5, merge: true },
    { sim: 0.3 },
  ];
  // The cases differ: the fragment pass changes this cut, and the sampling changes the tracks.
  const cut = (over: Partial<ClusterOptions>, interval = 0.5) =>
    clusterFaces(faces, resolveClusterOptions(over), undefined, { sample_interval_s: interval }).labels;
  assert.notDeepEqual(cut({ sim: 0.8, merge_fragments: true }), cut({ sim: 0.8 }));
  assert.notDeepEqual(cut({ tracks: true, sim: 0.8 }, 0.1), cut({ tracks: true, sim: 0.8 }, 5));
  let reused = 0;
  for (const flow of FLOWS)
    for (const who of [undefined, people]) {
      // One preparation memo per tree key, as ClusterService keeps it; the trees themselves per sampling too.
      const prepared = new Map<string, Map<string, PreparedCut>>();
      const trees = new Map<string, CachedLinkage>();
      for (const interval of [0.1, 5])
        for (const c of [...CUTS, ...CUTS.toReversed()]) {
          const opts = resolveClusterOptions({ ...flow, ...c });
          const key = linkageKeyText(linkageKey(opts, peopleInVideo(faces, who)?.fingerprint ?? null));
          const fresh = clusterFaces(faces, opts, undefined, { sample_interval_s: interval, people: who });
          if (!trees.has(`${key}|${interval}`)) trees.set(`${key}|${interval}`, fresh.cache!);
          if (!prepared.has(key)) prepared.set(key, new Map());
          const memo = prepared.get(key)!;
          const before = memo.size;
          const kept = clusterFaces(faces, opts, trees.get(`${key}|${interval}`), { sample_interval_s: interval, people: who, prepared: memo });
          if (memo.size === before) reused++;
          assert.deepEqual(kept.labels, fresh.labels, JSON.stringify({ flow, c, interval, people: !!who }));
        }
    }
  assert.ok(reused > 0, 'later cuts reuse the preparation');
});
