// A cut of a cached tree gives the labels of the whole computation, in every flow: the cache (and the fingerprint
// matrix it no longer builds when merging is off) is never an answer of its own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveClusterOptions } from '../../../libs/config/index.js';
import { clusterFaces, type ClusterableFace } from '../../../libs/flow/index.js';

function rng(seed: number) {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

/** 150 faces of 5 people, 3 per frame, each person's face and clothing jittered around a centre. */
function video(): ClusterableFace[] {
  const r = rng(5);
  const centres = Array.from({ length: 5 }, () => ({
    face: Array.from({ length: 16 }, () => r() * 2 - 1),
    cloth: Array.from({ length: 16 }, () => r() * 2 - 1),
  }));
  return Array.from({ length: 150 }, (_, i) => {
    const c = centres[Math.floor(r() * centres.length)];
    const frame = Math.floor(i / 3);
    return {
      id: i + 1,
      t: frame * 0.5,
      frame,
      box: [10 * (i % 3), 10, 40, 40],
      score: 0.9,
      face: c.face.map((x) => x + (r() - 0.5) * 0.6),
      cloth: c.cloth.map((x) => x + (r() - 0.5) * 0.6),
    };
  });
}

const FLOWS: Record<string, Record<string, unknown>> = {
  defaults: {},
  reference: { cannot_link: false, tracks: false, quality_weighting: false, shot_aware: false, merge_fragments: false },
  'merging on': { merge: true },
  'reference with merging': { cannot_link: false, tracks: false, quality_weighting: false, shot_aware: false, merge: true },
};

test('every flow, every sim: the cut of the cached tree equals the full computation (merging on or off, people or none)', () => {
  const faces = video();
  const people = [
    { id: 'a', faces: [1, 4, 7], rejected: [2] },
    { id: 'b', faces: [3, 9], rejected: [] },
  ];
  for (const [name, over] of Object.entries(FLOWS))
    for (const ctx of [{}, { people }]) {
      for (const sim of ['auto', 0.2, 0.4, 0.6, 0.8] as const) {
        // The tree of the same linkage key (the sim's kind is part of it): built at another cut.
        const built = clusterFaces(faces, resolveClusterOptions({ ...over, sim: sim === 'auto' ? 'auto' : 0.5 }), undefined, ctx);
        assert.ok(built.cache, name);
        const opts = resolveClusterOptions({ ...over, sim, min_csize: 2 });
        const fresh = clusterFaces(faces, opts, undefined, ctx).labels;
        const cut = clusterFaces(faces, opts, built.cache, ctx).labels;
        assert.deepEqual(cut, fresh, `${name}${'people' in ctx ? ' with people' : ''}, sim ${sim}`);
      }
    }
});
