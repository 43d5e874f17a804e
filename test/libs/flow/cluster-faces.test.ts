import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveClusterOptions } from '../../../libs/config/index.js';
import { clusterFaces, type ClusterableFace } from '../../../libs/flow/index.js';
import { pdist } from '../../../libs/clustering/index.js';
import { appearanceDistances, fingerprints } from '../../../libs/flow/index.js';

function unit(dim: number, hot: number, jitter = 0): number[] {
  return Array.from({ length: dim }, (_, i) => (i === hot ? 1 : 0) + (i === (hot + 1) % dim ? jitter : 0));
}

function face(id: number, f: number[], c: number[]): ClusterableFace {
  return { id, t: id, frame: id, box: [0, 0, 10, 10], score: 0.9, face: f, cloth: c };
}

test('appearance distances equal plain Euclidean when every face shows clothing', () => {
  const X = fingerprints([unit(4, 0), unit(4, 1), unit(4, 2)], [unit(4, 0), unit(4, 3), unit(4, 1)], [1, 1]);
  assert.equal(appearanceDistances(X, 4), null);
});

test('a missing clothing half is assumed to agree as well as the face does, not a full mismatch', () => {
  const X = fingerprints([unit(4, 0), unit(4, 0, 0.05), unit(4, 0, 0.1), unit(4, 2)], [unit(4, 0), unit(4, 0, 0.2), [0, 0, 0, 0], unit(4, 1)], [1, 1]);
  const d = appearanceDistances(X, 4)!;
  const plain = pdist(X);
  // pairs (0,1) (0,3) (1,3) are both dressed: unchanged
  assert.ok(Math.abs(d[0] - plain[0]) < 1e-12);
  // pair (0,2): face close, cloth missing → far less than the plain distance, which counts a full mismatch
  assert.ok(d[1] < plain[1] - 0.2, `${d[1]} vs ${plain[1]}`);
});

test('a close-up without clothing joins its person, not a cluster of its own', () => {
  const opts = resolveClusterOptions({ sim: 0.4, min_csize: 1, merge: false });
  const faces = [
    face(0, unit(8, 0), unit(8, 4)),
    face(1, unit(8, 0, 0.05), unit(8, 4, 0.05)),
    face(2, unit(8, 0, 0.1), unit(8, 4, 0.02)),
    face(3, unit(8, 2), unit(8, 6)),
    face(4, unit(8, 2, 0.05), unit(8, 6, 0.05)),
    face(5, unit(8, 0, 0.08), new Array(8).fill(0)), // person A, close-up
  ];
  const { labels } = clusterFaces(faces, opts);
  assert.equal(labels[5], labels[0]);
  assert.notEqual(labels[3], labels[0]);
});
