/**
 * Correction efficiency: how many edits a careful user needs before the clustering of a labelled video
 * is right (NMI ≥ 0.99), against the number of wrong faces (what a tool that only relabels the displayed
 * clusters would need: one move per misplaced face). Every edit is a person constraint (libs/flow
 * people.ts) and every re-cut honours all of them, so a fix spreads to similar faces.
 *
 *   node --import tsx bench/correction-efficiency.ts [--record]
 *
 * The simulated user, on keycast's defaults (sim auto) and two settings that start worse: an identity's
 * home is the cluster carrying its person, else its largest block in a cluster no other identity holds
 * as home (one identity per cluster). The errors
 * are the blocks (faces of one identity in one cluster, or unclustered) outside their identity's home.
 * Each round the user fixes the largest error with one edit and re-cuts:
 * - the identity has no person yet: name its home cluster (POST /people: its faces there, the other
 *   identities' faces of that cluster excluded: one edit that names and splits);
 * - else move the block to the person (POST /people/:id/faces with the block's faces: a merge when
 *   the block is a whole cluster, a move or split otherwise).
 * "Wrong faces" counts every face outside its identity's home on the uncorrected result.
 * With --record the table replaces the section "Correction efficiency" of docs/QUALITY.md.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scoreLabels } from '../libs/clustering/index.js';
import { DEFAULT_CLUSTER } from '../libs/config/index.js';
import { clusterFaces, type PersonConstraint } from '../libs/flow/index.js';
import { labelledFaces } from './labelled-faces.js';
import { LABELLED_SET_NAMES, missingSources } from './labelled-sets.js';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const TARGET = 0.99;
const MAX_EDITS = 100;

interface Block {
  cluster: number | null;
  identity: string;
  faces: number[];
}

/** Blocks of the labelled faces: (cluster, identity) → face indices; null cluster = unclustered, each face its own block. */
function blocks(labels: (number | null)[], truth: (string | null)[]): Block[] {
  const m = new Map<string, Block>();
  labels.forEach((l, i) => {
    const t = truth[i];
    if (t === null) return;
    const key = l === null ? `u${i}` : `${l}|${t}`;
    const b = m.get(key) ?? { cluster: l, identity: t, faces: [] };
    b.faces.push(i);
    m.set(key, b);
  });
  return [...m.values()];
}

/**
 * Each identity's home cluster, one identity per cluster: the cluster carrying its person, else its
 * largest block in a cluster no other identity holds as home (blocks by decreasing size; ties: lowest
 * cluster id). An identity without one has no home: all its faces are errors.
 */
function homes(bs: Block[], labels: (number | null)[], people: Map<string, PersonConstraint>, faceIndex: Map<number, number>): Map<string, number | null> {
  const out = new Map<string, number | null>();
  const taken = new Set<number>();
  for (const [identity, p] of people) {
    const l = labels[faceIndex.get(p.faces[0])!];
    out.set(identity, l);
    if (l !== null) taken.add(l);
  }
  const sorted = [...bs].filter((b) => b.cluster !== null).sort((a, b) => b.faces.length - a.faces.length || a.cluster! - b.cluster!);
  for (const b of sorted) {
    if (out.has(b.identity) || taken.has(b.cluster!)) continue;
    out.set(b.identity, b.cluster);
    taken.add(b.cluster!);
  }
  return out;
}

function errorsOf(bs: Block[], home: Map<string, number | null>): Block[] {
  return bs
    .filter((b) => b.cluster === null || home.get(b.identity) !== b.cluster)
    .sort((a, b) => b.faces.length - a.faces.length || String(a.cluster).localeCompare(String(b.cluster)));
}

export interface CorrectionRun {
  setting: string;
  set: string;
  faces: number;
  identities: number;
  nmiBefore: number;
  wrongFaces: number;
  edits: number;
  nmiAfter: number;
  reached: boolean;
  recutMs: number;
}

/** The clustering settings corrected: keycast's defaults, and the reference flow at its sim (a worse start). */
export const SETTINGS: { name: string; over: Partial<typeof DEFAULT_CLUSTER> }[] = [
  { name: 'defaults (sim auto)', over: {} },
  { name: 'reference flow, sim 0.63', over: { sim: 0.63, cannot_link: false, quality_weighting: false } },
  { name: 'keycast flow, sim 0.4', over: { sim: 0.4 } },
];

