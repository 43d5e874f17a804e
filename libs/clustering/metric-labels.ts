import type { MetricLabel, UnclusteredPolicy } from './types.js';

/**
 * Common preparation of (truth, pred) for the metrics: points whose truth is null are left out;
 * a null prediction is its own singleton ('singletons') or left out ('drop'). Labels are then
 * re-coded as dense integers 0..k-1 in order of first appearance.
 */
export function codeLabels(
  truth: ArrayLike<MetricLabel>,
  pred: ArrayLike<MetricLabel>,
  unclustered: UnclusteredPolicy,
): { t: Int32Array; p: Int32Array; nt: number; np: number } {
  if (truth.length !== pred.length) throw new RangeError(`metrics: ${truth.length} truth labels but ${pred.length} predictions`);
  const tc = new Map<MetricLabel, number>();
  const pc = new Map<MetricLabel, number>();
  const t: number[] = [],
    p: number[] = [];
  let solo = 0;
  for (let i = 0; i < truth.length; i++) {
    const a = truth[i],
      b = pred[i];
    if (a === null || a === undefined) continue;
    if (b === null || b === undefined) {
      if (unclustered === 'drop') continue;
      solo++;
    }
    let ta = tc.get(a);
    if (ta === undefined) {
      ta = tc.size;
      tc.set(a, ta);
    }
    let pb: number;
    if (b === null || b === undefined) {
      pb = -solo; // placeholder, made dense below
    } else {
      const got = pc.get(b);
      if (got === undefined) {
        pb = pc.size;
        pc.set(b, pb);
      } else pb = got;
    }
    t.push(ta);
    p.push(pb);
  }
  // singletons get codes after the named clusters
  const named = pc.size;
  const P = Int32Array.from(p, (v) => (v < 0 ? named - v - 1 : v));
  return { t: Int32Array.from(t), p: P, nt: tc.size, np: named + solo };
}

/** How many times each code 0..k-1 occurs. */
export function counts(codes: Int32Array, k: number): Float64Array {
  const c = new Float64Array(k);
  for (const v of codes) c[v]++;
  return c;
}
