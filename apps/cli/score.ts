import { KeycastError } from '../../libs/config/index.js';
import { scoreLabels } from '../../libs/clustering/index.js';
import type { Box } from '../../libs/config/index.js';
import { boxIou } from '../../libs/flow/index.js';

interface GtFace {
  t: number;
  box: Box;
  id: string | null;
}
interface OutFace {
  t: number;
  box: Box;
  cluster: number | string | null;
}

export interface Score {
  faces_out: number;
  faces_scored: number;
  faces_kept: number;
  unmatched: number;
  gt_ids: number;
  clusters: number;
  detection_recall: number;
  nmi_all: number;
  nmi_kept: number | null;
  purity_kept: number;
  pair_precision: number;
  pair_recall: number;
  pair_f1: number;
}

/**
 * Python's round(x, digits): the double's exact decimal value rounded, an exact tie to the even digit.
 * Math.round(x * 1e4) / 1e4 rounds the product instead (0.63125 → 6312.5 → 0.6313 where score.py
 * prints 0.6312), and toFixed sends exact ties up.
 */
export function roundLikePython(x: number, digits: number): number {
  if (!Number.isFinite(x) || Math.abs(x) >= 1e21) return x;
  const exact = Math.abs(x).toFixed(100);
  const cut = exact.indexOf('.') + 1 + digits;
  let r = Number(Math.abs(x).toFixed(digits));
  if (/^50*$/.test(exact.slice(cut)) && Number(exact[cut - 1]) % 2 === 0) r = Number(exact.slice(0, cut));
  return x < 0 ? -r : r;
}

const r4 = (x: number) => roundLikePython(x, 4);

/**
 * Scores a result against hand-labelled ground truth exactly as ../shared/tools/score.py does:
 * each output face is matched to the labelled face at the nearest labelled time (within half a
 * labelling interval) with the largest IoU ≥ 0.3; faces matched to unlabelled boxes are ignored;
 * dropped faces (cluster null) count as singletons in NMI over all faces.
 */
export function scoreAgainstGroundTruth(gtJson: unknown, outJson: unknown): Score {
  const gt = gtJson as { faces?: GtFace[]; fps_labelled?: number };
  const out = outJson as { faces?: OutFace[] };
  if (!Array.isArray(gt?.faces)) throw new KeycastError('INVALID_FILE', 'ground truth has no faces array');
  if (!Array.isArray(out?.faces)) throw new KeycastError('INVALID_FILE', 'result has no faces array');
  const tol = 0.5 / (gt.fps_labelled ?? 1) + 1e-3;
  const times = [...new Set(gt.faces.map((g) => g.t))].sort((a, b) => a - b);
  const byT = new Map<number, GtFace[]>();
  for (const g of gt.faces) byT.set(g.t, [...(byT.get(g.t) ?? []), g]);
  const nearest = (t: number) => times.reduce((best, x) => (Math.abs(x - t) < Math.abs(best - t) ? x : best), times[0]);

  // Matched faces: truth id and predicted cluster (null = dropped, a singleton for NMI over all faces).
  const truth: string[] = [];
  const pred: (string | null)[] = [];
  const used = new Set<string>();
  let unmatched = 0;
  for (const f of out.faces) {
    const near = times.length ? nearest(f.t) : undefined;
    if (near === undefined || Math.abs(near - f.t) > tol) {
      unmatched++;
      continue;
    }
    const cands = byT.get(near)!;
    const best = cands.reduce((a, b) => (boxIou(b.box, f.box) > boxIou(a.box, f.box) ? b : a));
    if (boxIou(best.box, f.box) < 0.3) {
      unmatched++;
      continue;
    }
    if (best.id === null) continue;
    truth.push(best.id);
    pred.push(f.cluster === null ? null : String(f.cluster));
    used.add(`${near}|${best.box.join(',')}`);
  }
  const sampled = new Set(out.faces.length && times.length ? out.faces.map((f) => nearest(f.t)) : []);
  const gtAtSampled = gt.faces.filter((g) => sampled.has(g.t) && g.id !== null);
  const found = new Set(gtAtSampled.map((g) => `${g.t}|${g.box.join(',')}`).filter((k) => used.has(k)));
  const sc = scoreLabels(truth, pred);
  const empty = truth.length === 0;
  return {
    faces_out: out.faces.length,
    faces_scored: sc.scored,
    faces_kept: sc.kept,
    unmatched,
    gt_ids: new Set(truth).size,
    clusters: sc.clusters,
    detection_recall: gtAtSampled.length ? roundLikePython(found.size / gtAtSampled.length, 3) : NaN,
    nmi_all: r4(sc.nmi_all),
    nmi_kept: sc.nmi_kept === null ? null : r4(sc.nmi_kept),
    purity_kept: sc.kept ? r4(sc.purity_kept) : NaN,
    pair_precision: empty ? 0 : r4(sc.pair_precision),
    pair_recall: empty ? 0 : r4(sc.pair_recall),
    pair_f1: empty ? 0 : r4(sc.pair_f1),
  };
}