export async function correctionRun(name: string, setting = SETTINGS[0]): Promise<CorrectionRun> {
  const set = await labelledFaces(name);
  const { faces, truth } = set;
  const faceIndex = new Map(faces.map((f, i) => [f.id, i]));
  const opts = { ...DEFAULT_CLUSTER, ...setting.over };
  const people = new Map<string, PersonConstraint>();
  const cut = () => clusterFaces(faces, opts, undefined, { sample_interval_s: set.fingerprints.sample_interval_s, people: [...people.values()] }).labels;
  const nmi = (labels: (number | null)[]) =>
    scoreLabels(
      truth,
      labels.map((l) => (l === null ? null : String(l))),
    ).nmi_all;
  let labels = cut();
  const nmiBefore = nmi(labels);
  const first = blocks(labels, truth);
  const wrongFaces = errorsOf(first, homes(first, labels, people, faceIndex)).reduce((s, b) => s + b.faces.length, 0);
  let edits = 0;
  let recut = 0;
  while (nmi(labels) < TARGET && edits < MAX_EDITS) {
    const bs = blocks(labels, truth);
    const home = homes(bs, labels, people, faceIndex);
    const [worst] = errorsOf(bs, home);
    if (!worst) break;
    const id = worst.identity;
    const p = people.get(id);
    if (!p) {
      // Name the identity's home cluster: its faces there, the cluster's other faces excluded.
      const h = home.get(id) ?? worst.cluster;
      const mine = labels.flatMap((l, i) => (l === h && truth[i] === id ? [faces[i].id] : []));
      const others = labels.flatMap((l, i) => (l === h && truth[i] !== id ? [faces[i].id] : []));
      for (const q of people.values()) q.faces = q.faces.filter((f) => !mine.includes(f));
      people.set(id, { id, faces: mine, rejected: others });
    } else {
      const moved = worst.faces.map((i) => faces[i].id);
      for (const q of people.values()) if (q !== p) q.faces = q.faces.filter((f) => !moved.includes(f));
      p.faces = [...new Set([...p.faces, ...moved])];
      p.rejected = (p.rejected ?? []).filter((f) => !moved.includes(f));
    }
    for (const [k, q] of people) if (q.faces.length === 0) people.delete(k);
    edits++;
    const t0 = performance.now();
    labels = cut();
    recut += performance.now() - t0;
  }
  const nmiAfter = nmi(labels);
  return {
    setting: setting.name,
    set: name,
    faces: faces.length,
    identities: new Set(truth.filter((t) => t !== null)).size,
    nmiBefore,
    wrongFaces,
    edits,
    nmiAfter,
    reached: nmiAfter >= TARGET,
    recutMs: edits ? recut / edits : 0,
  };
}

const SECTION = '## Correction efficiency';

export function correctionTable(runs: CorrectionRun[]): string {
  const f3 = (x: number) => x.toFixed(3);
  const rows = runs.map(
    (r) =>
      `| ${r.setting} | ${r.set} | ${r.faces} | ${r.identities} | ${f3(r.nmiBefore)} | ${r.wrongFaces} | ${r.edits}${r.reached ? '' : ' (not reached)'} | ${f3(r.nmiAfter)} | ${r.wrongFaces ? (r.edits / r.wrongFaces).toFixed(2) : '-'} | ${r.recutMs.toFixed(0)} |`,
  );
  return [
    SECTION,
    '',
    `Command: \`node --import tsx bench/correction-efficiency.ts --record\` (bench/correction-efficiency.ts). A simulated careful user corrects the clustering of each labelled video (keycast's defaults, and two settings that start worse) with people (POST /people and POST /people/:id/faces semantics, through libs/flow's constraints): each round it fixes the largest remaining error with one edit (name a cluster — its other identities' faces excluded —, or move/merge a block of one identity into that identity's person) and re-cuts, until NMI (all labelled faces) ≥ ${TARGET}. "Wrong faces": faces outside their identity's cluster on the uncorrected result, i.e. the moves a tool that only relabels the displayed clusters needs. Re-cut: mean time of one constrained clustering of the set (a new linkage each time; shared 2-core machine).`,
    '',
    '| setting | set | faces | identities | NMI before | wrong faces | edits to NMI ≥ 0.99 | NMI after | edits / wrong faces | re-cut ms |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows,
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const record = process.argv.includes('--record');
  const runs: CorrectionRun[] = [];
  for (const setting of SETTINGS) {
    for (const name of LABELLED_SET_NAMES) {
      const skip = missingSources(name);
      if (skip) {
        process.stderr.write(`${skip}\n`);
        continue;
      }
      runs.push(await correctionRun(name, setting));
    }
  }
  const table = correctionTable(runs);
  process.stdout.write(`${table}\n`);
  if (record) {
    const path = join(REPO_ROOT, 'docs/QUALITY.md');
    const doc = await readFile(path, 'utf8');
    const start = doc.indexOf(SECTION);
    let out: string;
    if (start === -1) {
      const regen = doc.indexOf('## Regenerate');
      out = regen === -1 ? `${doc.trimEnd()}\n\n${table}` : `${doc.slice(0, regen)}${table}\n${doc.slice(regen)}`;
    } else {
      const next = doc.indexOf('\n## ', start + SECTION.length);
      out = `${doc.slice(0, start)}${table}${next === -1 ? '' : doc.slice(next + 1)}`;
    }
    await writeFile(path, out);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
