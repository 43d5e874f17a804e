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
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { boxIou } from '../libs/flow/index.js';
import { detectFaces, initBackend, loadFaceModels, tf } from '../libs/vision/index.js';
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
const VERSION = 1;

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
}

type Rgb = { rgb: Buffer; width: number; height: number };

async function describe(img: Rgb) {
  const image = tf.tensor3d(new Uint8Array(img.rgb.buffer, img.rgb.byteOffset, img.rgb.byteLength), [img.height, img.width, 3], 'int32');
  try {
    return (await detectFaces(image, { minScore: 0.5, maxFaces: 100 })).faces;
  } finally {
    image.dispose();
  }
}

async function chips(source: string, root: string, out: LabelledDescriptor[], log: (m: string) => void): Promise<void> {
  if (!existsSync(root)) return log(`skip ${source}: ${root} absent`);
  let missed = 0;
  for (const person of (await readdir(root, { withFileTypes: true }))
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort()) {
    for (const file of (await readdir(join(root, person))).sort()) {
      const faces = await describe(await readRgb(join(root, person, file), CHIP_PAD));
      const best = faces.sort((a, b) => b.score - a.score)[0];
      if (!best) {
        missed++;
        continue;
      }
      out.push({ source, id: person, shot: `${source}/${person}/${file}`, box: best.box, descriptor: Array.from(best.descriptor) });
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
    out.push({ source, id: l.id, shot, box: faces[best].box, descriptor: Array.from(faces[best].descriptor) });
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
  for (const f of await describe(await readRgb(path)))
    out.push({ source: 'bald-guys', id: null, shot: 'bald-guys', box: f.box, descriptor: Array.from(f.descriptor) });
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

/** Every labelled descriptor, from the cache when the sources are unchanged. */
export async function labelledDescriptors(log: (m: string) => void = (m) => console.error(m)): Promise<LabelledDescriptor[]> {
  const key = createHash('sha256')
    .update(`${VERSION}|${readFileSync(LABELS, 'utf8')}`)
    .digest('hex')
    .slice(0, 16);
  const cache = join(tmpdir(), 'keycast-recognition', `descriptors-${key}.json`);
  if (existsSync(cache)) return JSON.parse(await readFile(cache, 'utf8')) as LabelledDescriptor[];
  const backend = await initBackend();
  log(`TensorFlow.js backend ${backend.name} (${backend.provider})`);
  await loadFaceModels();
  const out: LabelledDescriptor[] = [];
  await chips('bbt-chips', join(DATA, 'faces/bbt'), out, log);
  await chips('johns', join(DATA, 'faces/johns'), out, log);
  await photos(out, log);
  await baldGuys(out, log);
  await hamilton(out, log);
  await mkdir(dirname(cache), { recursive: true });
  await writeFile(cache, JSON.stringify(out));
  log(`cached ${out.length} descriptors in ${cache}`);
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const d = await labelledDescriptors();
  console.log(`${d.length} descriptors`);
}
