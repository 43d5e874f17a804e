/**
 * Calibrates recognition across videos (libs/recognition) on labelled real faces: enrol people from some
 * pictures, query with others, and count who is named right, who is named wrong, and how often a person
 * who was never enrolled gets a name (the false-accept rate the default threshold must keep near 0).
 *
 *   node --import tsx bench/recognition.ts [--record]
 *
 * Faces come from bench/recognition-data.ts (the service's own detector and descriptor, cached outside
 * the repository). Each round (seeded, so the numbers are reproducible) enrols a random half of the
 * people seen in three pictures or more, from ENROL pictures each (their "confirmed faces"); queries never
 * share a picture with enrolment. Queries:
 * - single faces of enrolled people (search by photo) and "clusters" of up to CLUSTER faces of one
 *   enrolled person from different pictures (a cluster of a new video);
 * - strangers: every face (and every cluster) of the people not enrolled this round, plus people seen once
 *   (face-api's demo photos), the unlabelled bald_guys collage and two people of the Hamilton clip.
 * `--record` writes the section into docs/QUALITY.md (other sections are left alone).
 */
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildGallery, identify, QUALITY_GATE, qualityGate, rankPeople, RECOGNITION, type PeopleGallery } from '../libs/recognition/index.js';
import { BLUR_SIGMA, degradedBands, labelledDescriptors, type LabelledDescriptor } from './recognition-data.js';
import { replaceResultsSection } from './results-file.js';
import { rng } from './seeded.js';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ROUNDS = 200;
const ENROL = 3;
const CLUSTER = 3;
const THRESHOLDS = [0.88, 0.9, 0.91, 0.92, 0.925, 0.93, 0.935, 0.94, 0.95];
const KS = [1, 2, 3, 5];
const HEADING = '## Recognition across videos (bench/recognition.ts)';
const NOTES_BEGIN = '<!-- recognition notes: kept by --record -->';
const NOTES_END = '<!-- end of recognition notes -->';

function shuffle<T>(xs: T[], rand: () => number): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

interface Query {
  /** The enrolled identity it should be named as, or null for a stranger. */
  truth: string | null;
  faces: LabelledDescriptor[];
}

interface Round {
  gallery: PeopleGallery<string>;
  queries: { single: Query[]; cluster: Query[] };
}

