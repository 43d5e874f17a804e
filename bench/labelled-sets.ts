/**
 * Labelled videos made from real, hand-labelled photos, with their ground truth.
 *
 *   node --import tsx bench/labelled-sets.ts [--write-gt] [--analyze] [SET ...] [-- ANALYZE OPTIONS]
 *
 * Each set is a sequence of shots; a shot frames some of the people of one labelled photo
 * (test/fixtures/quality/photos.labels.json) and moves slowly over it (a zoom or a pan), as a camera
 * would, so no two samples are the same image. A person's photo comes back in several shots,
 * framed differently, with other photos in between. Frames are rendered with sharp (a crop of the
 * photo scaled to the video size) and encoded by ffmpeg; since every frame's crop is known exactly,
 * the labelled boxes are carried into video pixels without re-detecting anything.
 *
 * The ground truth (test/fixtures/quality/<set>.gt.json, the format of
 * ../shared/data/videos/short_hamilton_clip.gt.json) depends only on the labels and the recipe below,
 * never on the images, so it is committed and a test checks this module reproduces it. Videos are
 * cached under os.tmpdir()/keycast-labelled/<hash of recipe, labels and source bytes>/.
 *
 * `--write-gt` rewrites the committed ground truth (after changing a recipe or a label); `--analyze`
 * runs `keycast analyze` on each video (with the options after `--`, at the set's capture interval)
 * and prints detection recall, NMI and pairwise F1 as `keycast eval` computes them.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import sharp from 'sharp';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const QUALITY_FIXTURES = join(REPO_ROOT, 'test/fixtures/quality');
export const PHOTO_LABELS = join(QUALITY_FIXTURES, 'photos.labels.json');
const DEFAULT_SHARED = resolve(REPO_ROOT, '../shared/data');
const FACE_API = join(REPO_ROOT, 'node_modules/@vladmandic/face-api');
/** Bump when the rendering changes in a way the recipe does not show (it is part of the cache key). */
const RENDER_VERSION = 1;

export type Box = [number, number, number, number];

/** A set ready to analyse: the video and its committed ground truth. */
export interface LabelledSet {
  name: string;
  /** The built video (in the cache). */
  video: string;
  /** test/fixtures/quality/<name>.gt.json. */
  gt: string;
  /** The sampling the ground truth labels: `keycast analyze --capture-interval-sec` this. */
  captureIntervalSec: number;
  /** Distinct labelled people in the ground truth. */
  identities: number;
  /** Some photo comes from ../shared/data (absent in a fresh clone). */
  needsShared: boolean;
}

interface LabelledFace {
  box: Box;
  id: string | null;
  note?: string;
}
interface PhotoLabel {
  source: 'shared' | 'face-api';
  path: string;
  width: number;
  height: number;
  faces: LabelledFace[];
}
interface LabelsFile {
  photos: Record<string, PhotoLabel>;
  uncertain: { ids: string[]; note: string }[];
}

/** How the camera moves during a shot. */
export type Move = 'zoom-in' | 'zoom-out' | 'pan-left' | 'pan-right';

export interface Shot {
  photo: string;
  /** Indices into the photo's labelled faces that the shot frames, or the whole photo. */
  frame: number[] | 'all';
  seconds: number;
  move: Move;
}

export interface SetRecipe {
  name: string;
  title: string;
  captureIntervalSec: number;
  fps: number;
  width: number;
  height: number;
  shots: Shot[];
}

/** One labelled face of the ground truth. */
export interface GtFace {
  t: number;
  box: Box;
  id: string | null;
}
export interface GroundTruth {
  video: string;
  width: number;
  height: number;
  fps_labelled: number;
  /** Where each shot starts and ends (s) and which photo it shows: not used by the scorers. */
  shots: { t0: number; t1: number; photo: string }[];
  faces: GtFace[];
}

// ---------------------------------------------------------------------------------------------
// Recipes

const SHOT_S = 2;
const shot = (photo: string, frame: number[] | 'all', move: Move, seconds = SHOT_S): Shot => ({ photo, frame, seconds, move });
const base = { captureIntervalSec: 0.5, fps: 24, width: 1280, height: 720 } as const;

