// bench/quality: the datasets, extracted through the pipeline (the Hamilton clip, the photo collections, the
// labelled videos) with their ground truth.
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scoreAgainstGroundTruth } from '../../apps/cli/score.js';
import { CLOTH_ENCODERS, DEFAULT_EXTRACT, resolveExtractOptions, type ClothEncoderName, type FaceChipMode } from '../../libs/config/index.js';
import { boxIou, type ClusterableFace } from '../../libs/flow/index.js';
import { extractFaces, FileSink, type FacePool } from '../../libs/pipeline/index.js';
import { readRgb } from '../../test/helpers/images.js';
import { type LabelledSet } from '../labelled-sets.js';
import { f3 } from './markdown.js';
import { CHIP_PAD, DATA, HAMILTON_INTERVAL, type Dataset, type Scores } from './model.js';
import { scoreChips } from './scoring.js';

interface GtFile {
  faces: { t: number; box: [number, number, number, number]; id: string | null }[];
  fps_labelled?: number;
}

/** The faces of one encoder (the labelled videos are extracted with the default encoder only). */
export function facesOf(ds: Dataset, encoder: ClothEncoderName, padded = false): ClusterableFace[] {
  const f = (padded && ds.padded ? ds.padded : ds.faces)[encoder];
  if (!f) throw new Error(`${ds.key}: no faces extracted with the ${encoder} encoder`);
  return f;
}

/** The Hamilton clip at 3 frames/s, extracted with each of `encoders` (default: every encoder). */
export async function hamilton(
  pool: FacePool,
  log: (s: string) => void,
  encoders: readonly ClothEncoderName[] = CLOTH_ENCODERS,
  chips: FaceChipMode = DEFAULT_EXTRACT.face_chips,
): Promise<Dataset | string> {
  const video = join(DATA, 'videos/short_hamilton_clip.mp4');
  const gtPath = join(DATA, 'videos/short_hamilton_clip.gt.json');
  if (!existsSync(video) || !existsSync(gtPath)) return `Hamilton clip skipped: ${video} or its .gt.json is absent`;
  return videoDataset(pool, log, {
    key: 'hamilton',
    title: `Hamilton clip (videos/short_hamilton_clip.mp4, capture_interval_sec ${HAMILTON_INTERVAL})`,
    video,
    gtPath,
    interval: HAMILTON_INTERVAL,
    encoders,
    chips,
  });
}

/** One of bench/labelled-sets.ts's videos, extracted with the default encoder at the sampling its ground truth labels. */
export async function labelledVideo(
  pool: FacePool,
  log: (s: string) => void,
  set: LabelledSet,
  chips: FaceChipMode = DEFAULT_EXTRACT.face_chips,
): Promise<Dataset | string> {
  return videoDataset(pool, log, {
    key: set.name,
    title: `Labelled video ${set.name} (bench/labelled-sets.ts, capture_interval_sec ${set.captureIntervalSec})`,
    video: set.video,
    gtPath: set.gt,
    interval: set.captureIntervalSec,
    encoders: [DEFAULT_EXTRACT.cloth_encoder],
    chips,
  });
}

interface VideoSpec {
  key: string;
  title: string;
  video: string;
  gtPath: string;
  interval: number;
  encoders: readonly ClothEncoderName[];
  /** The chips of the face descriptors (extract option face_chips). */
  chips: FaceChipMode;
}