/** Groups faces into clusters of up to `size` faces from different pictures. */
function clusters(faces: LabelledDescriptor[], size: number, rand: () => number): LabelledDescriptor[][] {
  const out: LabelledDescriptor[][] = [];
  let cur: LabelledDescriptor[] = [];
  for (const f of shuffle(faces, rand)) {
    if (cur.some((c) => c.shot === f.shot)) continue;
    cur.push(f);
    if (cur.length === size) {
      out.push(cur);
      cur = [];
    }
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

function makeRound(all: LabelledDescriptor[], rand: () => number, enrolFaces: number): Round {
  const byId = new Map<string, LabelledDescriptor[]>();
  for (const f of all) if (f.id) byId.set(f.id, [...(byId.get(f.id) ?? []), f]);
  const multi = [...byId.keys()].filter((id) => new Set(byId.get(id)!.map((f) => f.shot)).size >= 3).sort();
  const enrolled = new Set(shuffle(multi, rand).slice(0, Math.ceil(multi.length / 2)));
  const people: { person: string; faces: number[][] }[] = [];
  const single: Query[] = [];
  const cluster: Query[] = [];
  for (const id of [...byId.keys()].sort()) {
    const faces = byId.get(id)!;
    if (!enrolled.has(id)) {
      for (const f of faces) single.push({ truth: null, faces: [f] });
      for (const c of clusters(faces, CLUSTER, rand)) cluster.push({ truth: null, faces: c });
      continue;
    }
    const shots = shuffle([...new Set(faces.map((f) => f.shot))], rand);
    const enrolShots = new Set(shots.slice(0, enrolFaces));
    people.push({ person: id, faces: faces.filter((f) => enrolShots.has(f.shot)).map((f) => f.descriptor) });
    const held = faces.filter((f) => !enrolShots.has(f.shot));
    for (const f of held) single.push({ truth: id, faces: [f] });
    for (const c of clusters(held, CLUSTER, rand)) cluster.push({ truth: id, faces: c });
  }
  // Unlabelled faces (bald_guys): strangers one by one (their four people are not told apart).
  for (const f of all.filter((x) => x.id === null)) single.push({ truth: null, faces: [f] });
  return { gallery: buildGallery(people, { maxExemplars: RECOGNITION.maxExemplars }), queries: { single, cluster } };
}

interface Tally {
  known: number;
  correct: number;
  wrong: number;
  missed: number;
  strangers: number;
  falseAccepts: number;
  top1: number;
}

/** A query's descriptors: as detected, or (with `band`) its faces shrunk/blurred to that band, those the detector still finds. */
function queryFaces(q: Query, band?: string): number[][] {
  if (!band) return q.faces.map((f) => f.descriptor);
  return q.faces.flatMap((f) => (f.degraded[band] ? [f.degraded[band].descriptor] : []));
}

function tally(rounds: Round[], kind: 'single' | 'cluster', k: number, threshold: number, band?: string): Tally {
  const t: Tally = { known: 0, correct: 0, wrong: 0, missed: 0, strangers: 0, falseAccepts: 0, top1: 0 };
  for (const r of rounds) {
    for (const q of r.queries[kind]) {
      const faces = queryFaces(q, band);
      if (faces.length === 0) continue;
      const named = identify(r.gallery, faces, { k, threshold });
      if (q.truth === null) {
        t.strangers++;
        if (named) t.falseAccepts++;
        continue;
      }
      t.known++;
      if (rankPeople(r.gallery, faces, { k })[0]?.person === q.truth) t.top1++;
      if (!named) t.missed++;
      else if (named.person === q.truth) t.correct++;
      else t.wrong++;
    }
  }
  return t;
}

/** The lowest threshold (grid step 0.0025) at which no stranger is named. */
function zeroFarThreshold(rounds: Round[], k: number, kinds: readonly ('single' | 'cluster')[], band?: string): number {
  let th = 0.85;
  while (th < 1 && kinds.some((kind) => tally(rounds, kind, k, th, band).falseAccepts > 0)) th = Math.round((th + 0.0025) * 10000) / 10000;
  return th;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

/** Queries shrunk (and blurred) to small faces: how often strangers are named at the default threshold, and what threshold holds 0. */
function bandLines(all: LabelledDescriptor[], rounds: Round[]): string[] {
  const lines = [
    `### Small and blurred query faces, by band`,
    '',
    `Every query face cropped with one box of context on each side, shrunk (lanczos3) so that its detector box is 40, 60 or 80 px high, optionally blurred (Gaussian, sigma ${BLUR_SIGMA} px at that size), pasted on a black 320² frame and detected and described again (the faces the detector misses there are dropped). Enrolment stays at full size (a tenant's confirmed faces). Same rounds as above; a cluster's faces are all shrunk. "px" = the median detector box height found; "sharpness" = median libs/vision faceSharpness.`,
    '',
    '| band | px | sharpness | faces found | one face at ' +
      RECOGNITION.threshold +
      ': named right / strangers named | cluster at ' +
      RECOGNITION.threshold +
      ': named right / strangers named | zero-FAR threshold (one face + cluster) | one face named right there | one face at ' +
      QUALITY_GATE.raisedThreshold +
      ' (raised): named right / strangers named | quality gate at that px |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  const row = (name: string, band?: string) => {
    const found = band ? all.filter((f) => f.degraded[band]) : all;
    const px = median(found.map((f) => (band ? f.degraded[band].facePx : f.box[3])));
    const sharp = band ? median(found.map((f) => f.degraded[band].sharpness)).toFixed(0) : '—';
    const s = tally(rounds, 'single', RECOGNITION.k, RECOGNITION.threshold, band);
    const c = tally(rounds, 'cluster', RECOGNITION.k, RECOGNITION.threshold, band);
    const z = zeroFarThreshold(rounds, RECOGNITION.k, ['single', 'cluster'], band);
    const sz = tally(rounds, 'single', RECOGNITION.k, z, band);
    const sr = tally(rounds, 'single', RECOGNITION.k, QUALITY_GATE.raisedThreshold, band);
    lines.push(
      `| ${name} | ${Math.round(px)} | ${sharp} | ${found.length}/${all.length} | ${pct(s.correct, s.known)} / ${pct(s.falseAccepts, s.strangers)} (${s.falseAccepts}/${s.strangers}) | ${pct(c.correct, c.known)} / ${pct(c.falseAccepts, c.strangers)} (${c.falseAccepts}/${c.strangers}) | ${z} | ${pct(sz.correct, sz.known)} | ${pct(sr.correct, sr.known)} / ${pct(sr.falseAccepts, sr.strangers)} (${sr.falseAccepts}/${sr.strangers}) | ${qualityGate(px).gate} |`,
    );
  };
  row('as detected');
  for (const band of degradedBands()) row(band.endsWith('b') ? `${band.slice(0, -1)} px, blurred` : `${band} px`, band);
  lines.push('');
  return lines;
}

const pct = (n: number, d: number) => (d === 0 ? '—' : `${((100 * n) / d).toFixed(d >= 1000 ? 2 : 1)}%`);

export async function runRecognitionBench(): Promise<string> {
  const all = await labelledDescriptors();
  const rand = rng(13);
  const rounds = Array.from({ length: ROUNDS }, () => makeRound(all, rand, ENROL));
  const sources = [...new Set(all.map((f) => f.source))].map((s) => `${s} ${all.filter((f) => f.source === s).length}`).join(', ');
  const lines: string[] = [HEADING, ''];
  lines.push(
    `Faces: ${all.length} detected labelled faces (${sources}); ${ROUNDS} rounds, each enrolling a random half of the people seen in 3+ pictures from ${ENROL} pictures each; queries never share a picture with enrolment; strangers = people not enrolled that round + people seen once + bald_guys. A person's score = mean similarity (cosine of L2-normalised face descriptors) of the query to their k most similar exemplars; a cluster's faces are averaged first. Default: k ${RECOGNITION.k}, threshold ${RECOGNITION.threshold}.`,
    '',
  );
  for (const kind of ['single', 'cluster'] as const) {
    lines.push(`### ${kind === 'single' ? 'One face (search by photo)' : `Clusters of up to ${CLUSTER} faces (suggestions)`}, k ${RECOGNITION.k}`, '');
    lines.push('| threshold | named right | wrong name | not named | strangers named (FAR) | top-1 (no threshold) |', '|---|---|---|---|---|---|');
    for (const th of THRESHOLDS) {
      const t = tally(rounds, kind, RECOGNITION.k, th);
      const row = `| ${th}${th === RECOGNITION.threshold ? ' (default)' : ''} | ${pct(t.correct, t.known)} | ${pct(t.wrong, t.known)} | ${pct(t.missed, t.known)} | ${pct(t.falseAccepts, t.strangers)} (${t.falseAccepts}/${t.strangers}) | ${pct(t.top1, t.known)} |`;
      lines.push(th === RECOGNITION.threshold ? row.replace(/\| ([^|]+) \|/, '| **$1** |') : row);
    }
    lines.push('');
  }
  lines.push(...bandLines(all, rounds));
  lines.push('### k (exemplars averaged), each at its own threshold', '');
  lines.push(
    'Each k at the lowest threshold (grid step 0.0025) where no stranger is named, one face or cluster; the default threshold sits a step above that for k ' +
      RECOGNITION.k +
      ', a margin for tenants with many more people than these.',
    '',
  );
  lines.push('| k | zero-FAR threshold | one face: named right | cluster: named right |', '|---|---|---|---|');
  for (const k of KS) {
    const th = zeroFarThreshold(rounds, k, ['single', 'cluster']);
    const s = tally(rounds, 'single', k, th);
    const c = tally(rounds, 'cluster', k, th);
    lines.push(`| ${k}${k === RECOGNITION.k ? ' (default)' : ''} | ${th} | ${pct(s.correct, s.known)} | ${pct(c.correct, c.known)} |`);
  }
  lines.push('', `Regenerate: \`node --import tsx bench/recognition.ts --record\` (needs ../shared/data; descriptors cached under the OS temp dir).`);
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const text = await runRecognitionBench();
  console.log(text);
  if (process.argv.includes('--record')) replaceResultsSection(join(REPO_ROOT, 'docs/QUALITY.md'), HEADING, text, NOTES_BEGIN, NOTES_END);
}
