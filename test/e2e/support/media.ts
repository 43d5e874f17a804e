// Test videos: the real Hamilton clip from ../shared/data when present, else one made from face-api's demo photos.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { tmpdir } from 'node:os';
import { REPO_ROOT, SHARED_DATA } from './services.js';

export const HAMILTON = join(SHARED_DATA, 'videos/short_hamilton_clip.mp4');

/**
 * 12 s, 640x360, 25 fps: face-api's six demo photos, 2 s each (several people per photo). Made once per
 * machine; the version in the name retires copies made by earlier recipes (one held only 50 frames: the concat demuxer does not repeat a still).
 */
export function demoPhotoVideo(): string {
  const out = join(tmpdir(), 'keycast-test-media', 'demo-photos-12s-v2.mp4');
  if (existsSync(out)) return out;
  mkdirSync(join(tmpdir(), 'keycast-test-media'), { recursive: true });
  const photos = [1, 2, 3, 4, 5, 6].map((i) => join(REPO_ROOT, `node_modules/@vladmandic/face-api/demo/sample${i}.jpg`));
  const tmp = `${out}.${process.pid}.mp4`;
  // Each photo looped for 2 s at 25 fps, fitted into 640x360, then concatenated: 300 real frames.
  const inputs = photos.flatMap((p) => ['-loop', '1', '-framerate', '25', '-t', '2', '-i', p]);
  const fit = photos
    .map((_, i) => `[${i}:v]scale=640:360:force_original_aspect_ratio=decrease,pad=640:360:(ow-iw)/2:(oh-ih)/2,setsar=1,format=yuv420p[v${i}]`)
    .join(';');
  const graph = `${fit};${photos.map((_, i) => `[v${i}]`).join('')}concat=n=${photos.length}:v=1:a=0[out]`;
  execFileSync('ffmpeg', [
    '-v',
    'error',
    '-y',
    ...inputs,
    '-filter_complex',
    graph,
    '-map',
    '[out]',
    '-r',
    '25',
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    tmp,
  ]);
  execFileSync('mv', [tmp, out]);
  return out;
}

/**
 * The video the service tests upload, and what it is. `name` is the file's own name: what a browser or client sends
 * as the upload's filename when given `path`.
 */
export function testVideo(): { path: string; name: string; real: boolean } {
  const real = existsSync(HAMILTON);
  const path = real ? HAMILTON : demoPhotoVideo();
  return { path, name: basename(path), real };
}
