import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** Real test material lives beside the repo, never in it. */
export const SHARED_DATA = resolve(REPO_ROOT, '../shared/data');
export const HAMILTON = join(SHARED_DATA, 'videos/short_hamilton_clip.mp4');
export const HAMILTON_GT = join(SHARED_DATA, 'videos/short_hamilton_clip.gt.json');
export const FACE_API_DEMO = join(REPO_ROOT, 'node_modules/@vladmandic/face-api/demo');

/** A skip reason when ../shared/data is absent (a user's fresh clone), else false. */
export function needsSharedData(path: string = SHARED_DATA): string | false {
  return existsSync(path) ? false : `${path} is absent: real test material lives in ../shared/data beside the repo`;
}
