import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { KeycastError, type ExtractOptions } from '../config/index.js';
import type { VideoInfo } from '../media/index.js';
import type { ExtractProgress, FaceRecord, FaceSink, Box } from './types.js';

/** A face as saved in DIR/fingerprints.json: everything clustering needs, so `recluster` never reopens the video. */
export interface SavedFace {
  id: number;
  frame: number;
  k: number;
  t: number;
  box: Box;
  score: number;
  face: number[];
  cloth: number[];
  /** Paths relative to DIR. */
  thumbnail: string;
  body: string;
  /** Quality features (FaceRecord); absent in files written before they existed (neutral quality). */
  sharpness?: number | null;
  yaw?: number | null;
  /** The frame index where the face's shot starts (FaceRecord); absent in files written before shots were recorded. */
  shot?: number | null;
  /** How the descriptor's chip was made (FaceRecord.descriptorVersion); absent in files written before versions: 1. */
  descriptor_version?: number;
  /** The chip `face` was computed on; absent: 'face-api'. */
  chip?: 'face-api' | 'dlib';
}

export interface FingerprintsFile {
  version: 1;
  video: VideoInfo;
  extract: ExtractOptions;
  /** Typical gap between sampled frames (s), for screen time. */
  sample_interval_s: number;
  faces: SavedFace[];
}

export const FINGERPRINTS_FILE = 'fingerprints.json';

/**
 * The CLI's sink: thumbnails go to DIR/faces/ID.jpg and DIR/bodies/ID.jpg as batches arrive (so a
 * long run holds no JPEGs in memory); vectors stay in memory and are saved once at the end.
 * Idempotent on (frame, k): a batch written twice adds nothing.
 */
export class FileSink implements FaceSink {
  readonly faces: SavedFace[] = [];
  private readonly seen = new Set<string>();
  constructor(private readonly dir: string) {}

  async init(): Promise<void> {
    await mkdir(join(this.dir, 'faces'), { recursive: true });
    await mkdir(join(this.dir, 'bodies'), { recursive: true });
  }

  async writeBatch(batch: FaceRecord[], _progress: ExtractProgress): Promise<void> {
    for (const f of batch) {
      const key = `${f.frame}:${f.k}`;
      if (this.seen.has(key)) continue;
      this.seen.add(key);
      const id = this.faces.length;
      const saved: SavedFace = {
        id,
        frame: f.frame,
        k: f.k,
        t: f.t,
        box: f.box,
        score: f.score,
        face: Array.from(f.face),
        cloth: Array.from(f.cloth),
        thumbnail: `faces/${id}.jpg`,
        body: `bodies/${id}.jpg`,
        sharpness: finiteOrNull(f.sharpness),
        yaw: finiteOrNull(f.yaw),
        shot: finiteOrNull(f.shot),
        descriptor_version: f.descriptorVersion ?? 1,
        chip: f.chip ?? 'face-api',
      };
      await writeFile(join(this.dir, saved.thumbnail), f.thumbnail);
      await writeFile(join(this.dir, saved.body), f.body);
      this.faces.push(saved);
    }
  }

  async save(meta: Omit<FingerprintsFile, 'version' | 'faces'>): Promise<FingerprintsFile> {
    const file: FingerprintsFile = { version: 1, ...meta, faces: this.faces };
    await writeFile(join(this.dir, FINGERPRINTS_FILE), JSON.stringify(file));
    return file;
  }
}

/** JSON has no NaN: a feature that could not be measured is saved as null (neutral). */
function finiteOrNull(x: number | undefined): number | null {
  return typeof x === 'number' && Number.isFinite(x) ? x : null;
}

export async function loadFingerprints(dir: string): Promise<FingerprintsFile> {
  const path = join(dir, FINGERPRINTS_FILE);
  let raw: string;
  try {
    raw = await readFile(path, 'utf8');
  } catch {
    throw new KeycastError('NOT_FOUND', `${path} not found: run \`keycast analyze VIDEO --out ${dir}\` first`);
  }
  let file: FingerprintsFile;
  try {
    file = JSON.parse(raw) as FingerprintsFile;
  } catch (e) {
    throw new KeycastError('INVALID_FILE', `${path} is not valid JSON: ${(e as Error).message}`);
  }
  if (file?.version !== 1 || !Array.isArray(file.faces)) throw new KeycastError('INVALID_FILE', `${path} is not a keycast fingerprints file (version 1)`);
  return file;
}
