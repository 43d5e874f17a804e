// Test videos: the real Hamilton clip from ../shared/data when present, else one made from face-api's demo photos.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { REPO_ROOT, SHARED_DATA } from './services.js';

export const HAMILTON = join(SHARED_DATA, 'videos/short_hamilton_clip.mp4');

/** 12 s, 640x360, 25 fps: face-api's six demo photos, 2 s each (several people per photo). Made once per machine. */
export function demoPhotoVideo(): string {
  const out = join(tmpdir(), 'keycast-test-media', 'demo-photos-12s.mp4');
  if (existsSync(out)) return out;
  mkdirSync(join(tmpdir(), 'keycast-test-media'), { recursive: true });
  const list = join(tmpdir(), 'keycast-test-media', 'demo-photos.txt');
  const photos = [1, 2, 3, 4, 5, 6].map((i) => join(REPO_ROOT, `node_modules/@vladmandic/face-api/demo/sample${i}.jpg`));
  writeFileSync(list, photos.map((p) => `file '${p}'\nduration 2\n`).join('') + `file '${photos[5]}'\n`);
  const tmp = `${out}.${process.pid}.mp4`;
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'concat', '-safe', '0', '-i', list, '-vf', 'scale=640:360:force_original_aspect_ratio=decrease,pad=640:360:(ow-iw)/2:(oh-ih)/2,fps=25,format=yuv420p', '-t', '12', '-c:v', 'libx264', '-preset', 'veryfast', tmp]);
  execFileSync('mv', [tmp, out]);
  return out;
}

/** The video the service tests upload, and what it is. */
export function testVideo(): { path: string; name: string; real: boolean } {
  if (existsSync(HAMILTON)) return { path: HAMILTON, name: 'short_hamilton_clip.mp4', real: true };
  return { path: demoPhotoVideo(), name: 'demo-photos-12s.mp4', real: false };
}