/**
 * Shots hold at most 4 faces (the default max_faces_per_frame skips crowd shots; one bbt4 shot ends
 * wider), every person shows in two shots or more, and photos whose people might be one person
 * (labels' `uncertain`) never share a set. `frame` indexes the photo's faces from left to right.
 */
export const SET_RECIPES: readonly SetRecipe[] = [
  {
    name: 'bbt-scenes',
    title: 'Big Bang Theory group scenes (faces/bbt/bbt1..5.jpg): 7 people in several scenes and outfits',
    ...base,
    shots: [
      shot('bbt1', 'all', 'zoom-in'),
      shot('bbt3', [0, 1], 'pan-right'),
      shot('bbt5', [3, 4], 'pan-right'),
      shot('bbt4', [1], 'zoom-out'),
      shot('bbt2', [1, 2], 'pan-right'),
      shot('bbt1', [0, 1], 'zoom-in'),
      shot('bbt3', [3, 4], 'pan-right'),
      shot('bbt5', [0, 1], 'zoom-in'),
      shot('bbt4', [5], 'zoom-in'),
      shot('bbt2', [2], 'zoom-in'),
      shot('bbt1', [2, 3], 'pan-right'),
      shot('bbt3', [1], 'pan-right'),
      shot('bbt4', [0, 3], 'pan-right'),
      shot('bbt5', [2], 'pan-right'),
      shot('bbt2', [1], 'zoom-in'),
      shot('bbt4', [2], 'pan-right'),
      shot('bbt4', [5], 'pan-left'),
    ],
  },
  {
    name: 'demo-samples',
    title: 'face-api demo photos (demo/sample2..6.jpg): 19 people, each photo in three or four framings',
    ...base,
    shots: [
      shot('sample2', [0, 1, 2], 'zoom-in'),
      shot('sample4', [0, 1, 3], 'pan-right'),
      shot('sample6', [0, 1, 3], 'zoom-in'),
      shot('sample3', [0, 1, 2], 'pan-right'),
      shot('sample5', [1, 2, 3], 'zoom-in'),
      shot('sample2', [0], 'zoom-in'),
      shot('sample4', [2, 3], 'pan-right'),
      shot('sample6', [0], 'pan-right'),
      shot('sample3', [2], 'pan-right'),
      shot('sample5', [0], 'pan-right'),
      shot('sample2', [1, 2], 'zoom-in'),
      shot('sample4', [0], 'pan-right'),
      shot('sample6', [2, 3], 'pan-right'),
      shot('sample3', [0, 1], 'zoom-in'),
      shot('sample5', [3, 4], 'pan-right'),
      shot('sample4', [1, 2], 'zoom-in'),
      shot('sample6', [1], 'zoom-in'),
      shot('sample5', [0], 'zoom-in'),
    ],
  },
  {
    name: 'mixed',
    title: 'Mixed: Big Bang Theory scenes between face-api demo photos (bbt1, bbt4, bbt5, sample1, sample5, sample6)',
    ...base,
    shots: [
      shot('sample1', [0, 1, 2], 'zoom-in'),
      shot('bbt1', [0, 1], 'pan-right'),
      shot('sample6', [0, 1, 3], 'pan-right'),
      shot('bbt5', [2, 3], 'zoom-in'),
      shot('sample5', [1, 2, 3], 'pan-right'),
      shot('bbt4', [0, 3], 'pan-right'),
      shot('sample1', [2], 'pan-right'),
      shot('bbt1', [2, 3], 'zoom-in'),
      shot('sample6', [2], 'zoom-in'),
      shot('bbt5', [0, 2], 'pan-right'),
      shot('sample1', [0, 1], 'zoom-in'),
      shot('bbt4', [5], 'zoom-in'),
      shot('sample5', [0], 'zoom-in'),
      shot('bbt4', [2], 'zoom-in'),
      shot('sample6', [0, 1], 'zoom-in'),
      shot('sample5', [3, 4], 'pan-right'),
      shot('bbt4', [2], 'pan-right'),
      shot('sample5', [0], 'pan-right'),
      shot('bbt4', [5], 'pan-left'),
    ],
  },
  {
    // Clothing changes across shots: each person is seen in 3 to 5 of the photos (bbt1..5 are
    // different scenes and events: other clothes, place and light), and consecutive shots never show
    // one photo; some different people wear alike grey suits (bbt3, bbt4). The photos are small, so a
    // framing also shows its neighbours and a photo's people come back in its later shots.
    name: 'bbt-outfits',
    title: 'Big Bang Theory across scenes (faces/bbt/bbt1..5.jpg): 6 people, most in 3 to 5 outfits, consecutive shots from different photos',
    ...base,
    shots: [
      shot('bbt1', [0, 1], 'zoom-in'),
      shot('bbt3', [2], 'pan-right'),
      shot('bbt5', [2], 'zoom-in'),
      shot('bbt2', [1, 2], 'pan-right'),
      shot('bbt4', [2, 3], 'zoom-in'),
      shot('bbt3', [0, 1], 'pan-right'),
      shot('bbt5', [0, 1], 'zoom-in'),
      shot('bbt1', [2, 3], 'pan-right'),
      shot('bbt4', [0], 'zoom-in'),
      shot('bbt3', [3, 4], 'pan-right'),
      shot('bbt5', [3, 4], 'zoom-in'),
      shot('bbt2', [2], 'zoom-in'),
      shot('bbt4', [5], 'pan-left'),
      shot('bbt1', [0], 'pan-right'),
    ],
  },
];

