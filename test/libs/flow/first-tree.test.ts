// The first tree with tracks is computed a chunk of face pairs at a time (cluster-faces.ts fusedUnitMatrix): the
// faces' matrix is never made. It must be the tree of the whole-matrix steps it replaced, bit for bit, on real
// fingerprints (bench/synthetic-video.ts: the labelled sets' face-api descriptors, 3,000 faces = two chunks).
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveClusterOptions } from '../../../libs/config/index.js';
import { applyCannotLink, linkage, maxDistance, unitDistances } from '../../../libs/clustering/index.js';
import {
  buildTracks,
  clothCountsRule,
  clusterFaces,
  faceQuality,
  pairDistances,
  pairDistancesAndMax,
  TreeMemory,
  type ClusterableFace,
  type KeptDistances,
  type PersonConstraint,
} from '../../../libs/flow/index.js';
import { syntheticVideo } from '../../../bench/synthetic-video.js';

let faces: ClusterableFace[];
before(async () => {
  faces = (await syntheticVideo(3000)).faces;
});

test('clusterFaces with tracks: the same Z and maxDist as pairDistances → maxDistance → cannot-links → unitDistances → linkage', () => {
  for (const over of [{ tracks: true }, { tracks: true, cannot_link: false, quality_weighting: false, shot_aware: false }]) {
    const opts = resolveClusterOptions(over);
    const units = buildTracks(faces, { sample_interval_s: 0.5 });
    assert.ok(units.count < faces.length - 50, 'the video has tracks');
    const d = pairDistances(
      faces.map((f) => f.face),
      faces.map((f) => f.cloth),
      opts.face_cloth_weights,
      {
        scale: 'face-units',
        quality: opts.quality_weighting ? faces.map(faceQuality) : undefined,
        clothCounts: opts.shot_aware ? clothCountsRule(faces) : undefined,
      },
    );
    const maxDist = maxDistance(d);
    if (opts.cannot_link)
      assert.ok(
        applyCannotLink(
          d,
          faces.length,
          faces.map((f) => [f.frame]),
        ) > 0,
      );
    const want = linkage(unitDistances(d, faces.length, units), units.count, opts.method);
    const got = clusterFaces(faces, opts, undefined, { sample_interval_s: 0.5 }).cache!;
    assert.equal(got.maxDist, maxDist);
    assert.equal(got.Z.length, want.length);
    let diff = 0;
    for (let q = 0; q < want.length; q++) if (!Object.is(got.Z[q], want[q])) diff++;
    assert.equal(diff, 0, JSON.stringify(over));
  }
});

/** Z bit for bit (Object.is per value) and maxDist. */
function sameTree(got: { Z: Float64Array; maxDist: number }, want: { Z: Float64Array; maxDist: number }, what: string): void {
  assert.equal(got.maxDist, want.maxDist, what);
  assert.equal(got.Z.length, want.Z.length, what);
  let diff = 0;
  for (let q = 0; q < want.Z.length; q++) if (!Object.is(got.Z[q], want.Z[q])) diff++;
  assert.equal(diff, 0, what);
}

// Three people: two with confirmed faces (units of several faces), one rejection; then an edit confirms more.
const peopleAt = (edit: number): PersonConstraint[] => [
  { id: 'a', faces: faces.slice(0, 12 + edit).map((f) => f.id), rejected: [faces[2000].id] },
  { id: 'b', faces: [faces[100].id, faces[400].id, faces[900].id] },
  { id: 'c', faces: [faces[1500].id] },
];

test('a tree from kept distances (a people edit) is the from-scratch tree, bit for bit, in every flow', () => {
  const flows = [
    {},
    { tracks: true },
    { cannot_link: false },
    { quality_weighting: false, shot_aware: false },
    { sim: 0.5, cannot_link: false, quality_weighting: false, shot_aware: false },
  ];
  for (const over of flows) {
    const opts = resolveClusterOptions(over);
    const memory = new TreeMemory(2 ** 30);
    const ctx = { sample_interval_s: 0.5, memory: memory.of('v') };
    // The first tree (no people) keeps the distances; each edit's tree starts from them.
    sameTree(
      clusterFaces(faces, opts, undefined, ctx).cache!,
      clusterFaces(faces, opts, undefined, { sample_interval_s: 0.5 }).cache!,
      `first ${JSON.stringify(over)}`,
    );
    const held = memory.bytes;
    assert.ok(held >= ((faces.length * (faces.length - 1)) / 2) * 8, 'the distances are kept');
    for (const edit of [0, 5, 30]) {
      const people = peopleAt(edit);
      const want = clusterFaces(faces, opts, undefined, { sample_interval_s: 0.5, people }).cache!;
      const got = clusterFaces(faces, opts, undefined, { ...ctx, people }).cache!;
      sameTree(got, want, `edit ${edit} ${JSON.stringify(over)}`);
    }
    // Buffers come back to the pool (within budget) and reads never change the kept matrix: a second pass is the same.
    assert.ok(memory.bytes <= 2 ** 30);
    const again = clusterFaces(faces, opts, undefined, { ...ctx, people: peopleAt(5) }).cache!;
    sameTree(again, clusterFaces(faces, opts, undefined, { sample_interval_s: 0.5, people: peopleAt(5) }).cache!, `again ${JSON.stringify(over)}`);
  }
});

