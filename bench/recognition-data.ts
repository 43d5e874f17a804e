/**
 * Labelled face descriptors for the recognition benchmark (bench/recognition.ts), computed once with
 * the service's own detector and descriptor (libs/vision) and cached outside the repository under
 * os.tmpdir()/keycast-recognition/ (the material is third-party and is never committed).
 *
 * Sources (each skipped with a message when absent), every face tagged with an identity and a "shot"
 * (the image or frame it comes from, so enrolment and queries never share a picture):
 * - ../shared/data/faces/bbt/<name>/*.png — 8 people x 5 grayscale chips (padded: the detector needs context);
 * - ../shared/data/faces/johns/<John_X>/*.jpg — 5 people x 11 colour chips (padded);
 * - the hand-labelled photos of test/fixtures/quality/photos.labels.json: bbt1..5 (the same 8 people in
 *   colour group scenes) and face-api's demo/sample1..6 (22 people seen once: strangers);
 * - ../shared/data/faces/bald_guys.jpg — ~29 faces of 4 unlabelled people: strangers only;
 * - ../shared/data/videos/short_hamilton_clip.mp4 at its labelled times (short_hamilton_clip.gt.json):
 *   5 people across several shots of a real video.
 * Every face is also shrunk to DEGRADED_PX and blurred (Degraded): the small query faces of the quality gate.
 * Each source is cached on its own; `node --import tsx bench/recognition-data.ts --source NAME` computes one, so
 * that the five can run side by side on a loaded machine.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { boxIou } from '../libs/flow/index.js';
import sharp from 'sharp';
import { detectFaces, faceSharpness, initBackend, loadFaceModels, tf } from '../libs/vision/index.js';
import { readRgb } from '../test/helpers/images.js';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DATA = resolve(REPO_ROOT, '../shared/data');
const FACE_API = join(REPO_ROOT, 'node_modules/@vladmandic/face-api');
const LABELS = join(REPO_ROOT, 'test/fixtures/quality/photos.labels.json');
/** Black margin around a 150x150 chip (as bench/quality/model.ts CHIP_PAD): the SSD detector misses faces that fill the image. */
const CHIP_PAD = 75;
/** A detection is the labelled face when their boxes overlap this much. */
const MATCH_IOU = 0.3;
/** Bump when what is computed changes (part of the cache key, with the labels). */
const VERSION = 2;
/** Query face heights (detector box, px) the faces are also shrunk to, as small faces in a photo or frame. */
export const DEGRADED_PX = [40, 60, 80] as const;
/** Gaussian blur (sigma, px at the shrunk size) of the blurred variants: a soft, out-of-focus or compressed face. */
export const BLUR_SIGMA = 1.2;
/** The shrunk face's crop keeps this much context on each side (× the box), the rest of the canvas is black. */
const CONTEXT = 1;
const CANVAS = 320;

export type Box = [number, number, number, number];

export interface LabelledDescriptor {
  /** Where the face comes from: bbt-chips, johns, bbt-scenes, demo-samples, bald-guys, hamilton. */
  source: string;
  /** Identity, or null when unknown (then it can only be a stranger). */
  id: string | null;
  /** The picture (file or video frame): enrolment and queries never share one. */
  shot: string;
  box: Box;
  descriptor: number[];
  /**
   * The same face shrunk to each DEGRADED_PX height, plain ("40") and blurred ("40b"), re-detected and
   * described: what the service sees of a small face. Absent when the detector misses the small face.
   */
  degraded: Record<string, Degraded>;
}

export interface Degraded {
  /** Height of the detector's box on the shrunk face (what a quality gate sees). */
  facePx: number;
  /** libs/vision faceSharpness of that box. */
  sharpness: number;
  descriptor: number[];
}

export const degradedBands = (): string[] => DEGRADED_PX.flatMap((px) => [String(px), `${px}b`]);

type Rgb = { rgb: Buffer; width: number; height: number };

async function describe(img: Rgb) {
  const image = tf.tensor3d(new Uint8Array(img.rgb.buffer, img.rgb.byteOffset, img.rgb.byteLength), [img.height, img.width, 3], 'int32');
  try {
    return (await detectFaces(image, { minScore: 0.5, maxFaces: 100 })).faces;
  } finally {
    image.dispose();
  }
}

/**
 * Crops the face with CONTEXT around it, scales it so the box is `px` high (blurred when asked), pastes
 * it at the centre of a black CANVAS² frame and describes the detection that overlaps it most.
 */