export const LABELLED_SET_NAMES: readonly string[] = SET_RECIPES.map((r) => r.name);

// ---------------------------------------------------------------------------------------------
// Geometry (pure)

let labelsCache: LabelsFile | null = null;
export function photoLabels(): LabelsFile {
  return (labelsCache ??= JSON.parse(readFileSync(PHOTO_LABELS, 'utf8')) as LabelsFile);
}

function recipeOf(name: string): SetRecipe {
  const r = SET_RECIPES.find((x) => x.name === name);
  if (!r) throw new Error(`no labelled set named ${name} (known: ${LABELLED_SET_NAMES.join(', ')})`);
  return r;
}

type Rect = [number, number, number, number];

/** Grows a rect to the video's aspect. */
function growToAspect([x, y, w, h]: Rect, aspect: number, upper = 0.5): Rect {
  // Grow the short side to the aspect; `upper` is the share of extra height that goes above.
  if (w / h < aspect) {
    const nw = h * aspect;
    return [x - (nw - w) / 2, y, nw, h];
  }
  const nh = w / aspect;
  return [x, y - (nh - h) * upper, w, nh];
}

/** Shrinks a rect about its centre until it fits the photo, then slides it inside. */
function fitInto([x, y, w, h]: Rect, pw: number, ph: number): Rect {
  const k = Math.min(1, pw / w, ph / h);
  if (k < 1) {
    x += (w - w * k) / 2;
    y += (h - h * k) / 2;
    w *= k;
    h *= k;
  }
  return [Math.min(Math.max(0, x), pw - w), Math.min(Math.max(0, y), ph - h), w, h];
}

const fitAspect = (r: Rect, aspect: number, pw: number, ph: number): Rect => fitInto(growToAspect(r, aspect), pw, ph);

