// bench/quality: the encoder study's tables (the reference flow: encoder, weighting, merging, relative sim) and its
// section of the report.
import { CLOTH_ENCODERS, DEFAULT_CLUSTER, DEFAULT_EXTRACT, type ClothEncoderName } from '../../libs/config/index.js';
import { facesOf } from './datasets.js';
import { cells, f3, mdTable, onOff } from './markdown.js';
import { FINE_SIMS, REFERENCE_DEFAULTS, REFERENCE_FIGURES, SIMS, STUDY_SIM, WEIGHTINGS, type Config, type Dataset, type Scores, type Spread } from './model.js';
import { mean, run, spread } from './scoring.js';
import { conclusions } from './study-conclusions.js';

/** The default-sim table. Face only does not depend on the encoder (its cloth half is zero), so it is listed once. */
export function defaultSimTable(ds: Dataset): string[] {
  const sim = STUDY_SIM;
  const rows: string[][] = [];
  for (const merge of [false, true]) {
    rows.push([WEIGHTINGS.face.label, '—', onOff(merge), ...cells(run(ds, { encoder: DEFAULT_EXTRACT.cloth_encoder, weighting: 'face', merge, sim }))]);
    for (const w of ['cloth', 'both'] as const) {
      for (const encoder of CLOTH_ENCODERS) rows.push([WEIGHTINGS[w].label, encoder, onOff(merge), ...cells(run(ds, { encoder, weighting: w, merge, sim }))]);
    }
  }
  return mdTable(['fingerprint', 'encoder', 'merge', 'NMI (all)', 'purity (kept)', 'pairwise F1', 'clusters', 'kept'], rows);
}

/** The sim sweep: each cell is NMI / purity / F1; the best NMI of a row is bold. */
export function sweepTable(ds: Dataset): string[] {
  const rows: string[][] = [];
  for (const w of ['both', 'face', 'cloth'] as const) {
    for (const merge of [false, true]) {
      for (const encoder of w === 'face' ? [null] : CLOTH_ENCODERS) {
        const scores = SIMS.map((sim) => run(ds, { encoder: encoder ?? DEFAULT_EXTRACT.cloth_encoder, weighting: w, merge, sim }));
        const best = Math.max(...scores.map((s) => s.nmi));
        rows.push([
          WEIGHTINGS[w].label,
          encoder ?? '—',
          onOff(merge),
          ...scores.map((s) => {
            const txt = `${f3(s.nmi)} / ${f3(s.purity)} / ${f3(s.f1)}`;
            return s.nmi === best ? `**${txt}**` : txt;
          }),
        ]);
      }
    }
  }
  return mdTable(['fingerprint', 'encoder', 'merge', ...SIMS.map((s) => `sim ${s}${s === STUDY_SIM ? ' (study default)' : ''}`)], rows);
}

export function spreadTable(ds: Dataset): string[] {
  const rows: string[][] = [];
  const row = (what: string, s: Spread) => rows.push([what, `${s.zero}/${s.n}`, f3(s.median), f3(s.max)]);
  row('face descriptor', spread(facesOf(ds, CLOTH_ENCODERS[0]).map((f) => f.face)));
  for (const e of CLOTH_ENCODERS) row(ds.padded ? `cloth ${e}, chip mode` : `cloth ${e}`, spread(facesOf(ds, e).map((f) => f.cloth)));
  if (ds.padded) for (const e of CLOTH_ENCODERS) row(`cloth ${e}, padded mode`, spread(facesOf(ds, e, true).map((f) => f.cloth)));
  return mdTable(['vectors', 'zero vectors', 'median pairwise distance', 'max pairwise distance'], rows);
}

interface MergeRow {
  ds: Dataset;
  encoder: ClothEncoderName;
  padded: boolean;
  off: Scores;
  on: Scores;
}