async function degradeOne(img: Rgb, box: Box, px: number, blur: boolean): Promise<Degraded | null> {
  const [x, y, w, h] = box;
  const left = Math.max(0, Math.floor(x - CONTEXT * w));
  const top = Math.max(0, Math.floor(y - CONTEXT * h));
  const right = Math.min(img.width, Math.ceil(x + w + CONTEXT * w));
  const bottom = Math.min(img.height, Math.ceil(y + h + CONTEXT * h));
  const scale = px / h;
  const cw = Math.max(1, Math.round((right - left) * scale));
  const ch = Math.max(1, Math.round((bottom - top) * scale));
  if (cw > CANVAS || ch > CANVAS) return null;
  let pipe = sharp(img.rgb, { raw: { width: img.width, height: img.height, channels: 3 } })
    .extract({ left, top, width: right - left, height: bottom - top })
    .resize(cw, ch, { fit: 'fill', kernel: 'lanczos3' });
  if (blur) pipe = pipe.blur(BLUR_SIGMA);
  const small = await pipe.raw().toBuffer();
  const ox = Math.floor((CANVAS - cw) / 2);
  const oy = Math.floor((CANVAS - ch) / 2);
  const rgb = await sharp({ create: { width: CANVAS, height: CANVAS, channels: 3, background: { r: 0, g: 0, b: 0 } } })
    .composite([{ input: small, raw: { width: cw, height: ch, channels: 3 }, left: ox, top: oy }])
    .removeAlpha()
    .raw()
    .toBuffer();
  const want: Box = [ox + (x - left) * scale, oy + (y - top) * scale, w * scale, h * scale];
  const faces = await describe({ rgb, width: CANVAS, height: CANVAS });
  let best: (typeof faces)[number] | undefined;
  let bestIou = MATCH_IOU;
  for (const f of faces) {
    const iou = boxIou(f.box, want);
    if (iou >= bestIou) [best, bestIou] = [f, iou];
  }
  if (!best) return null;
  return { facePx: Math.round(best.box[3]), sharpness: await faceSharpness(rgb, CANVAS, CANVAS, best.box), descriptor: Array.from(best.descriptor) };
}

async function degraded(img: Rgb, box: Box): Promise<Record<string, Degraded>> {
  const out: Record<string, Degraded> = {};
  for (const px of DEGRADED_PX)
    for (const blur of [false, true]) {
      const d = await degradeOne(img, box, px, blur);
      if (d) out[`${px}${blur ? 'b' : ''}`] = d;
    }
  return out;
}

async function chips(source: string, root: string, out: LabelledDescriptor[], log: (m: string) => void): Promise<void> {
  if (!existsSync(root)) return log(`skip ${source}: ${root} absent`);
  let missed = 0;
  for (const person of (await readdir(root, { withFileTypes: true }))
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort()) {
    for (const file of (await readdir(join(root, person))).sort()) {
      const img = await readRgb(join(root, person, file), CHIP_PAD);
      const faces = await describe(img);
      const best = faces.sort((a, b) => b.score - a.score)[0];
      if (!best) {
        missed++;
        continue;
      }
      out.push({
        source,
        id: person,
        shot: `${source}/${person}/${file}`,
        box: best.box,
        descriptor: Array.from(best.descriptor),
        degraded: await degraded(img, best.box),
      });
    }
  }
  log(`${source}: ${out.filter((f) => f.source === source).length} faces (${missed} chips without a face)`);
}

/** Detects every face of an image and keeps those matching a labelled box (best IoU). */
async function labelled(source: string, shot: string, img: Rgb, boxes: { box: Box; id: string | null }[], out: LabelledDescriptor[]): Promise<number> {
  const faces = await describe(img);
  let missed = 0;
  for (const l of boxes) {
    let best = -1;
    let bestIou = MATCH_IOU;
    faces.forEach((f, i) => {
      const iou = boxIou(f.box, l.box);
      if (iou >= bestIou) {
        best = i;
        bestIou = iou;
      }
    });
    if (best < 0) {
      missed++;
      continue;
    }
    out.push({ source, id: l.id, shot, box: faces[best].box, descriptor: Array.from(faces[best].descriptor), degraded: await degraded(img, faces[best].box) });
  }
  return missed;
}