/** The still framing of a shot: its faces with head room, shoulders and some clothing. */
function framing(photo: PhotoLabel, frame: Shot['frame'], aspect: number, maxUpscale: number, outWidth: number): Rect {
  if (frame === 'all') return fitAspect([0, 0, photo.width, photo.height], aspect, photo.width, photo.height);
  const boxes = frame.map((i) => {
    const f = photo.faces[i];
    if (!f) throw new Error(`photo ${photo.path} has no face ${i}`);
    return f.box;
  });
  const fw = Math.max(...boxes.map((b) => b[2]));
  const fh = Math.max(...boxes.map((b) => b[3]));
  const bx0 = Math.min(...boxes.map((b) => b[0])),
    bx1 = Math.max(...boxes.map((b) => b[0] + b[2]));
  const by0 = Math.min(...boxes.map((b) => b[1])),
    by1 = Math.max(...boxes.map((b) => b[1] + b[3]));
  let r = growToAspect([bx0 - 0.5 * fw, by0 - 0.3 * fh, bx1 - bx0 + fw, by1 - by0 + 1.1 * fh], aspect, 0.3);
  // Not closer than maxUpscale: a small photo blown up further only shows its JPEG blocks.
  const minW = outWidth / maxUpscale;
  if (r[2] < minW) {
    const k = minW / r[2];
    r = [r[0] - (r[2] * (k - 1)) / 2, r[1] - (r[3] * (k - 1)) / 2, r[2] * k, r[3] * k];
  }
  r = fitInto(r, photo.width, photo.height);
  // Where the photo forced a smaller crop, slide it so the framed faces stay whole.
  const [x, y, w, h] = r;
  return fitInto(
    [bx1 - bx0 <= w ? Math.min(Math.max(x, bx1 - w), bx0) : x, by1 - by0 <= h ? Math.min(Math.max(y, by1 - h), by0) : y, w, h],
    photo.width,
    photo.height,
  );
}

/** How much a shot zooms or pans (share of the crop). */
const MOVE = 0.1;
/** The closest framing: a crop at least video width / this. */
const MAX_UPSCALE = 3.5;

/** Start and end crop of a shot. */
export function shotRects(recipe: SetRecipe, s: Shot): [Rect, Rect] {
  const photo = photoLabels().photos[s.photo];
  if (!photo) throw new Error(`${recipe.name}: no labelled photo ${s.photo}`);
  const aspect = recipe.width / recipe.height;
  const still = framing(photo, s.frame, aspect, MAX_UPSCALE, recipe.width);
  const grow = (r: Rect, k: number): Rect =>
    fitAspect([r[0] - (r[2] * (k - 1)) / 2, r[1] - (r[3] * (k - 1)) / 2, r[2] * k, r[3] * k], aspect, photo.width, photo.height);
  const shift = (r: Rect, dx: number): Rect => fitAspect([r[0] + dx, r[1], r[2], r[3]], aspect, photo.width, photo.height);
  // Pans and zooms stay within a margin of the still framing, so the framed faces stay in view.
  const wide = grow(still, 1 + MOVE);
  switch (s.move) {
    case 'zoom-in':
      return [wide, still];
    case 'zoom-out':
      return [still, wide];
    case 'pan-left':
      return [shift(wide, (wide[2] * MOVE) / 2), shift(wide, (-wide[2] * MOVE) / 2)];
    case 'pan-right':
      return [shift(wide, (-wide[2] * MOVE) / 2), shift(wide, (wide[2] * MOVE) / 2)];
  }
}

/** One video frame: which photo, and the integer crop that is scaled to the video size. */
interface FramePlan {
  shot: number;
  photo: string;
  crop: Rect;
}

function framePlans(recipe: SetRecipe): FramePlan[] {
  const plans: FramePlan[] = [];
  recipe.shots.forEach((s, i) => {
    const n = Math.round(s.seconds * recipe.fps);
    const [a, b] = shotRects(recipe, s);
    const photo = photoLabels().photos[s.photo];
    for (let f = 0; f < n; f++) {
      const u = n > 1 ? f / (n - 1) : 0;
      const x = Math.round(a[0] + (b[0] - a[0]) * u);
      const y = Math.round(a[1] + (b[1] - a[1]) * u);
      const w = Math.min(photo.width - x, Math.round(a[2] + (b[2] - a[2]) * u));
      const h = Math.min(photo.height - y, Math.round(a[3] + (b[3] - a[3]) * u));
      plans.push({ shot: i, photo: s.photo, crop: [x, y, w, h] });
    }
  });
  return plans;
}

/** The sampler's step in frames (libs/media/timeline.ts): round(interval * round(fps)). */
const sampleStep = (r: SetRecipe) => Math.max(1, Math.round(r.captureIntervalSec * Math.round(r.fps)));
const r1 = (v: number) => Math.round(v * 10) / 10;
const r3 = (v: number) => Math.round(v * 1000) / 1000;

/** Below this share of a labelled box inside the crop, the face is left out of the ground truth. */
const MIN_VISIBLE = 0.25;