async function videoDataset(pool: FacePool, log: (s: string) => void, spec: VideoSpec): Promise<Dataset> {
  const { key, video, interval } = spec;
  const gt = JSON.parse(await readFile(spec.gtPath, 'utf8')) as GtFile;
  const faces: Partial<Record<ClothEncoderName, ClusterableFace[]>> = {};
  let frames = 0;
  let duration = 0;
  for (const encoder of spec.encoders) {
    const dir = await mkdtemp(join(tmpdir(), `keycast-quality-${encoder}-`));
    try {
      const sink = new FileSink(dir);
      await sink.init();
      const t0 = performance.now();
      const summary = await extractFaces({
        path: video,
        options: resolveExtractOptions({ capture_interval_sec: interval, cloth_encoder: encoder, face_chips: spec.chips }),
        sink,
        pool,
      });
      log(`${key}/${encoder}: ${summary.frames} frames, ${summary.faces} faces in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      faces[encoder] = sink.faces;
      frames = summary.frames;
      duration = summary.video.duration_s;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  sameDetections(key, faces);
  const base = faces[spec.encoders[0]]!;
  const score = (labels: (number | null)[]): Scores => {
    const s = scoreAgainstGroundTruth(gt, { faces: base.map((f, i) => ({ t: f.t, box: f.box, cluster: labels[i] })) });
    return { nmi: s.nmi_all, purity: s.purity_kept, f1: s.pair_f1, clusters: s.clusters, kept: s.faces_kept, scored: s.faces_scored };
  };
  const det = scoreAgainstGroundTruth(gt, { faces: base.map((f) => ({ t: f.t, box: f.box, cluster: null })) });
  return {
    key,
    title: spec.title,
    faces,
    score,
    interval,
    truth: matchTruth(gt, base),
    duration_s: duration,
    identities: new Set(gt.faces.map((g) => g.id).filter((id) => id !== null)).size,
    detection: [
      `- ${frames} sampled frames, **${det.faces_out} faces** detected (min_face_score ${DEFAULT_EXTRACT.min_face_score}, max_faces_per_frame ${DEFAULT_EXTRACT.max_faces_per_frame}).`,
      `- ${det.faces_scored} of them match a labelled face (${det.gt_ids} identities) and are scored; ${det.unmatched} match no labelled box (frames the ground truth does not label, or IoU < 0.3). ` +
        `The ground truth labels ${gt.faces.filter((g) => g.id !== null).length} faces.`,
      `- detection recall (score.py: labelled faces at the sampled times that a detection matched): **${f3(det.detection_recall)}**.`,
      `- with ${det.faces_scored} scored faces one face moves NMI by a few hundredths: read differences below ~0.03 as ties.`,
    ],
  };
}

/** The labelled person of each face, matched as score.py matches (nearest labelled time within half a labelling step, best box IoU ≥ 0.3). */
function matchTruth(gt: GtFile, faces: readonly ClusterableFace[]): (string | null)[] {
  const tol = 0.5 / (gt.fps_labelled ?? 1) + 1e-3;
  const times = [...new Set(gt.faces.map((g) => g.t))].sort((a, b) => a - b);
  return faces.map((f) => {
    const near = times.reduce((best, x) => (Math.abs(x - f.t) < Math.abs(best - f.t) ? x : best), times[0]);
    if (near === undefined || Math.abs(near - f.t) > tol) return null;
    let best: GtFile['faces'][number] | null = null;
    let bi = 0.3;
    for (const g of gt.faces)
      if (g.t === near && boxIou(g.box, f.box) >= bi) {
        bi = boxIou(g.box, f.box);
        best = g;
      }
    return best?.id ?? null;
  });
}

interface Chip {
  who: string;
  file: string;
}

async function listChips(root: string, ext: RegExp): Promise<Chip[]> {
  const chips: Chip[] = [];
  for (const who of (await readdir(root, { withFileTypes: true }))
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort()) {
    for (const f of (await readdir(join(root, who))).filter((n) => ext.test(n)).sort()) chips.push({ who, file: join(root, who, f) });
  }
  return chips;
}

type Rect = [number, number, number, number];
type ChipClothEncoder = (encoder: ClothEncoderName, chip: { rgb: Buffer; width: number; height: number }, box: Rect) => Promise<Float32Array>;

/**
 * The clothing vector the frame analyzer would give if the chip itself were the frame: the clothing
 * region of the face box (moved back to chip pixels) and the analyzer's rule that a region mostly
 * outside the frame carries no clothing evidence (zero vector). TF.js only starts in this thread when
 * some chip's region is visible enough to need encoding.
 */
export function chipClothEncoder(): ChipClothEncoder {
  let vision: Promise<typeof import('../../libs/vision/index.js')> | null = null;
  let models: Promise<void> | null = null;
  return async (encoder, chip, box) => {
    const v = await (vision ??= import('../../libs/vision/index.js'));
    const region = v.clothRegion([box[0] - CHIP_PAD, box[1] - CHIP_PAD, box[2], box[3]]);
    const enc = v.createClothEncoder(encoder);
    if (v.visibleFraction(region, chip.width, chip.height) < v.MIN_CLOTH_VISIBLE) return new Float32Array(enc.dim);
    await (models ??= v.initBackend().then(() => v.loadFaceModels()));
    const image = v.tf.tensor3d(new Uint8Array(chip.rgb.buffer, chip.rgb.byteOffset, chip.rgb.byteLength), [chip.height, chip.width, 3], 'int32');
    try {
      return (await enc.encode({ image, rgb: chip.rgb, width: chip.width, height: chip.height, regions: [region] }))[0];
    } finally {
      image.dispose();
    }
  };
}

export async function photoCollection(
  pool: FacePool,
  chipCloth: ChipClothEncoder,
  key: string,
  title: string,
  root: string,
  ext: RegExp,
  log: (s: string) => void,
  faceChips: FaceChipMode = DEFAULT_EXTRACT.face_chips,
): Promise<Dataset | string> {
  if (!existsSync(root)) return `${title} skipped: ${root} is absent`;
  const chips = await listChips(root, ext);
  const t0 = performance.now();
  const perChip = await Promise.all(
    chips.map(async (chip) => {
      const padded = await readRgb(chip.file, CHIP_PAD);
      // maxFaces is raised so that a chip with a spurious second detection is not skipped as a crowd shot.
      const runs = await Promise.all(
        CLOTH_ENCODERS.map((e) =>
          pool.analyze({
            rgb: padded.rgb,
            width: padded.width,
            height: padded.height,
            minScore: DEFAULT_EXTRACT.min_face_score,
            maxFaces: 100,
            clothEncoder: e,
            chips: faceChips,
          }),
        ),
      );
      return { runs, bare: await readRgb(chip.file) };
    }),
  );
  const faces = Object.fromEntries(CLOTH_ENCODERS.map((e) => [e, [] as ClusterableFace[]])) as Record<ClothEncoderName, ClusterableFace[]>;
  const padded = Object.fromEntries(CLOTH_ENCODERS.map((e) => [e, [] as ClusterableFace[]])) as Record<ClothEncoderName, ClusterableFace[]>;
  const faceOfChip: (number | null)[] = [];
  const missed: string[] = [];
  let multi = 0;
  for (let c = 0; c < chips.length; c++) {
    const { runs, bare } = perChip[c];
    if (runs[0].faces.length > 1) multi++;
    if (runs[0].faces.length === 0) {
      faceOfChip.push(null);
      missed.push(chips[c].file.slice(root.length + 1));
      continue;
    }
    faceOfChip.push(padded[CLOTH_ENCODERS[0]].length);
    for (let e = 0; e < CLOTH_ENCODERS.length; e++) {
      const best = runs[e].faces.reduce((a, b) => (b.score > a.score ? b : a));
      const face: ClusterableFace = { id: c, t: c, frame: c, box: best.box, score: best.score, face: best.face, cloth: best.cloth };
      padded[CLOTH_ENCODERS[e]].push(face);
      faces[CLOTH_ENCODERS[e]].push({ ...face, cloth: await chipCloth(CLOTH_ENCODERS[e], bare, best.box) });
    }
  }
  sameDetections(key, padded);
  log(`${key}: ${chips.length} chips, ${faceOfChip.filter((x) => x !== null).length} faces in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const truth = chips.map((c) => c.who);
  return {
    key,
    title,
    faces,
    padded,
    // A collection of photos is not a video: no two chips are consecutive samples.
    interval: 0,
    identities: new Set(truth).size,
    score: (labels) => scoreChips(truth, faceOfChip, labels),
    detection: [
      `- ${chips.length} chips of ${new Set(truth).size} people, padded with ${CHIP_PAD} px of black: a face was found in **${chips.length - missed.length}**; ` +
        `${missed.length} without a face${missed.length ? ` (${missed.join(', ')})` : ''}, scored as unclustered singletons; ${multi} with more than one detection (the highest score kept).`,
    ],
  };
}

/** The encoders only change the clothing vector: detections and face descriptors must agree. */
function sameDetections(key: string, faces: Partial<Record<ClothEncoderName, ClusterableFace[]>>): void {
  const [a, ...rest] = CLOTH_ENCODERS.map((e) => faces[e]).filter((x): x is ClusterableFace[] => x !== undefined);
  for (const b of rest) {
    const same =
      a.length === b.length &&
      a.every((f, i) => f.t === b[i].t && f.box.every((v, q) => v === b[i].box[q]) && Array.from(f.face).every((v, q) => v === b[i].face[q]));
    if (!same) throw new Error(`${key}: the encoders' runs found different faces; the comparison would not be like for like`);
  }
}

// ---------------------------------------------------------------------------------------------
// Evaluation