/** Face+Cloth with merging off and on, at `sim`: does merging join clusters it should not? */
export function mergeRows(datasets: Dataset[], sim: number): MergeRow[] {
  return datasets.flatMap((ds) =>
    [false, ...(ds.padded ? [true] : [])].flatMap((padded) =>
      CLOTH_ENCODERS.map((encoder) => ({
        ds,
        encoder,
        padded,
        off: run(ds, { encoder, weighting: 'both', merge: false, sim, padded }),
        on: run(ds, { encoder, weighting: 'both', merge: true, sim, padded }),
      })),
    ),
  );
}

interface Change {
  label: string;
  config: Config;
}

export function singleChanges(base: Config): Change[] {
  const out: Change[] = [{ label: `baseline (${base.encoder}, sim ${base.sim}, merge ${onOff(base.merge)})`, config: base }];
  for (const e of CLOTH_ENCODERS) if (e !== base.encoder) out.push({ label: `cloth_encoder ${e}`, config: { ...base, encoder: e } });
  out.push({ label: `merge ${onOff(!base.merge)}`, config: { ...base, merge: !base.merge } });
  for (const sim of SIMS) if (sim !== base.sim) out.push({ label: `sim ${sim}`, config: { ...base, sim } });
  return out;
}

/** Every pair of the single changes that touch different options (encoder, merge, sim). */
export function pairChanges(base: Config): Change[] {
  const singles = singleChanges(base).slice(1);
  const option = (c: Change) => (c.config.encoder !== base.encoder ? 'encoder' : c.config.merge !== base.merge ? 'merge' : 'sim');
  const out: Change[] = [];
  for (let i = 0; i < singles.length; i++) {
    for (let j = i + 1; j < singles.length; j++) {
      const a = singles[i],
        b = singles[j];
      if (option(a) === option(b)) continue;
      out.push({ label: `${a.label} + ${b.label}`, config: { ...a.config, ...diff(b.config, base) } });
    }
  }
  return out;
}

function diff(c: Config, base: Config): Partial<Config> {
  return Object.fromEntries(Object.entries(c).filter(([k, v]) => base[k as keyof Config] !== v));
}

export function changeTable(datasets: Dataset[], changes: Change[]): { lines: string[]; nmi: number[][] } {
  const nmi = changes.map((ch) => datasets.map((d) => run(d, ch.config).nmi));
  const lines = mdTable(
    ['change', ...datasets.map((d) => d.key), 'mean', 'min'],
    changes.map((ch, i) => [ch.label, ...nmi[i].map(f3), f3(mean(nmi[i])), f3(Math.min(...nmi[i]))]),
  );
  return { lines, nmi };
}

// ---------------------------------------------------------------------------------------------
// Conclusions: every statement is computed from the runs above.

/** Which datasets the picked sim beats `other` on, in words. */
export function simVersus(datasets: Dataset[], encoder: ClothEncoderName, merge: boolean, sim: number, other: number): string {
  if (sim === other) return '';
  const d = datasets.map((ds) => ({
    key: ds.key,
    a: run(ds, { encoder, weighting: 'both', merge, sim }).nmi,
    b: run(ds, { encoder, weighting: 'both', merge, sim: other }).nmi,
  }));
  const better = d.filter((x) => x.a > x.b + 1e-9),
    worse = d.filter((x) => x.a < x.b - 1e-9);
  const fmt = (xs: typeof d) => xs.map((x) => `${x.key} ${f3(x.b)} → ${f3(x.a)}`).join(', ');
  return (
    `Against the reference's ${other}: better on ${better.length ? fmt(better) : 'no dataset'}` +
    (worse.length ? `, worse on ${fmt(worse)}.` : ', worse on none.')
  );
}

// ---------------------------------------------------------------------------------------------
// keycast's defaults against the reference method, and the ablation of keycast's improvements.
// These run on every dataset (the encoder study's and the labelled videos) with the default encoder.

