import { nmi } from './nmi.js';
import { pairwiseScores } from './pairwise.js';
import { purity } from './purity.js';
import type { MetricLabel } from './types.js';

/** The clustering scores that /work/shared/tools/score.py reports, from already matched labels. */
export interface LabelScores {
  /** Points with a non-null truth. */
  scored: number;
  /** Of those, predicted non-null. */
  kept: number;
  /** Distinct non-null predictions among the scored points. */
  clusters: number;
  nmi_all: number;
  /** null when no scored point is kept. */
  nmi_kept: number | null;
  purity_kept: number;
  pair_precision: number;
  pair_recall: number;
  pair_f1: number;
}

/**
 * score.py's clustering numbers (unrounded) for truth/pred label vectors that are already matched
 * point to point (score.py additionally matches output faces to ground-truth boxes first).
 * nmi_all and the pairwise scores treat null predictions as singletons; nmi_kept and purity_kept drop
 * them. Note: for nmi_all, score.py returns NaN on an empty set where {@link nmi} returns 1.
 */
export function scoreLabels(truth: ArrayLike<MetricLabel>, pred: ArrayLike<MetricLabel>): LabelScores {
  let scored = 0,
    kept = 0;
  const clusters = new Set<MetricLabel>();
  for (let i = 0; i < truth.length; i++) {
    if (truth[i] === null || truth[i] === undefined) continue;
    scored++;
    if (pred[i] !== null && pred[i] !== undefined) {
      kept++;
      clusters.add(pred[i]);
    }
  }
  const pw = pairwiseScores(truth, pred, { unclustered: 'singletons' });
  return {
    scored,
    kept,
    clusters: clusters.size,
    nmi_all: nmi(truth, pred, { unclustered: 'singletons' }),
    nmi_kept: kept ? nmi(truth, pred, { unclustered: 'drop' }) : null,
    purity_kept: purity(truth, pred, { unclustered: 'drop' }),
    pair_precision: pw.precision,
    pair_recall: pw.recall,
    pair_f1: pw.f1,
  };
}
