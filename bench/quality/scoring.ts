// bench/quality: one clustering of one dataset, scored (the reference flow, keycast's flow), and the verdicts on them.
import { DEFAULT_CLUSTER, DEFAULT_EXTRACT, resolveClusterOptions } from '../../libs/config/index.js';
import { clusterFaces } from '../../libs/flow/index.js';
import { scoreLabels, type MetricLabel } from '../../libs/clustering/index.js';
import { facesOf } from './datasets.js';
import { MIN_CSIZE, WEIGHTINGS, type Config, type Dataset, type FlowOptions, type Scores, type Spread } from './model.js';

/** Pairwise Euclidean distances between L2-normalised vectors (zero vectors stay zero): median and max. */
export function spread(vectors: ArrayLike<number>[]): Spread {
  const unit = vectors.map((v) => {
    let ss = 0;
    for (let i = 0; i < v.length; i++) ss += v[i] * v[i];
    const n = Math.sqrt(ss);
    return Float64Array.from(v, (x) => (n === 0 ? 0 : x / n));
  });
  const zero = unit.filter((u) => u.every((x) => x === 0)).length;
  const d: number[] = [];
  for (let i = 0; i < unit.length; i++) {
    for (let j = i + 1; j < unit.length; j++) {
      let s = 0;
      for (let q = 0; q < unit[i].length; q++) {
        const t = unit[i][q] - unit[j][q];
        s += t * t;
      }
      d.push(Math.sqrt(s));
    }
  }
  d.sort((a, b) => a - b);
  return { n: vectors.length, zero, median: d.length ? d[Math.floor(d.length / 2)] : NaN, max: d.length ? d[d.length - 1] : NaN };
}

/**
 * Scores of a photo collection: `truth` has one identity per chip, `faceOfChip[c]` the index of the
 * chip's face among the clustered faces, or null when no face was found (an unclustered singleton).
 */
export function scoreChips(truth: MetricLabel[], faceOfChip: (number | null)[], labels: (number | null)[]): Scores {
  const pred = faceOfChip.map((i) => (i === null ? null : labels[i]));
  const s = scoreLabels(truth, pred);
  return { nmi: s.nmi_all, purity: s.purity_kept, f1: s.pair_f1, clusters: s.clusters, kept: s.kept, scored: s.scored };
}

/**
 * The sim to recommend from NMI per sim (rows) and dataset (columns): the highest mean over datasets;
 * ties (within 1e-9) go to the higher minimum, then to the sim closest to `prefer`.
 */
export function pickSim(sims: readonly number[], nmi: number[][], prefer: number): { sim: number; mean: number; min: number } {
  const rows = sims.map((sim, i) => ({ sim, mean: nmi[i].reduce((a, b) => a + b, 0) / nmi[i].length, min: Math.min(...nmi[i]) }));
  rows.sort((a, b) =>
    Math.abs(b.mean - a.mean) > 1e-9 ? b.mean - a.mean : Math.abs(b.min - a.min) > 1e-9 ? b.min - a.min : Math.abs(a.sim - prefer) - Math.abs(b.sim - prefer),
  );
  return rows[0];
}

export const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

// ---------------------------------------------------------------------------------------------
// Datasets

/** The encoder study runs the reference flow: a relative sim, none of keycast's improvements. */
export const REFERENCE_FLOW = { cannot_link: false, tracks: false, quality_weighting: false, shot_aware: false, merge_fragments: false } as const;

export function run(ds: Dataset, c: Config): Scores {
  const opts = resolveClusterOptions({
    ...DEFAULT_CLUSTER,
    ...REFERENCE_FLOW,
    sim: c.sim,
    merge: c.merge,
    min_csize: MIN_CSIZE,
    face_cloth_weights: WEIGHTINGS[c.weighting].weights,
  });
  const faces = facesOf(ds, c.encoder, c.padded);
  return ds.score(clusterFaces(faces, opts, undefined, { sample_interval_s: ds.interval }).labels);
}

export function runFlow(ds: Dataset, options: FlowOptions): Scores {
  const opts = resolveClusterOptions({ ...DEFAULT_CLUSTER, min_csize: MIN_CSIZE, ...options });
  return ds.score(clusterFaces(facesOf(ds, DEFAULT_EXTRACT.cloth_encoder), opts, undefined, { sample_interval_s: ds.interval }).labels);
}

/** NMI (all) and pairwise F1 of keycast's defaults on one dataset: what the quality tests pin. */
export function defaultScores(ds: Dataset): Scores {
  return runFlow(ds, {});
}

/** The verdict on one improvement: on vs off, every other option at its default. */
export interface Verdict {
  key: string;
  /** NMI per dataset, improvement on and off. */
  on: number[];
  off: number[];
  meanGain: number;
  better: number;
  worse: number;
  /** Helps: raises the mean NMI over the datasets. */
  helps: boolean;
}

/** Whether an improvement helps, from its NMI on and off per dataset: it must raise the mean (by more than 1e-9). */
export function verdict(key: string, on: number[], off: number[]): Verdict {
  const gain = mean(on) - mean(off);
  return {
    key,
    on,
    off,
    meanGain: gain,
    better: on.filter((x, i) => x > off[i] + 1e-9).length,
    worse: on.filter((x, i) => x < off[i] - 1e-9).length,
    helps: gain > 1e-9,
  };
}

export function labelsOf(ds: Dataset, options: FlowOptions): (number | null)[] {
  const opts = resolveClusterOptions({ ...DEFAULT_CLUSTER, min_csize: MIN_CSIZE, ...options });
  return clusterFaces(facesOf(ds, DEFAULT_EXTRACT.cloth_encoder), opts, undefined, { sample_interval_s: ds.interval }).labels;
}
