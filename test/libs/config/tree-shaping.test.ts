// The one definition of the options that shape a linkage tree (libs/config TREE_SHAPING) and what derives from it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CLUSTER_KEYS,
  DEFAULT_CLUSTER,
  isReferenceFlow,
  TREE_SHAPING,
  TREE_SHAPING_KEYS,
  TREE_SWITCHES,
  treeShape,
  treeShapingOf,
  type ClusterOptions,
} from '../../../libs/config/index.js';

/** A different valid value of each cluster option. */
const OTHER: { [K in keyof ClusterOptions]: ClusterOptions[K] } = {
  sim: 0.4,
  min_csize: 5,
  method: 'complete',
  merge: !DEFAULT_CLUSTER.merge,
  face_threshold: 0.3,
  cloth_threshold: 0.3,
  iterations: 3,
  face_cloth_weights: [1, 0.5],
  cannot_link: !DEFAULT_CLUSTER.cannot_link,
  tracks: !DEFAULT_CLUSTER.tracks,
  quality_weighting: !DEFAULT_CLUSTER.quality_weighting,
  shot_aware: !DEFAULT_CLUSTER.shot_aware,
  merge_fragments: !DEFAULT_CLUSTER.merge_fragments,
  key_min_s: 10,
  key_min_share: 0.2,
};

test('every tree-shaping option is a cluster option; treeShapingOf keeps exactly them', () => {
  for (const k of TREE_SHAPING_KEYS) assert.ok(CLUSTER_KEYS.includes(k), k);
  assert.deepEqual(Object.keys(treeShapingOf({ ...DEFAULT_CLUSTER })), TREE_SHAPING_KEYS);
  assert.deepEqual(TREE_SWITCHES, ['quality_weighting', 'cannot_link', 'tracks', 'shot_aware']);
});

test('treeShape changes with each tree-shaping option and with no other option', () => {
  const base = JSON.stringify(treeShape(DEFAULT_CLUSTER));
  for (const k of CLUSTER_KEYS) {
    const changed = JSON.stringify(treeShape({ ...DEFAULT_CLUSTER, [k]: OTHER[k] })) !== base;
    // sim: a number and 'auto' cut the same tree while a switch is on (the defaults)
    assert.equal(changed, k in TREE_SHAPING && k !== 'sim', k);
  }
  const ref = { ...DEFAULT_CLUSTER, sim: 0.5, cannot_link: false, tracks: false, quality_weighting: false, shot_aware: false };
  assert.deepEqual(treeShape(ref), { flow: 'reference', face_cloth_weights: [1, 1], method: 'average' });
  assert.deepEqual(treeShape({ ...ref, sim: 'auto' }), { flow: 'units', face_cloth_weights: [1, 1], method: 'average' });
});

test('isReferenceFlow: a numeric sim with every switch off, nothing else', () => {
  const off = { ...DEFAULT_CLUSTER, sim: 0.5, cannot_link: false, tracks: false, quality_weighting: false, shot_aware: false };
  assert.equal(isReferenceFlow(off), true);
  assert.equal(isReferenceFlow({ ...off, sim: 'auto' }), false);
  for (const k of TREE_SWITCHES) assert.equal(isReferenceFlow({ ...off, [k]: true }), false, k);
  const onlyCut: ClusterOptions = { ...off, merge_fragments: true, merge: true, min_csize: 9 };
  assert.equal(isReferenceFlow(onlyCut), true);
});