test('kept distances serve only the same faces; forget drops everything of a video; the budget holds', () => {
  const opts = resolveClusterOptions({});
  const m = (faces.length * (faces.length - 1)) / 2;
  const memory = new TreeMemory(m * 8 * 2);
  const a = memory.of('a');
  clusterFaces(faces, opts, undefined, { memory: a });
  assert.ok(memory.holds('a'));
  assert.ok(memory.bytes <= m * 16);
  // Other faces under the same owner: not served the kept matrix (their own tree).
  const other = faces.slice(1);
  sameTree(clusterFaces(other, opts, undefined, { memory: a }).cache!, clusterFaces(other, opts, undefined, {}).cache!, 'other faces');
  // A second video evicts within the budget; forgetting one drops all of its buffers.
  clusterFaces(faces.slice(2), opts, undefined, { memory: memory.of('b') });
  assert.ok(memory.bytes <= m * 16, `${memory.bytes} bytes held`);
  memory.forget('b');
  assert.ok(!memory.holds('b'));
  memory.forget('a');
  assert.ok(!memory.holds('a'));
  assert.equal(memory.bytes, 0);
  // A budget of 0 keeps nothing and changes nothing.
  const none = new TreeMemory(0);
  sameTree(clusterFaces(faces, opts, undefined, { memory: none.of('a') }).cache!, clusterFaces(faces, opts, undefined, {}).cache!, 'budget 0');
  assert.equal(none.bytes, 0);
});

test('pairDistancesAndMax: the matrix of pairDistances and its maxDistance, float64 and float32', () => {
  const some = faces.slice(0, 700);
  for (const precision of ['float64', 'float32'] as const) {
    const o = { scale: 'face-units' as const, quality: some.map(faceQuality), clothCounts: clothCountsRule(some), precision };
    const want = pairDistances(
      some.map((f) => f.face),
      some.map((f) => f.cloth),
      [1, 1],
      o,
    );
    const got = pairDistancesAndMax(
      some.map((f) => f.face),
      some.map((f) => f.cloth),
      [1, 1],
      o,
    );
    assert.equal(got.maxDist, maxDistance(want), precision);
    assert.ok(
      want.every((x, q) => Object.is(x, got.d[q])),
      precision,
    );
  }
});

test('TreeMemory: free buffers go before kept distances; over-budget items are not kept; idle items are dropped', async () => {
  const memory = new TreeMemory(1000, 10);
  const a = memory.of('a');
  const dist = (bytes: number): KeptDistances => ({ ids: new Float64Array(0), d: new Float64Array(bytes / 8), maxDist: 0 });
  a.keep('x', dist(400));
  a.pool.give(new ArrayBuffer(400));
  memory.of('b').pool.give(new ArrayBuffer(400));
  // 1,200 bytes asked: the oldest free buffer goes, not the distances.
  assert.equal(memory.bytes, 800);
  assert.ok(a.kept('x'));
  const lent = a.pool.take(300, false)!;
  assert.equal(lent.byteLength, 400, 'the free buffer left is lent');
  new Uint8Array(lent).fill(7);
  a.pool.give(lent);
  assert.ok(
    new Uint8Array(a.pool.take(320, false)!, 320).every((x) => x === 0),
    'what the taker does not write is cleared',
  );
  assert.equal(a.pool.take(300, false), undefined, 'lent once');
  assert.equal(a.pool.take(300, true), undefined, 'sharedness is kept apart');
  a.keep('big', dist(1008));
  assert.equal(a.kept('big'), undefined, 'over the budget: not kept');
  assert.ok(!a.fits(1008) && a.fits(1000));
  await new Promise((r) => setTimeout(r, 1300));
  assert.equal(memory.bytes, 0, 'idle for longer than idleMs: dropped');
  assert.ok(!memory.holds('a'));
});
