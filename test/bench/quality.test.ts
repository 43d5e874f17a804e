import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mdTable, pickSim, scoreChips, spread } from '../../bench/quality.js';

test('spread: distances between L2-normalised vectors, zero vectors counted and kept at zero', () => {
  const s = spread([[3, 0], [0, 5], [0, 0], [2, 0]]);
  assert.equal(s.n, 4);
  assert.equal(s.zero, 1);
  // pairs: (a,b) √2, (a,0) 1, (a,d) 0, (b,0) 1, (b,d) √2, (0,d) 1 → sorted 0,1,1,1,√2,√2
  assert.equal(s.median, 1);
  assert.ok(Math.abs(s.max - Math.SQRT2) < 1e-12);
  const same = spread([[1, 1], [2, 2], [5, 5]]);
  assert.equal(same.max, 0);
});

test('scoreChips: a chip with no face is an unclustered singleton', () => {
  const truth = ['a', 'a', 'b', 'b'];
  // chip 1 has no face; faces 0,1,2 belong to chips 0,2,3
  const perfect = scoreChips(truth, [0, null, 1, 2], [0, 1, 1]);
  assert.equal(perfect.scored, 4);
  assert.equal(perfect.kept, 3);
  assert.equal(perfect.clusters, 2);
  assert.equal(perfect.purity, 1);
  // pairs: truth (0,1) and (2,3); predicted only (2,3) → precision 1, recall 0.5
  assert.ok(Math.abs(perfect.f1 - 2 / 3) < 1e-12);
  const allInOne = scoreChips(truth, [0, 1, 2, 3], [0, 0, 0, 0]);
  assert.equal(allInOne.nmi, 0);
  assert.equal(allInOne.purity, 0.5);
});

test('pickSim: best mean, then best worst case, then nearest the preferred sim', () => {
  const sims = [0.3, 0.4, 0.5];
  assert.equal(pickSim(sims, [[0.8, 0.9], [0.95, 0.9], [0.9, 0.9]], 0.63).sim, 0.4);
  // equal means: the higher minimum wins
  assert.equal(pickSim(sims, [[1, 0.8], [0.9, 0.9], [0.7, 0.7]], 0.63).sim, 0.4);
  // full tie: the sim closest to the preferred one
  const tie = pickSim(sims, [[0.9, 0.9], [0.9, 0.9], [0.9, 0.9]], 0.63);
  assert.equal(tie.sim, 0.5);
  assert.equal(tie.mean, 0.9);
});

test('mdTable right-aligns every column but the first', () => {
  assert.deepEqual(mdTable(['a', 'b'], [['x', '1']]), ['| a | b |', '|---|---:|', '| x | 1 |']);
});
