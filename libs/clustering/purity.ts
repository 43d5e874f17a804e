import { codeLabels } from './metric-labels.js';
import type { MetricLabel, MetricOptions } from './types.js';

/**
 * Purity: for each predicted cluster, the count of its most common true identity; their sum over the
 * number of points. NaN when no point is scored.
 *
 * Points whose truth is null are left out; points predicted null are left out by default
 * (`unclustered: 'drop'`, as score.py's purity_kept); with 'singletons' each counts as a pure cluster.
 */
export function purity(truth: ArrayLike<MetricLabel>, pred: ArrayLike<MetricLabel>, opts: MetricOptions = {}): number {
  const { t, p, np } = codeLabels(truth, pred, opts.unclustered ?? 'drop');
  if (t.length === 0) return NaN;
  const byCluster = Array.from({ length: np }, () => new Map<number, number>());
  for (let q = 0; q < t.length; q++) {
    const m = byCluster[p[q]];
    m.set(t[q], (m.get(t[q]) ?? 0) + 1);
  }
  let sum = 0;
  for (const m of byCluster) {
    let best = 0;
    for (const c of m.values()) if (c > best) best = c;
    sum += best;
  }
  return sum / t.length;
}