/** The report's part on the encoder study (the reference flow, the study's datasets). */
export function studySection(study: Dataset[]): string[] {
  const md: string[] = [];
  md.push(
    '## Clothing encoder and relative sim (the reference flow)',
    '',
    `The study that chose cloth_encoder ${DEFAULT_EXTRACT.cloth_encoder}, merging off and, before the automatic cut, the relative sim ${STUDY_SIM}: every run here is the reference flow (a relative sim, none of keycast's improvements), on the datasets extracted with both encoders.`,
    '',
  );
  md.push('### Conclusions of the study', '', ...conclusions(study), '');
  for (const ds of study) {
    md.push(`### ${ds.title}`, '', '#### Detection', '', ...ds.detection, '');
    md.push(
      '#### Fingerprint halves',
      '',
      ...spreadTable(ds),
      '',
      `Euclidean distances between L2-normalised vectors (the halves of a fingerprint at weight 1). Merging joins clusters whose mean cloth halves are closer than ${DEFAULT_CLUSTER.cloth_threshold}.`,
      '',
    );
    md.push(`#### At sim ${STUDY_SIM}`, '', ...defaultSimTable(ds), '');
    md.push('#### sim sweep (NMI / purity / pairwise F1, best NMI of each row in bold)', '', ...sweepTable(ds), '');
  }
  md.push('### One sim for every dataset', '', 'Face+Cloth; each cell is the mean / the worst NMI over the datasets.', '');
  const combos = CLOTH_ENCODERS.flatMap((encoder) => [false, true].map((merge) => ({ encoder, merge })));
  md.push(
    ...mdTable(
      ['sim', ...combos.map((c) => `${c.encoder}, merge ${onOff(c.merge)}`)],
      FINE_SIMS.map((sim) => [
        `${sim}`,
        ...combos.map((c) => {
          const n = study.map((d) => run(d, { ...c, weighting: 'both', sim }).nmi);
          return `${f3(mean(n))} / ${f3(Math.min(...n))}`;
        }),
      ]),
    ),
    '',
  );

  md.push('### Merging: clusters before and after', '', `Face+Cloth at sim ${STUDY_SIM}.`, '');
  md.push(
    ...mdTable(
      ['dataset', 'clothing', 'encoder', 'clusters, merge off', 'clusters, merge on', 'NMI off', 'NMI on'],
      mergeRows(study, STUDY_SIM).map((m) => [
        m.ds.key,
        m.ds.padded ? (m.padded ? 'padded mode' : 'chip mode') : 'video',
        m.encoder,
        `${m.off.clusters}`,
        `${m.on.clusters}`,
        f3(m.off.nmi),
        f3(m.on.nmi),
      ]),
    ),
    '',
  );

  const ham = study.find((d) => d.key === 'hamilton');
  if (ham) {
    md.push(
      '### Against the reference measurement (DESIGN.md)',
      '',
      "DESIGN.md's figures on the clip (face-api descriptors, an HSV histogram for clothing, scipy HAC, min_csize 2) next to this run (merge off).",
      '',
    );
    md.push(
      ...mdTable(
        ['fingerprint', 'sim', 'reference NMI / F1', 'this run NMI / F1'],
        REFERENCE_FIGURES.map((r) => {
          const s = run(ham, { encoder: 'histogram', weighting: r.weighting, merge: false, sim: r.sim });
          return [WEIGHTINGS[r.weighting].label, `${r.sim}`, `${r.nmi.toFixed(2)} / ${r.f1.toFixed(2)}`, `${f3(s.nmi)} / ${f3(s.f1)}`];
        }),
      ),
      '',
    );
  }

  const current: Config = { encoder: DEFAULT_EXTRACT.cloth_encoder, weighting: 'both', merge: DEFAULT_CLUSTER.merge, sim: STUDY_SIM };
  md.push(
    '### Single default changes',
    '',
    'Face+Cloth; NMI (all faces) per dataset when one option differs from a baseline. From the reference defaults:',
    '',
  );
  md.push(
    ...changeTable(study, singleChanges(REFERENCE_DEFAULTS)).lines,
    '',
    `From the study's choice (${current.encoder}, sim ${current.sim}, merge ${onOff(current.merge)}):`,
    '',
  );
  md.push(...changeTable(study, singleChanges(current)).lines, '');
  md.push('Two changes at once, from the reference defaults:', '', ...changeTable(study, pairChanges(REFERENCE_DEFAULTS)).lines, '');
  return md;
}
