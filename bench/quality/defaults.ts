// bench/quality: keycast's defaults against the reference method, the ablation of the improvements, and that section
// of the report.
import { DEFAULT_CLUSTER } from '../../libs/config/index.js';
import { keyCharacterSection, tracksDiagnosis } from './diagnosis.js';
import { f3, mdTable, nfc } from './markdown.js';
import { HAMILTON_INTERVAL, PREVIOUS_DEFAULTS, STUDY_SIM, type Dataset, type FlowOptions, type Scores } from './model.js';
import { REFERENCE_FLOW, mean, runFlow, type Verdict, verdict } from './scoring.js';

/** The reference method as it describes itself: a relative sim of 0.63, HAC, no improvement, no merging (DESIGN.md's measurement). */
export const REFERENCE_ROWS: readonly { label: string; options: FlowOptions }[] = [
  { label: 'reference: Face only (1,0), sim 0.63', options: { ...REFERENCE_FLOW, sim: 0.63, merge: false, face_cloth_weights: [1, 0] } },
  { label: 'reference: Cloth only (0,1), sim 0.63', options: { ...REFERENCE_FLOW, sim: 0.63, merge: false, face_cloth_weights: [0, 1] } },
  { label: 'reference: Face+Cloth (1,1), sim 0.63', options: { ...REFERENCE_FLOW, sim: 0.63, merge: false, face_cloth_weights: [1, 1] } },
];
/** The reference row the targets compare with: the method's own fingerprint. */
const REFERENCE_MAIN = 2;

/** keycast's four improvements: how each is switched on and off (the rest of the options stay the defaults). */
export const IMPROVEMENTS: readonly { key: string; name: string; on: FlowOptions; off: FlowOptions }[] = [
  { key: 'sim', name: 'automatic cut (sim auto; off: the relative sim 0.4)', on: { sim: 'auto' }, off: { sim: STUDY_SIM } },
  { key: 'cannot_link', name: 'cannot-link (same-frame faces never one person)', on: { cannot_link: true }, off: { cannot_link: false } },
  { key: 'tracks', name: 'temporal links (tracks clustered as a unit)', on: { tracks: true }, off: { tracks: false } },
  { key: 'quality_weighting', name: 'face quality weighting', on: { quality_weighting: true }, off: { quality_weighting: false } },
  { key: 'shot_aware', name: 'shot-aware clothing (across a cut clothing never pushes two faces apart)', on: { shot_aware: true }, off: { shot_aware: false } },
  {
    key: 'merge_fragments',
    name: 'fragment pass (a small cluster joins a larger one it shares no frame with when their nearest faces agree)',
    on: { merge_fragments: true },
    off: { merge_fragments: false },
  },
];

/** Labelled sets in which people change clothes between shots (bench/labelled-sets.ts): the new defaults must raise them. */
export const CLOTHING_CHANGE_SETS: readonly string[] = ['bbt-outfits'];
/** The largest NMI loss on any set that a new default may cost against PREVIOUS_DEFAULTS. */
const MAX_LOSS = 0.01;

/** Whether an improvement is on in the defaults. */
function isOnByDefault(imp: (typeof IMPROVEMENTS)[number]): boolean {
  const d = DEFAULT_CLUSTER as unknown as Record<string, unknown>;
  return Object.entries(imp.on).every(([k, v]) => d[k] === v);
}

export function summaryTable(datasets: Dataset[]): string[] {
  const head = [
    'dataset',
    'people',
    ...REFERENCE_ROWS.map((r) => r.label.replace('reference: ', 'reference ')),
    'keycast Face only (1,0)',
    'keycast previous defaults (Face+Cloth, shot-blind)',
    'keycast defaults',
  ];
  return mdTable(
    head,
    datasets.map((d) => [
      CLOTHING_CHANGE_SETS.includes(d.key) ? `${d.key} (clothing changes)` : d.key,
      `${d.identities}`,
      ...REFERENCE_ROWS.map((r) => nfc(runFlow(d, r.options), d.identities)),
      nfc(runFlow(d, { face_cloth_weights: [1, 0] }), d.identities),
      nfc(runFlow(d, PREVIOUS_DEFAULTS), d.identities),
      `**${nfc(runFlow(d, {}), d.identities)}**`,
    ]),
  );
}