/**
 * The ground truth of a set at its sampling: every labelled face of the photo a sampled frame shows,
 * its box carried into video pixels. A face cut by the frame's edge is labelled null ("do not care":
 * a detector may or may not find half a face); one with less than a quarter of its box inside is left out.
 */
export function groundTruthOf(name: string): GroundTruth {
  const recipe = recipeOf(name);
  const plans = framePlans(recipe);
  const step = sampleStep(recipe);
  const faces: GtFace[] = [];
  for (let f = 0; f < plans.length; f += step) {
    const { photo, crop } = plans[f];
    const [cx, cy, cw, ch] = crop;
    const sx = recipe.width / cw;
    const sy = recipe.height / ch;
    for (const lf of photoLabels().photos[photo].faces) {
      const [x, y, w, h] = lf.box;
      const ix0 = Math.max(x, cx),
        iy0 = Math.max(y, cy),
        ix1 = Math.min(x + w, cx + cw),
        iy1 = Math.min(y + h, cy + ch);
      if (ix1 <= ix0 || iy1 <= iy0) continue;
      const visible = ((ix1 - ix0) * (iy1 - iy0)) / (w * h);
      if (visible < MIN_VISIBLE) continue;
      const box: Box = [r1((ix0 - cx) * sx), r1((iy0 - cy) * sy), r1((ix1 - ix0) * sx), r1((iy1 - iy0) * sy)];
      faces.push({ t: r3(f / recipe.fps), box, id: visible >= 1 ? lf.id : null });
    }
  }
  const shots: GroundTruth['shots'] = [];
  let start = 0;
  recipe.shots.forEach((s) => {
    const n = Math.round(s.seconds * recipe.fps);
    shots.push({ t0: r3(start / recipe.fps), t1: r3((start + n) / recipe.fps), photo: s.photo });
    start += n;
  });
  return { video: `${name}.mp4`, width: recipe.width, height: recipe.height, fps_labelled: r3(1 / recipe.captureIntervalSec), shots, faces };
}

/** The committed text of a ground truth: one face per line, so a changed label is a one-line diff. */
export function serializeGroundTruth(gt: GroundTruth): string {
  const head = (['video', 'width', 'height', 'fps_labelled'] as const).map((k) => `  ${JSON.stringify(k)}: ${JSON.stringify(gt[k])},`);
  const list = (xs: unknown[]) => xs.map((x) => `    ${JSON.stringify(x)}`).join(',\n');
  return `{\n${head.join('\n')}\n  "shots": [\n${list(gt.shots)}\n  ],\n  "faces": [\n${list(gt.faces)}\n  ]\n}\n`;
}

export const gtPathOf = (name: string): string => join(QUALITY_FIXTURES, `${name}.gt.json`);

// ---------------------------------------------------------------------------------------------
// Building

export interface BuildOptions {
  /** Where the videos are cached (default os.tmpdir()/keycast-labelled). */
  cacheDir?: string;
  /** The shared test material (default ../shared/data beside the repo). */
  sharedData?: string;
  log?: (line: string) => void;
}

function sourcePath(photo: PhotoLabel, opts: BuildOptions): string {
  return photo.source === 'shared' ? join(opts.sharedData ?? DEFAULT_SHARED, photo.path) : join(FACE_API, photo.path);
}

const photosOf = (r: SetRecipe): string[] => [...new Set(r.shots.map((s) => s.photo))].sort();

export function needsShared(name: string): boolean {
  return photosOf(recipeOf(name)).some((p) => photoLabels().photos[p].source === 'shared');
}

/** Why a set cannot be built here (a source photo is absent), or false. */
export function missingSources(name: string, opts: BuildOptions = {}): string | false {
  const missing = photosOf(recipeOf(name))
    .map((p) => sourcePath(photoLabels().photos[p], opts))
    .filter((p) => !existsSync(p));
  return missing.length
    ? `labelled set ${name} skipped: ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} absent (real test material lives in ../shared/data beside the repo)`
    : false;
}

interface Decoded {
  rgb: Buffer;
  width: number;
  height: number;
}