async function photos(out: LabelledDescriptor[], log: (m: string) => void): Promise<void> {
  const labels = JSON.parse(readFileSync(LABELS, 'utf8')) as {
    photos: Record<string, { source: 'shared' | 'face-api'; path: string; faces: { box: Box; id: string | null }[] }>;
  };
  for (const [name, p] of Object.entries(labels.photos)) {
    const path = p.source === 'shared' ? join(DATA, p.path) : join(FACE_API, p.path);
    if (!existsSync(path)) {
      log(`skip ${name}: ${path} absent`);
      continue;
    }
    const source = p.source === 'shared' ? 'bbt-scenes' : 'demo-samples';
    const missed = await labelled(
      source,
      `${source}/${name}`,
      await readRgb(path),
      p.faces.filter((f) => f.id !== null),
      out,
    );
    if (missed) log(`${name}: ${missed} labelled faces not detected`);
  }
}

async function baldGuys(out: LabelledDescriptor[], log: (m: string) => void): Promise<void> {
  const path = join(DATA, 'faces/bald_guys.jpg');
  if (!existsSync(path)) return log('skip bald_guys: absent');
  const img = await readRgb(path);
  for (const f of await describe(img))
    out.push({ source: 'bald-guys', id: null, shot: 'bald-guys', box: f.box, descriptor: Array.from(f.descriptor), degraded: await degraded(img, f.box) });
  log(`bald-guys: ${out.filter((f) => f.source === 'bald-guys').length} faces`);
}

async function hamilton(out: LabelledDescriptor[], log: (m: string) => void): Promise<void> {
  const video = join(DATA, 'videos/short_hamilton_clip.mp4');
  const gtPath = join(DATA, 'videos/short_hamilton_clip.gt.json');
  if (!existsSync(video) || !existsSync(gtPath)) return log('skip hamilton: absent');
  const gt = JSON.parse(readFileSync(gtPath, 'utf8')) as { width: number; height: number; faces: { t: number; box: Box; id: string | null }[] };
  const times = [...new Set(gt.faces.map((f) => f.t))].sort((a, b) => a - b);
  let missed = 0;
  for (const t of times) {
    const rgb = execFileSync('ffmpeg', ['-v', 'error', '-ss', String(t), '-i', video, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], {
      maxBuffer: 64 << 20,
    });
    missed += await labelled(
      'hamilton',
      `hamilton/t=${t}`,
      { rgb, width: gt.width, height: gt.height },
      gt.faces.filter((f) => f.t === t && f.id !== null),
      out,
    );
  }
  log(`hamilton: ${out.filter((f) => f.source === 'hamilton').length} faces (${missed} labelled faces not detected)`);
}

/** Each source's faces, computed and cached on their own (so that they can be computed side by side: --source NAME). */
const SOURCES: Record<string, (out: LabelledDescriptor[], log: (m: string) => void) => Promise<void>> = {
  'bbt-chips': (out, log) => chips('bbt-chips', join(DATA, 'faces/bbt'), out, log),
  johns: (out, log) => chips('johns', join(DATA, 'faces/johns'), out, log),
  photos,
  'bald-guys': baldGuys,
  hamilton,
};

let modelsLoaded: Promise<void> | undefined;

async function source(name: string, log: (m: string) => void): Promise<LabelledDescriptor[]> {
  const key = createHash('sha256')
    .update(`${VERSION}|${readFileSync(LABELS, 'utf8')}`)
    .digest('hex')
    .slice(0, 16);
  const cache = join(tmpdir(), 'keycast-recognition', `descriptors-${key}-${name}.json`);
  if (existsSync(cache)) return JSON.parse(await readFile(cache, 'utf8')) as LabelledDescriptor[];
  modelsLoaded ??= (async () => {
    const backend = await initBackend();
    log(`TensorFlow.js backend ${backend.name} (${backend.provider})`);
    await loadFaceModels();
  })();
  await modelsLoaded;
  const out: LabelledDescriptor[] = [];
  await SOURCES[name](out, log);
  await mkdir(dirname(cache), { recursive: true });
  await writeFile(cache, JSON.stringify(out));
  log(`cached ${out.length} descriptors in ${cache}`);
  return out;
}

/** Every labelled descriptor, from the caches when the sources are unchanged. */
export async function labelledDescriptors(log: (m: string) => void = (m) => console.error(m)): Promise<LabelledDescriptor[]> {
  const out: LabelledDescriptor[] = [];
  for (const name of Object.keys(SOURCES)) out.push(...(await source(name, log)));
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const only = process.argv.indexOf('--source');
  const d = only > 0 ? await source(process.argv[only + 1], (m) => console.error(m)) : await labelledDescriptors();
  console.log(`${d.length} descriptors`);
}
