// The first tree with tracks is computed a chunk of face pairs at a time (cluster-faces.ts fusedUnitMatrix): the
// faces' matrix is never made. It must be the tree of the whole-matrix steps it replaced, bit for bit, on real
// fingerprints (bench/synthetic-video.ts: the labelled sets' face-api descriptors, 3,000 faces = two chunks).
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveClusterOptions } from '../../../libs/config/index.js';
import { applyCannotLink, linkage, maxDistance, unitDistances } from '../../../libs/clustering/index.js';
import { buildTracks, clothCountsRule, clusterFaces, faceQuality, pairDistances, type ClusterableFace } from '../../../libs/flow/index.js';
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