async function decode(path: string, photo: PhotoLabel): Promise<Decoded> {
  const { data, info } = await sharp(path).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  if (info.width !== photo.width || info.height !== photo.height)
    throw new Error(`${path} is ${info.width}x${info.height}, its labels say ${photo.width}x${photo.height}`);
  if (info.channels === 3) return { rgb: data, width: info.width, height: info.height };
  const rgb = Buffer.alloc(info.width * info.height * 3);
  for (let i = 0; i < info.width * info.height; i++) rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = data[i * info.channels];
  return { rgb, width: info.width, height: info.height };
}

/** Renders every frame and pipes it into ffmpeg (H.264, yuv420p, constant frame rate). */
async function render(recipe: SetRecipe, sources: Map<string, Decoded>, out: string): Promise<void> {
  const ff = spawn(
    process.env.FFMPEG_PATH || 'ffmpeg',
    [
      '-v',
      'error',
      '-y',
      '-f',
      'rawvideo',
      '-pix_fmt',
      'rgb24',
      '-s',
      `${recipe.width}x${recipe.height}`,
      '-r',
      String(recipe.fps),
      '-i',
      'pipe:0',
      '-c:v',
      'libx264',
      '-preset',
      'veryfast',
      '-crf',
      '20',
      '-pix_fmt',
      'yuv420p',
      '-g',
      String(recipe.fps * 2),
      '-movflags',
      '+faststart',
      '-f',
      'mp4',
      out,
    ],
    { stdio: ['pipe', 'ignore', 'pipe'] },
  );
  let stderr = '';
  ff.stderr.on('data', (d) => (stderr += d));
  const done = new Promise<void>((res, rej) => {
    ff.on('error', rej);
    ff.on('close', (code) => (code === 0 ? res() : rej(new Error(`ffmpeg exited ${code} building ${out}: ${stderr.trim()}`))));
  });
  let last = '';
  let frame: Buffer = Buffer.alloc(0);
  try {
    for (const p of framePlans(recipe)) {
      const key = `${p.photo}|${p.crop.join(',')}`;
      if (key !== last) {
        const src = sources.get(p.photo)!;
        const [left, top, width, height] = p.crop;
        frame = await sharp(src.rgb, { raw: { width: src.width, height: src.height, channels: 3 } })
          .extract({ left, top, width, height })
          .resize(recipe.width, recipe.height, { fit: 'fill' })
          .raw()
          .toBuffer();
        last = key;
      }
      if (!ff.stdin.write(frame)) await new Promise((r) => ff.stdin.once('drain', r));
    }
  } finally {
    ff.stdin.end();
  }
  await done;
}

