/**
 * Face verification with face-api's chips, dlib's aligned chips (libs/vision/face-chip.ts) and the
 * guarded mix (dlib's chip where chip-trust.ts trusts the landmarks), on the same detections.
 *
 *   node --import tsx bench/chip-verification.ts [--refresh] [--json OUT]
 *
 * Faces with known identity:
 * - photos: the labelled face chips of ../shared/data/faces (bbt: 8 people x 5, johns: 5 x 11), padded
 *   with 75 px of black as bench/quality.ts does; the same, rotated by 20 degrees ("photos rotated");
 * - video: the labelled videos of bench/labelled-sets.ts and the Hamilton clip, sampled at their
 *   labelled interval, each detection labelled by its ground truth (bench/labelled-faces.ts matchTruth).
 *   The labelled videos' faces are large (photos filmed close): each is also sampled at 640 and 384 px
 *   wide (resizing_resolution, as `keycast analyze` would on a small video), which puts the same faces
 *   at 1/2 and 0.3 of their size, down to 30-60 px, where face-api's landmarks start to fail.
 * Every face is described with both chips once (detectFaces allChips) and cached by group in
 * os.tmpdir()/keycast-chip-verification.json (--refresh recomputes).
 *
 * Pairs: every two labelled faces of one collection or video, except two faces of the same shot (the
 * same photo, or Hamilton samples less than 2 s apart): same shot means nearly the same image. Pairs
 * are split into halves by a hash of the two faces' keys: the guard is chosen on half A (lowest EER
 * on the video pairs of half A), every table reports half B.
 *
 * Bands (a pair is in a band when either face is): face height < 60, 60-120, > 120 px (the smaller
 * face's height decides); roll beyond ±10 degrees; within 10% of the frame's edge.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { sampleFrames, type SampleOptions } from '../libs/media/index.js';
import {
  detectFaces,
  initBackend,
  initDetector,
  loadFaceModels,
  tf,
  trustChip,
  type ChipFit,
  type ChipGuard,
  type FaceDetector,
} from '../libs/vision/index.js';
import { matchTruth } from './labelled-faces.js';
import { labelledSets, type GroundTruth } from './labelled-sets.js';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SHARED = resolve(REPO_ROOT, '../shared/data');
const CACHE = join(tmpdir(), 'keycast-chip-verification.json');
const CHIP_PAD = 75;

export interface VerFace {
  /** 'photos', 'photos rotated', or the video's name. */
  group: string;
  kind: 'photo' | 'video';
  key: string;
  shot: string;
  id: string;
  box: [number, number, number, number];
  frame: [number, number];
  fit: ChipFit;
  roll: number;
  faceApi: number[];
  dlib: number[];
}

// ---------------------------------------------------------------------------------------------
// Extraction

async function describeFrame(detector: FaceDetector, rgb: Uint8Array, width: number, height: number) {
  const image = tf.tensor3d(rgb, [height, width, 3], 'int32');
  try {
    return (await detectFaces(image, { minScore: 0.5, maxFaces: 100, detector, rgb, allChips: true })).faces;
  } finally {
    image.dispose();
  }
}

