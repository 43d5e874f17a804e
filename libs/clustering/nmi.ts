import { codeLabels, counts } from './metric-labels.js';
import type { MetricLabel, MetricOptions } from './types.js';

/**
 * Normalized mutual information with arithmetic normalisation, as scikit-learn's default
 * `normalized_mutual_info_score(truth, pred)`: MI / ((H(truth) + H(pred)) / 2), natural logs,
 * per-cell MI terms below machine epsilon in magnitude counted as 0, MI clipped at 0.
 * Both labelings constant (one class and one cluster), or no points at all: 1.0. MI = 0 otherwise: 0.
 *
 * Points whose truth is null are left out; null predictions are singletons by default
 * (`unclustered: 'singletons'`, score.py's nmi_all) or left out (`'drop'`, score.py's nmi_kept).
 */
export function nmi(truth: ArrayLike<MetricLabel>, pred: ArrayLike<MetricLabel>, opts: MetricOptions = {}): number {
  const { t, p, nt, np } = codeLabels(truth, pred, opts.unclustered ?? 'singletons');
  if ((nt === 1 && np === 1) || (nt === 0 && np === 0)) return 1.0;
  const mi = mutualInfo(t, p, nt, np);
  if (mi === 0) return 0.0;
  const ht = entropy(counts(t, nt));
  const hp = entropy(counts(p, np));
  return mi / ((ht + hp) / 2);
}

function mutualInfo(t: Int32Array, p: Int32Array, nt: number, np: number): number {
  if (nt === 1 || np === 1) return 0;
  const pi = counts(t, nt),
    pj = counts(p, np);
  const cells = new Map<number, number>();
  for (let q = 0; q < t.length; q++) {
    const key = t[q] * np + p[q];
    cells.set(key, (cells.get(key) ?? 0) + 1);
  }
  const N = t.length;
  const logN = Math.log(N);
  // pi.sum() and pj.sum() are both N
  let mi = 0;
  for (const [key, nij] of cells) {
    const a = Math.floor(key / np),
      b = key % np;
    const cnm = nij / N;
    const logOuter = -Math.log(pi[a] * pj[b]) + logN + logN;
    let term = cnm * (Math.log(nij) - logN) + cnm * logOuter;
    if (Math.abs(term) < Number.EPSILON) term = 0;
    mi += term;
  }
  return mi > 0 ? mi : 0;
}

function entropy(c: Float64Array): number {
  const nz = Array.from(c).filter((v) => v > 0);
  if (nz.length <= 1) return 0;
  let sum = 0;
  for (const v of nz) sum += v;
  const logSum = Math.log(sum);
  let h = 0;
  for (const v of nz) h -= (v / sum) * (Math.log(v) - logSum);
  return h;
}
