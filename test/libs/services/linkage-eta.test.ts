// Retry-After of a 202 (a linkage the worker computes): from the workers' measured speed, not a fixed guess.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { linkageEtaS } from '../../../libs/services/index.js';

test('a 4 s job at 10,000 faces says 5 s (measured rate plus the pick-up), not the old 16', () => {
  assert.equal(linkageEtaS(10_000, [{ n: 10_000, ms: 4000 }]), 5);
  // Rates scale with n²: a 20,000-face video on the same workers, 4 × 4 s.
  assert.equal(linkageEtaS(20_000, [{ n: 10_000, ms: 4000 }]), 17);
});

test('the median rate: one slow run under load does not set the estimate', () => {
  const runs = [
    { n: 10_000, ms: 4000 },
    { n: 10_000, ms: 4500 },
    { n: 5000, ms: 1000 },
    { n: 10_000, ms: 40_000 },
  ];
  assert.equal(linkageEtaS(10_000, runs), 6);
});

test('small linkages (fixed costs) are not measurements; with none, the conservative constant; at most 60 s', () => {
  assert.equal(linkageEtaS(10_000, [{ n: 200, ms: 300 }]), 16);
  assert.equal(linkageEtaS(10_000, []), 16);
  assert.equal(linkageEtaS(50, []), 2);
  assert.equal(linkageEtaS(1_000_000, [{ n: 10_000, ms: 4000 }]), 60);
});

test('a tree after a people edit is estimated from the trees after edits (kept distances: ~3x faster), a first tree from first trees', () => {
  const first = [7000, 7500, 8000].map((ms) => ({ n: 10_000, ms, constrained: false }));
  const edits = [2600, 2700, 2800, 2900].map((ms) => ({ n: 10_000, ms, constrained: true }));
  const measured = [...edits, ...first];
  assert.equal(linkageEtaS(10_000, measured, true), 4);
  assert.equal(linkageEtaS(10_000, measured, false), 9);
  // Either kind alone, the median of all: what every estimate was before.
  assert.equal(linkageEtaS(10_000, measured), 4);
  // Too few of the kind asked for: all measurements count.
  assert.equal(linkageEtaS(10_000, [...first, edits[0]], true), 9);
});