/** The bar of issue 14: no set loses more than MAX_LOSS NMI against the previous defaults, and the clothing-change sets gain. */
export function barConclusion(datasets: Dataset[]): string {
  const rows = datasets.map((d) => ({ key: d.key, prev: runFlow(d, PREVIOUS_DEFAULTS).nmi, now: runFlow(d, {}).nmi }));
  const worst = rows.reduce((a, b) => (b.now - b.prev < a.now - a.prev ? b : a));
  const change = rows.filter((r) => CLOTHING_CHANGE_SETS.includes(r.key));
  const ok = worst.now - worst.prev >= -MAX_LOSS - 1e-9 && change.length > 0 && change.every((r) => r.now > r.prev + 1e-9);
  return (
    `**New defaults against the previous ones (${ok ? 'the bar is met' : 'the bar is NOT met'}: no set below −${MAX_LOSS} NMI, the clothing-change sets raised):** ` +
    rows.map((r) => `${r.key} ${f3(r.prev)} → ${f3(r.now)}`).join(', ') +
    `; the largest loss ${f3(Math.min(0, worst.now - worst.prev))} (${worst.key}).`
  );
}

export function ablation(datasets: Dataset[]): { lines: string[]; verdicts: Verdict[] } {
  const rows: string[][] = [];
  const defaults = datasets.map((d) => runFlow(d, {}));
  const nmiCells = (ss: Scores[]) => [
    ...ss.map((s, i) => nfc(s, datasets[i].identities)),
    f3(mean(ss.map((s) => s.nmi))),
    f3(Math.min(...ss.map((s) => s.nmi))),
  ];
  rows.push(['**keycast defaults**', ...nmiCells(defaults)]);
  const verdicts: Verdict[] = [];
  for (const imp of IMPROVEMENTS) {
    const def = isOnByDefault(imp);
    const flipped = datasets.map((d) => runFlow(d, def ? imp.off : imp.on));
    rows.push([`${imp.name}: ${def ? 'off' : 'on'}`, ...nmiCells(flipped)]);
    const on = (def ? defaults : flipped).map((s) => s.nmi);
    const off = (def ? flipped : defaults).map((s) => s.nmi);
    verdicts.push(verdict(imp.key, on, off));
  }
  const lines = mdTable(['from the defaults, one change', ...datasets.map((d) => d.key), 'mean NMI', 'min NMI'], rows);
  return { lines, verdicts };
}

/** Each improvement added alone to the reference flow at the relative sim 0.4 (and the auto cut alone). */
export function aloneTable(datasets: Dataset[]): string[] {
  const base: FlowOptions = { ...REFERENCE_FLOW, sim: STUDY_SIM };
  const rows: [string, FlowOptions][] = [
    ['reference flow, sim 0.4 (keycast before the improvements)', base],
    ...IMPROVEMENTS.map((imp): [string, FlowOptions] => [`+ ${imp.name}`, { ...base, ...imp.on }]),
    ['all of them', { sim: 'auto', cannot_link: true, tracks: true, quality_weighting: true, shot_aware: true, merge_fragments: true }],
  ];
  return mdTable(
    ['configuration', ...datasets.map((d) => d.key), 'mean NMI'],
    rows.map(([label, o]) => {
      const ss = datasets.map((d) => runFlow(d, o));
      return [label, ...ss.map((s, i) => nfc(s, datasets[i].identities)), f3(mean(ss.map((s) => s.nmi)))];
    }),
  );
}

