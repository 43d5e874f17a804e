import { codeLabels } from './metric-labels.js';
import type { MetricLabel, MetricOptions, PairwiseScores } from './types.js';

/**
 * Pairwise precision, recall and F1, counted as /work/shared/tools/score.py does: over all unordered
 * pairs of scored points, TP = pairs with the same truth and the same prediction,
 * precision = TP / (pairs with the same prediction) (1 when there are none),
 * recall = TP / (pairs with the same truth) (1 when there are none),
 * F1 = 2PR / (P + R) (0 when P + R = 0). No scored point at all: all three 0 (as score.py).
 *
 * Points whose truth is null are left out; null predictions are singletons by default
 * (`unclustered: 'singletons'`, score.py's convention: a dropped face pairs with nobody) or left out
 * (`'drop'`).
 */
export function pairwiseScores(truth: ArrayLike<MetricLabel>, pred: ArrayLike<MetricLabel>, opts: MetricOptions = {}): PairwiseScores {
  const { t, p, nt, np } = codeLabels(truth, pred, opts.unclustered ?? 'singletons');
  if (t.length === 0) return { precision: 0, recall: 0, f1: 0 };
  const joint = new Map<number, number>();
  const ct = new Float64Array(nt),
    cp = new Float64Array(np);
  for (let q = 0; q < t.length; q++) {
    ct[t[q]]++;
    cp[p[q]]++;
    const key = t[q] * np + p[q];
    joint.set(key, (joint.get(key) ?? 0) + 1);
  }
  const pairs = (c: number): number => (c * (c - 1)) / 2;
  let tp = 0,
    pp = 0,
    tt = 0;
  for (const c of joint.values()) tp += pairs(c);
  for (const c of cp) pp += pairs(c);
  for (const c of ct) tt += pairs(c);
  const precision = pp ? tp / pp : 1.0;
  const recall = tt ? tp / tt : 1.0;
  const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0.0;
  return { precision, recall, f1 };
}