async function photoFaces(detector: FaceDetector, rotate: number): Promise<VerFace[]> {
  const out: VerFace[] = [];
  const group = rotate ? 'photos rotated' : 'photos';
  for (const coll of ['bbt', 'johns']) {
    const root = join(SHARED, 'faces', coll);
    if (!existsSync(root)) continue;
    for (const who of readdirSync(root, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort()) {
      for (const file of readdirSync(join(root, who)).sort()) {
        let img = sharp(join(root, who, file)).extend({ top: CHIP_PAD, bottom: CHIP_PAD, left: CHIP_PAD, right: CHIP_PAD, background: { r: 0, g: 0, b: 0 } });
        if (rotate) img = sharp(await img.png().toBuffer()).rotate(rotate, { background: { r: 0, g: 0, b: 0 } });
        const { data, info } = await img.removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
        let rgb = new Uint8Array(data);
        if (info.channels !== 3) {
          rgb = new Uint8Array(info.width * info.height * 3);
          for (let i = 0; i < info.width * info.height; i++) rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = data[i * info.channels];
        }
        const faces = await describeFrame(detector, rgb, info.width, info.height);
        const best = faces.sort((a, b) => b.score - a.score)[0];
        if (!best) continue;
        out.push({
          group,
          kind: 'photo',
          key: `${group}/${coll}/${who}/${file}`,
          shot: `${coll}/${who}/${file}`,
          id: `${coll}/${who}`,
          box: best.box,
          frame: [info.width, info.height],
          fit: best.fit,
          roll: best.roll,
          faceApi: [...best.descriptors!['face-api']],
          dlib: [...best.descriptors!.dlib],
        });
      }
    }
  }
  return out;
}

const sampling = (interval: number, width = 1280): SampleOptions => ({
  capture_interval_sec: interval,
  use_scene_transition: false,
  scene_threshold: 0.3,
  skip_sec: 0,
  stop_sec: 0,
  resizing_resolution: width,
  resizing_ratio: null,
});
/** Widths the labelled videos are also sampled at (their own: 1280). */
const SMALL_WIDTHS = [640, 384];

async function videoFaces(
  detector: FaceDetector,
  name: string,
  video: string,
  gt: GroundTruth,
  interval: number,
  shotOf: (t: number) => string,
  width = 1280,
): Promise<VerFace[]> {
  const out: VerFace[] = [];
  for await (const f of sampleFrames(video, sampling(interval, width))) {
    const faces = await describeFrame(detector, new Uint8Array(f.data), f.width, f.height);
    // The ground truth is in the video's pixels; frames are at most 1280 px wide.
    const k = f.width / f.sourceWidth;
    const ids = matchTruth(
      faces.map((x) => ({ t: f.t, box: x.box.map((v) => v / k) as [number, number, number, number] })),
      gt,
    );
    faces.forEach((x, i) => {
      const id = ids[i];
      if (id === null) return;
      out.push({
        group: name,
        kind: 'video',
        key: `${name}/${f.t.toFixed(3)}/${i}`,
        shot: shotOf(f.t),
        id,
        box: x.box,
        frame: [f.width, f.height],
        fit: x.fit,
        roll: x.roll,
        faceApi: [...x.descriptors!['face-api']],
        dlib: [...x.descriptors!.dlib],
      });
    });
  }
  return out;
}

export async function verificationFaces(opts: { refresh?: boolean; log?: (m: string) => void } = {}): Promise<VerFace[]> {
  const all: VerFace[] = !opts.refresh && existsSync(CACHE) ? (JSON.parse(await readFile(CACHE, 'utf8')) as VerFace[]) : [];
  const have = new Set(all.map((f) => f.group));
  // Started only when some group is not cached.
  const held: { detector?: FaceDetector } = {};
  const det = async () => {
    if (!held.detector) {
      await initBackend();
      await loadFaceModels();
      held.detector = await initDetector({});
    }
    return held.detector;
  };
  const add = async (group: string, make: (d: FaceDetector) => Promise<VerFace[]>) => {
    if (have.has(group)) return;
    all.push(...(await make(await det())));
    have.add(group);
    opts.log?.(`${group}: ${all.filter((f) => f.group === group).length} faces`);
    await writeFile(CACHE, JSON.stringify(all));
  };
  try {
    await add('photos', (d) => photoFaces(d, 0));
    await add('photos rotated', (d) => photoFaces(d, 20));
    const hamilton = join(SHARED, 'videos/short_hamilton_clip.mp4');
    if (existsSync(hamilton)) {
      const gt = JSON.parse(await readFile(join(SHARED, 'videos/short_hamilton_clip.gt.json'), 'utf8')) as GroundTruth;
      await add('hamilton', (d) => videoFaces(d, 'hamilton', hamilton, gt, 1 / 3, (t) => String(Math.floor(t / 2))));
    }
    for (const set of await labelledSets({ log: opts.log })) {
      const gt = JSON.parse(await readFile(set.gt, 'utf8')) as GroundTruth;
      const shotOf = (t: number) => String(gt.shots.findIndex((s) => t >= s.t0 && t < s.t1));
      await add(set.name, (d) => videoFaces(d, set.name, set.video, gt, set.captureIntervalSec, shotOf));
      for (const w of SMALL_WIDTHS) {
        const group = `${set.name} @${w}`;
        await add(group, (d) => videoFaces(d, group, set.video, gt, set.captureIntervalSec, shotOf, w));
      }
    }
  } finally {
    await held.detector?.release();
  }
  return all;
}

// ---------------------------------------------------------------------------------------------
// Pairs and metrics (pure)

export interface Pair {
  a: VerFace;
  b: VerFace;
  same: boolean;
  half: 'A' | 'B';
}

export function pairsOf(faces: readonly VerFace[]): Pair[] {
  const out: Pair[] = [];
  const byGroup = new Map<string, VerFace[]>();
  for (const f of faces) byGroup.set(f.group, [...(byGroup.get(f.group) ?? []), f]);
  for (const list of byGroup.values()) {
    for (let i = 0; i < list.length; i++) {
      for (let j = i + 1; j < list.length; j++) {
        const a = list[i],
          b = list[j];
        if (a.shot === b.shot) continue;
        const h = createHash('md5').update(`${a.key}|${b.key}`).digest()[0];
        out.push({ a, b, same: a.id === b.id, half: h % 2 === 0 ? 'A' : 'B' });
      }
    }
  }
  return out;
}

export type ChipChoice = 'face-api' | 'dlib' | { guard: ChipGuard };

function descriptorOf(f: VerFace, c: ChipChoice): number[] {
  if (c === 'face-api') return f.faceApi;
  if (c === 'dlib') return f.dlib;
  return trustChip(f.fit, c.guard) ? f.dlib : f.faceApi;
}

function distance(a: number[], b: number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return Math.sqrt(s);
}

export interface Verification {
  pos: number;
  neg: number;
  auc: number;
  eer: number;
  /** TAR at FAR 1e-2 and 1e-3; NaN when there are too few negatives for that FAR (fewer than 1 / FAR). */
  tar2: number;
  tar3: number;
}

/** ROC-AUC (probability a same pair is nearer than a different one, ties half), EER, TAR at FAR 1e-2 / 1e-3. */
export function verification(pos: number[], neg: number[]): Verification {
  const p = [...pos].sort((x, y) => x - y),
    n = [...neg].sort((x, y) => x - y);
  if (p.length === 0 || n.length === 0) return { pos: p.length, neg: n.length, auc: NaN, eer: NaN, tar2: NaN, tar3: NaN };
  // AUC by merging the sorted lists.
  let auc = 0,
    j = 0;
  for (const v of p) {
    while (j < n.length && n[j] < v) j++;
    let k = j;
    while (k < n.length && n[k] === v) k++;
    auc += n.length - k + (k - j) / 2;
  }
  auc /= p.length * n.length;
  const below = (arr: number[], t: number) => {
    let lo = 0,
      hi = arr.length;
    while (lo < hi) {
      const m = (lo + hi) >> 1;
      if (arr[m] <= t) lo = m + 1;
      else hi = m;
    }
    return lo;
  };
  // EER: over thresholds at every distance, where FRR and FAR cross.
  let eer = 1;
  for (const t of [...p, ...n]) {
    const far = below(n, t) / n.length,
      frr = 1 - below(p, t) / p.length;
    eer = Math.min(eer, Math.max(far, frr));
  }
  const tarAt = (far: number) => {
    if (n.length < 1 / far) return NaN;
    // The largest threshold that accepts at most far · |neg| different pairs.
    const allowed = Math.floor(far * n.length);
    const t = allowed === 0 ? n[0] - 1e-12 : n[allowed] - 1e-12;
    return below(p, t) / p.length;
  };
  return { pos: p.length, neg: n.length, auc, eer, tar2: tarAt(1e-2), tar3: tarAt(1e-3) };
}

export const BANDS: { name: string; in: (f: VerFace) => boolean; pair?: (a: VerFace, b: VerFace) => boolean }[] = [
  { name: 'all', in: () => true },
  { name: 'height < 60', in: () => true, pair: (a, b) => Math.min(a.box[3], b.box[3]) < 60 },
  { name: 'height 60-120', in: () => true, pair: (a, b) => Math.min(a.box[3], b.box[3]) >= 60 && Math.min(a.box[3], b.box[3]) <= 120 },
  { name: 'height > 120', in: () => true, pair: (a, b) => Math.min(a.box[3], b.box[3]) > 120 },
  { name: 'roll > ±10°', in: (f) => Math.abs(f.roll) > (10 * Math.PI) / 180 },
  {
    name: 'near the edge',
    in: (f) => {
      const [x, y, w, h] = f.box,
        [W, H] = f.frame;
      return x < 0.1 * W || y < 0.1 * H || x + w > 0.9 * W || y + h > 0.9 * H;
    },
  },
];

export function bandPairs(pairs: readonly Pair[], band: (typeof BANDS)[number]): Pair[] {
  return pairs.filter((p) => (band.pair ? band.pair(p.a, p.b) : band.in(p.a) || band.in(p.b)));
}

export function score(pairs: readonly Pair[], c: ChipChoice): Verification {
  const pos: number[] = [],
    neg: number[] = [];
  for (const p of pairs) (p.same ? pos : neg).push(distance(descriptorOf(p.a, c), descriptorOf(p.b, c)));
  return verification(pos, neg);
}

/**
 * The guards tried on half A: only the residual bound is chosen on data. The others come from geometry
 * (chip-trust.ts): a chip narrower than 0.9 of the box is the collapse, wider than 2.5 boxes or centred
 * more than 0.35 box sides away is not the face the detector found.
 */
export function candidateGuards(): ChipGuard[] {
  return [3, 4, 5, 6, 8, 10, 15, Infinity].map((maxResidual) => ({ maxResidual, minSideToBox: 0.9, maxSideToBox: 2.5, maxCentreOffset: 0.35 }));
}

// ---------------------------------------------------------------------------------------------
// Command line

const pct = (v: number, d = 2) => (Number.isNaN(v) ? '—' : `${(100 * v).toFixed(d)}%`);

function table(title: string, pairs: readonly Pair[], choices: [string, ChipChoice][]): string[] {
  const lines = [
    `**${title}**`,
    '',
    '| band | pairs (same / diff) | chips | ROC-AUC | EER | TAR @ FAR 1e-2 | TAR @ FAR 1e-3 |',
    '|---|---:|---|---:|---:|---:|---:|',
  ];
  for (const band of BANDS) {
    const bp = bandPairs(pairs, band);
    for (const [name, c] of choices) {
      const v = score(bp, c);
      if (v.pos === 0 || v.neg === 0) continue;
      lines.push(`| ${band.name} | ${v.pos} / ${v.neg} | ${name} | ${v.auc.toFixed(5)} | ${pct(v.eer)} | ${pct(v.tar2, 1)} | ${pct(v.tar3, 1)} |`);
    }
  }
  return [...lines, ''];
}

async function main() {
  const argv = process.argv.slice(2);
  const faces = await verificationFaces({ refresh: argv.includes('--refresh'), log: (m) => console.error(m) });
  const pairs = pairsOf(faces);
  const video = pairs.filter((p) => p.a.kind === 'video');
  // The guard: lowest EER on half A's video pairs (ties: higher TAR at 1e-2, then the looser guard).
  const halfA = video.filter((p) => p.half === 'A');
  let best: { guard: ChipGuard; v: Verification } | null = null;
  const tried: string[] = [];
  for (const guard of candidateGuards()) {
    const v = score(halfA, { guard });
    tried.push(`| ${guard.maxResidual} | ${guard.minSideToBox} | ${pct(v.eer)} | ${pct(v.tar2, 1)} | ${v.auc.toFixed(5)} |`);
    if (!best || v.eer < best.v.eer - 1e-12 || (Math.abs(v.eer - best.v.eer) <= 1e-12 && v.tar2 > best.v.tar2)) best = { guard, v };
  }
  const guard = best!.guard;
  const trusted = (group: (f: VerFace) => boolean) => {
    const fs = faces.filter(group);
    return `${fs.filter((f) => trustChip(f.fit, guard)).length}/${fs.length}`;
  };
  const choices: [string, ChipChoice][] = [
    ['face-api', 'face-api'],
    ['dlib', 'dlib'],
    ['guarded', { guard }],
  ];
  const halfB = pairs.filter((p) => p.half === 'B');
  const out = [
    `Faces: ${faces.length} (${[...new Set(faces.map((f) => f.group))].map((g) => `${g} ${faces.filter((f) => f.group === g).length}`).join(', ')}); pairs ${pairs.length} (half A ${pairs.length - halfB.length}, half B ${halfB.length}).`,
    '',
    `Guard chosen on half A's video pairs (lowest EER): residual ≤ ${guard.maxResidual} chip px, chip side / box side in [${guard.minSideToBox}, ${guard.maxSideToBox}], centre offset ≤ ${guard.maxCentreOffset} box sides; trusted faces: ${[...new Set(faces.map((f) => f.group))].map((g) => `${g} ${trusted((f) => f.group === g)}`).join(', ')}.`,
    '',
    '| max residual | min side/box | EER (A, video) | TAR @ 1e-2 | ROC-AUC |',
    '|---:|---:|---:|---:|---:|',
    ...tried,
    '',
    ...table(
      'Video pairs, half B',
      halfB.filter((p) => p.a.kind === 'video'),
      choices,
    ),
    ...table(
      'Photos, half B',
      halfB.filter((p) => p.a.group === 'photos'),
      choices,
    ),
    ...table(
      'Photos rotated by 20°, half B',
      halfB.filter((p) => p.a.group === 'photos rotated'),
      choices,
    ),
  ];
  for (const g of [...new Set(faces.filter((f) => f.kind === 'video').map((f) => f.group))]) {
    const v = halfB.filter((p) => p.a.group === g);
    out.push(`${g}: ` + choices.map(([n, c]) => `${n} EER ${pct(score(v, c).eer)}, AUC ${score(v, c).auc.toFixed(4)}`).join('; '));
  }
  const text = out.join('\n');
  console.log(text);
  const j = argv.indexOf('--json');
  if (j >= 0) await writeFile(argv[j + 1], JSON.stringify({ guard, text }, null, 2));
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) await main();