/** Conclusions on keycast's defaults: targets, verdicts, what libs/config should hold. */
export function defaultsConclusions(datasets: Dataset[], verdicts: Verdict[]): string[] {
  const out: string[] = [];
  let n = 0;
  const def = datasets.map((d) => ({ d, s: runFlow(d, {}), ref: REFERENCE_ROWS.map((r) => runFlow(d, r.options)) }));
  const ham = def.find((x) => x.d.key === 'hamilton');
  if (ham) {
    const ok = ham.s.nmi >= 0.95 && ham.s.f1 >= 0.9;
    out.push(
      `${++n}. **Hamilton at ${HAMILTON_INTERVAL} s, defaults: NMI ${f3(ham.s.nmi)}, pairwise F1 ${f3(ham.s.f1)}** (target NMI ≥ 0.95 and F1 ≥ 0.90: ${ok ? 'met' : 'NOT met'}; ` +
        `the reference with face only: ${f3(ham.ref[0].nmi)} / ${f3(ham.ref[0].f1)}, face+cloth ${f3(ham.ref[2].nmi)} / ${f3(ham.ref[2].f1)}).`,
    );
  }
  const all90 = def.every((x) => x.s.nmi >= 0.9);
  const beatMain = def.filter((x) => x.s.nmi > x.ref[REFERENCE_MAIN].nmi + 1e-9);
  const beatAll = def.filter((x) => x.ref.every((r) => x.s.nmi > r.nmi + 1e-9));
  out.push(
    `${++n}. **Every dataset, defaults, no per-video tuning:** NMI ${def.map((x) => `${x.d.key} ${f3(x.s.nmi)}`).join(', ')} — ` +
      `${
        all90
          ? 'all ≥ 0.90'
          : `below 0.90: ${def
              .filter((x) => x.s.nmi < 0.9)
              .map((x) => x.d.key)
              .join(', ')}`
      }; ` +
      `better than the reference's Face+Cloth at sim 0.63 on ${beatMain.length} of ${def.length}${
        beatMain.length < def.length
          ? ` (not on ${def
              .filter((x) => !beatMain.includes(x))
              .map((x) => `${x.d.key}: ${f3(x.ref[REFERENCE_MAIN].nmi)}`)
              .join(', ')})`
          : ''
      }, ` +
      `better than each of its three fingerprints on ${beatAll.length} of ${def.length}${
        beatAll.length < def.length
          ? ` (not on ${def
              .filter((x) => !beatAll.includes(x))
              .map((x) => `${x.d.key}: best reference ${f3(Math.max(...x.ref.map((r) => r.nmi)))}`)
              .join(', ')})`
          : ''
      }.`,
  );
  for (const v of verdicts) {
    const imp = IMPROVEMENTS.find((i) => i.key === v.key)!;
    const inConfig = isOnByDefault(imp);
    const diffs = datasets.map((d, i) => ({ key: d.key, on: v.on[i], off: v.off[i] })).filter((x) => Math.abs(x.on - x.off) > 1e-9);
    out.push(
      `${++n}. **${imp.name}: ${v.helps ? 'helps' : 'does not help'}** (mean NMI off → on ${f3(mean(v.off))} → ${f3(mean(v.on))}; better on ${v.better}, worse on ${v.worse} of ${datasets.length}` +
        (diffs.length ? `: ${diffs.map((x) => `${x.key} ${f3(x.off)} → ${f3(x.on)}`).join(', ')}` : ': the same on every dataset') +
        '). ' +
        (v.helps ? 'On by default' : 'Left off by default') +
        (v.helps === inConfig ? '' : ` — **but libs/config has it ${inConfig ? 'on' : 'off'}: change DEFAULT_CLUSTER**`) +
        '.',
    );
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Why tracks and fragments do what they do; the key-character gate.

/** What the improvements do, for the report (their exact semantics live in the code's docstrings). */
export const SEMANTICS = [
  "- **Automatic cut (`sim=auto`)** (libs/clustering/auto-cut.ts `autoCutHeight`, distances libs/flow/pair-distances.ts): keycast's flow measures distances in face units, " +
    "d² = (2A·w_f²·df² + 2(1−A)·w_c²·(dc/ρ)²) / (2A·w_f² + 2(1−A)·w_c²) with df, dc the distances of the L2-normalised face and cloth vectors, ρ the median dc/df of the video (the cloth half brought to the face descriptor's scale) and A the face share (0.5, or the quality weighting's). " +
    "The cut is then t = the middle of the widest gap between the heights of the merges of two groups of ≥ 3 faces that lie inside the band [0.3, 0.5] (the band's middle when none does). Deterministic; it reads only merge heights. A number keeps the reference's relative cut max(pdist)·(1 − sim), on the reference's distances when every improvement is off (scipy-identical).",
  "- **Cannot-link** (libs/clustering/cannot-link.ts): before the linkage the distance of two faces of one frame becomes 1e6; the cut never keeps two units that share a frame in one flat cluster (a conflicting subtree is split into its children, recursively: scipy's monocrit cut with +∞ on conflicting nodes); merging, when on, never joins clusters that share a frame. The cached linkage is that of the penalised distances (its key holds `cannot_link`); the constrained cut runs on every request.",
  "- **Temporal links** (libs/flow/tracks.ts `buildTracks`): faces of consecutive samples (the next frame holding faces, at most 1.5 sample intervals later) whose boxes overlap with IoU ≥ 0.3 and whose descriptors are ≤ 0.35 apart are linked, one to one by decreasing IoU; a track is a chain of links. Tracks are clustered as units at the mean distance of their faces' pairs, and every face of a track gets the track's label. The cached linkage is that of the tracks (rebuilt from the faces on each request, deterministically).",
  "- **Face quality weighting** (libs/flow/face-quality.ts; features from libs/vision/face-quality.ts at extraction): q = Π (0.05 + 0.95·r_k)^(1/4) over four ramps — box short side 24 → 96 px, log sharpness (variance of the Laplacian of the face at 64×64 gray) 20 → 400, |yaw| (nose offset from the eyes' midpoint / eye distance, from the 68 landmarks) 0.8 → 0, detection score 0.5 → 0.9. A pair's face share A is its worse face's q: a sharp frontal face lets the face decide, a small blurred or turned one leaves it to the clothing. Faces without the features (older fingerprints) are neutral (A = 0.5).",
  '- **Shot-aware clothing** (libs/flow/shots.ts, pair-distances.ts; shots from libs/media at extraction): every sampled frame carries its shot, named by the frame index where the shot starts (the latest frame whose ffmpeg scene score — the one scene sampling uses — is above scene_threshold, 0.2). For a pair of faces in different shots d := min(d, d_face): a change of clothes cannot push the pair apart (the face decides), matching clothing may still bring it together; within a shot, or when a shot is unknown (faces stored before shots were recorded), nothing changes. The stricter rule, d := d_face across shots (clothing ignored there), was measured while building this and rejected: it lowers mixed 0.977 → 0.939, bbt-scenes 1.000 → 0.982 and demo-samples 1.000 → 0.989 (in those sets a photo comes back in later shots, so clothing across cuts often matches) while raising bbt-outfits as much (0.972 → 1.000).',
  "- **Fragment pass** (libs/flow/fragments.ts): after the cut and before min_csize, clusters from the smallest: a cluster at most half the size of another that shares no frame with it joins it when the median, over its faces, of the distance to the other's nearest face (L2-normalised descriptors) is ≤ 0.35 (0.4 lowered demo-samples, 0.3 changed nothing). It only cuts (no new linkage); the reference flow ignores it.",
];

/** The report's part on keycast's defaults: against the reference, conclusions, ablation, diagnosis, semantics. */
export function defaultsSection(datasets: Dataset[]): string[] {
  const md: string[] = [];
  md.push(
    "## keycast's defaults against the reference method",
    '',
    "Each cell: NMI (all faces) / pairwise F1 / clusters:people. The reference rows are the method as the reference describes it (relative sim 0.63 = cut at 37% of the largest distance, no merging, none of keycast's improvements); keycast's defaults need no per-video tuning.",
    '',
  );
  md.push(...summaryTable(datasets), '');
  const abl = ablation(datasets);
  md.push('## Conclusions', '', ...defaultsConclusions(datasets, abl.verdicts), '', barConclusion(datasets), '');
  md.push(
    '## Ablation',
    '',
    "From keycast's defaults, one improvement switched (off if the defaults have it on, on if off); cells NMI / F1 / clusters:people. An improvement is on by default when it raises the mean NMI over the datasets.",
    '',
  );
  md.push(...abl.lines, '');
  md.push(
    'Each improvement alone, added to the reference flow at the relative sim 0.4 (keycast\'s default before them); "all of them" has tracks and the fragment pass on as well:',
    '',
    ...aloneTable(datasets),
    '',
  );
  md.push(...tracksDiagnosis(datasets.filter((d) => d.truth)), '');
  md.push(...keyCharacterSection(datasets.filter((d) => d.truth)), '');
  md.push('## The improvements', '', ...SEMANTICS, '');
  return md;
}