/** Builds one set's video (or finds it in the cache). Throws when a source photo is absent. */
export async function buildLabelledSet(name: string, opts: BuildOptions = {}): Promise<LabelledSet> {
  const recipe = recipeOf(name);
  const skip = missingSources(name, opts);
  if (skip) throw new Error(skip);
  const labels = photoLabels();
  const photos = photosOf(recipe);
  const bytes = await Promise.all(photos.map((p) => readFile(sourcePath(labels.photos[p], opts))));
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ RENDER_VERSION, recipe, frames: framePlans(recipe) }));
  for (const b of bytes) hash.update(createHash('sha256').update(b).digest());
  const dir = join(opts.cacheDir ?? join(tmpdir(), 'keycast-labelled'), hash.digest('hex').slice(0, 16));
  const video = join(dir, `${name}.mp4`);
  const gt = groundTruthOf(name);
  if (!existsSync(video)) {
    const t0 = performance.now();
    await mkdir(dir, { recursive: true });
    const sources = new Map(await Promise.all(photos.map(async (p) => [p, await decode(sourcePath(labels.photos[p], opts), labels.photos[p])] as const)));
    // Several test files may build the same set at once: each renders to its own file, the rename is atomic.
    const part = join(dir, `.${name}.${process.pid}.${Date.now()}.mp4`);
    try {
      await render(recipe, sources, part);
      await rename(part, video);
    } finally {
      await rm(part, { force: true });
    }
    await writeFile(join(dir, `${name}.gt.json`), serializeGroundTruth(gt));
    opts.log?.(`labelled-sets: built ${video} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  return {
    name,
    video,
    gt: gtPathOf(name),
    captureIntervalSec: recipe.captureIntervalSec,
    identities: new Set(gt.faces.map((f) => f.id).filter((id) => id !== null)).size,
    needsShared: needsShared(name),
  };
}

/** Every set whose source photos are here (the others are skipped with a line on `log`). */
export async function labelledSets(opts: BuildOptions & { names?: readonly string[] } = {}): Promise<LabelledSet[]> {
  const out: LabelledSet[] = [];
  for (const name of opts.names ?? LABELLED_SET_NAMES) {
    const skip = missingSources(name, opts);
    if (skip) {
      opts.log?.(skip);
      continue;
    }
    out.push(await buildLabelledSet(name, opts));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Command line

/** `keycast analyze` on a built set, scored against its ground truth. */
async function analyzeSet(set: LabelledSet, extra: string[]): Promise<string> {
  const { scoreAgainstGroundTruth } = await import('../apps/cli/score.js');
  const out = await mkdtemp(join(tmpdir(), `keycast-labelled-${set.name}-`));
  try {
    await new Promise<void>((res, rej) => {
      const child = spawn(
        process.execPath,
        [join(REPO_ROOT, 'bin/keycast.js'), 'analyze', set.video, '--capture-interval-sec', String(set.captureIntervalSec), ...extra, '--out', out],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
      let err = '';
      child.stderr.on('data', (d) => (err += d));
      child.on('error', rej);
      child.on('close', (code) => (code === 0 ? res() : rej(new Error(`keycast analyze ${set.video} exited ${code}: ${err.trim().split('\n').at(-1)}`))));
    });
    const s = scoreAgainstGroundTruth(JSON.parse(await readFile(set.gt, 'utf8')), JSON.parse(await readFile(join(out, 'result.json'), 'utf8')));
    return (
      `detection recall ${s.detection_recall}, ${s.faces_scored} faces scored (${s.unmatched} unmatched), ${s.gt_ids} people, ${s.clusters} clusters, ` +
      `NMI ${s.nmi_all}, purity ${s.purity_kept}, pairwise P/R/F1 ${s.pair_precision}/${s.pair_recall}/${s.pair_f1}`
    );
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

async function main(argv: string[]): Promise<void> {
  const dash = argv.indexOf('--');
  const extra = dash >= 0 ? argv.slice(dash + 1) : [];
  const own = dash >= 0 ? argv.slice(0, dash) : argv;
  const writeGt = own.includes('--write-gt');
  const analyze = own.includes('--analyze');
  const names = own.filter((a) => !a.startsWith('--'));
  const log = (s: string) => process.stderr.write(`${s}\n`);
  for (const name of names.length ? names : LABELLED_SET_NAMES) {
    const gt = groundTruthOf(name);
    if (writeGt) {
      await writeFile(gtPathOf(name), serializeGroundTruth(gt));
      log(`wrote ${gtPathOf(name)}`);
    }
    const skip = missingSources(name);
    if (skip) {
      log(skip);
      continue;
    }
    const set = await buildLabelledSet(name, { log });
    const labelled = gt.faces.filter((f) => f.id !== null).length;
    const perT = new Map<number, number>();
    for (const f of gt.faces) perT.set(f.t, (perT.get(f.t) ?? 0) + 1);
    const times = perT.size;
    const crowded = [...perT.values()].filter((n) => n > 4).length;
    process.stdout.write(
      `${name}: ${set.video}\n  ${gt.shots.length} shots, ${gt.shots.at(-1)!.t1} s, sampled every ${set.captureIntervalSec} s: ${times} samples with faces, ` +
        `${labelled} labelled faces (${gt.faces.length - labelled} cut by the frame edge, null), ${set.identities} identities, ` +
        `${crowded} samples with more than 4 faces${set.needsShared ? ', needs ../shared/data' : ''}\n`,
    );
    if (analyze) process.stdout.write(`  keycast analyze${extra.length ? ` ${extra.join(' ')}` : ''}: ${await analyzeSet(set, extra)}\n`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).catch((e) => {
    process.stderr.write(`${(e as Error).stack ?? e}\n`);
    process.exit(1);
  });
}
