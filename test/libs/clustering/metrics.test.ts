import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nmi, pairwiseScores, purity, scoreLabels } from '../../../libs/clustering/index.js';
import { loadMetrics } from './fixtures.js';

const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) <= 1e-12, `${what}: ${a} vs ${b}`);

for (const c of loadMetrics().cases) {
  test(`metrics vs Python (sklearn NMI formula, score.py pairs): ${c.name}`, () => {
    close(nmi(c.truth, c.pred), c.nmi_singletons, 'nmi singletons');
    close(nmi(c.truth, c.pred, { unclustered: 'drop' }), c.nmi_drop, 'nmi drop');
    if (c.purity_drop !== null) close(purity(c.truth, c.pred), c.purity_drop, 'purity drop');
    if (c.purity_singletons !== null) close(purity(c.truth, c.pred, { unclustered: 'singletons' }), c.purity_singletons, 'purity singletons');
    const s = pairwiseScores(c.truth, c.pred);
    close(s.precision, c.pairwise_singletons[0], 'precision');
    close(s.recall, c.pairwise_singletons[1], 'recall');
    close(s.f1, c.pairwise_singletons[2], 'f1');
    const d = pairwiseScores(c.truth, c.pred, { unclustered: 'drop' });
    assert.deepEqual(
      [d.precision, d.recall, d.f1].map((v, i) => Math.abs(v - c.pairwise_drop[i]) <= 1e-12),
      [true, true, true],
    );
  });
}

test('metric limit cases', () => {
  assert.equal(nmi([1, 1, 1], [2, 2, 2]), 1.0);
  assert.equal(nmi([], []), 1.0);
  assert.equal(nmi([1, 1, 1], [1, 2, 3]), 0.0);
  assert.equal(nmi([0, 0, 1, 1], [5, 5, 7, 7]), 1.0);
  assert.ok(Number.isNaN(purity([], [])));
  assert.deepEqual(pairwiseScores([], []), { precision: 0, recall: 0, f1: 0 });
  const s = scoreLabels([0, 0, 1, 1, null], [3, null, 4, 4, 3]);
  assert.equal(s.scored, 4);
  assert.equal(s.kept, 3);
  assert.equal(s.clusters, 2);
  assert.equal(s.purity_kept, 1);
  assert.equal(s.pair_precision, 1);
  assert.equal(s.pair_recall, 0.5);
});
