// buildClusterReport with a memo (ClusterService keeps one per held video, across a slider's cuts) is a cache only:
// every cut's report equals the one built without it, whatever the order of the cuts, the options or the evictions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildClusterReport, newReportMemo, type ClusterReport } from '../../../libs/flow/index.js';
import type { ClusterableFace } from '../../../libs/flow/cluster-faces.js';

function rng(seed: number) {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

/** Faces in time order with ids not in that order, several per frame (equal times), varied boxes and scores. */
function faces(n: number): ClusterableFace[] {
  const r = rng(7);
  return Array.from({ length: n }, (_, i) => {
    const frame = Math.floor(i / 3);
    return {
      id: (i * 7919) % 10007,
      t: frame * 0.5,
      frame,
      box: [r() * 100, r() * 100, 20 + r() * 80, 20 + r() * 80] as [number, number, number, number],
      score: 0.5 + r() * 0.5,
      face: [],
      cloth: [],
    };
  });
}

/** A slider's cuts: each step merges or splits a few clusters of the previous one, some faces dropped (min_csize). */
function cuts(n: number, count: number): (number | null)[][] {
  const r = rng(11);
  let labels: (number | null)[] = Array.from({ length: n }, () => Math.floor(r() * 40));
  const out = [labels];
  for (let k = 1; k < count; k++) {
    labels = [...labels];
    const a = Math.floor(r() * 40);
    const b = Math.floor(r() * 40);
    if (r() < 0.5) for (let i = 0; i < n; i++) if (labels[i] === a) labels[i] = b; // a merge
    if (r() < 0.3) for (let i = 0; i < n; i += 17) labels[i] = labels[i] === null ? 100 + k : null; // dropped / back
    if (r() < 0.2) labels = labels.map((l) => (l === null ? null : l + 1000 * k)); // the same clusters under other ids
    out.push(labels);
  }
  return out;
}

/** Everything the report says, its faces read (they are built on first read). */
const view = (r: ClusterReport) => ({ faces: r.faces, clusters: r.clusters, unclustered: r.unclustered, labels: r.labels, rows: r.rows });

test('a memoised report is the report built from scratch, cut after cut, back and forth, under changing options', () => {
  const fs = faces(600);
  const steps = cuts(fs.length, 40);
  const memo = newReportMemo();
  const thumbnail = (f: ClusterableFace) => `faces/${f.id}.jpg`;
  const other = (f: ClusterableFace) => `x/${f.id}`;
  const optionSets = [
    { sample_interval_s: 0.5, thumbnail },
    { sample_interval_s: 0.5, duration_s: 100, key_min_s: 3, thumbnail },
    { sample_interval_s: 0.25, duration_s: 100, key_min_share: 0.02, thumbnail },
    { sample_interval_s: 0.5, thumbnail: other },
  ];
  let reused = 0;
  let previous: ClusterReport | undefined;
  const order = [...steps.keys(), ...[...steps.keys()].toReversed(), ...steps.keys()];
  for (const [k, at] of order.entries()) {
    const opts = optionSets[Math.floor(k / 30) % optionSets.length];
    const hot = buildClusterReport(fs, steps[at], { ...opts, memo });
    assert.deepEqual(view(hot), view(buildClusterReport(fs, steps[at], opts)), `cut ${at}, step ${k}`);
    // The memo's point: an unchanged cluster's summary is the previous cut's (its face list the same array).
    const before = new Set(previous?.clusters.map((c) => c.faces));
    reused += hot.clusters.filter((c) => before.has(c.faces)).length;
    previous = hot;
  }
  assert.ok(reused > order.length * 10, `summaries reused across cuts: ${reused}`);
});

test('a memo kept for other faces (a reloaded video) is not used: the report is of the faces given', () => {
  const memo = newReportMemo();
  const fs = faces(90);
  const labels = cuts(fs.length, 1)[0];
  const opts = { sample_interval_s: 0.5, thumbnail: (f: ClusterableFace) => String(f.id) };
  buildClusterReport(fs, labels, { ...opts, memo });
  const moved = fs.map((f) => ({ ...f, t: f.t + 1, score: 1 - f.score }));
  assert.deepEqual(view(buildClusterReport(moved, labels, { ...opts, memo })), view(buildClusterReport(moved, labels, opts)));
});

test('many distinct cuts: the memo evicts its oldest summaries and stays a cache', () => {
  const fs = faces(300);
  const r = rng(5);
  const memo = newReportMemo();
  const opts = { sample_interval_s: 0.5, thumbnail: (f: ClusterableFace) => String(f.id) };
  const all = Array.from({ length: 30 }, () => fs.map(() => (r() < 0.1 ? null : Math.floor(r() * 25))));
  for (const labels of [...all, ...all.slice(0, 5)])
    assert.deepEqual(view(buildClusterReport(fs, labels, { ...opts, memo })), view(buildClusterReport(fs, labels, opts)));
  assert.ok(memo.held <= fs.length * 8, `held ${memo.held}`);
});
