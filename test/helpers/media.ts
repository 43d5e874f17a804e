import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SampleOptions } from '../../libs/media/index.js';

/** Sampling with nothing but the grid: a frame a second, no scene detection, at most 1280 px. */
export const PLAIN_SAMPLING: SampleOptions = {
  capture_interval_sec: 1,
  use_scene_transition: false,
  scene_threshold: 0.3,
  skip_sec: 0,
  stop_sec: 0,
  resizing_resolution: 1280,
  resizing_ratio: null,
};

/** Small real media files made with ffmpeg's own sources, for bad-input tests that need no ../shared. */
export function makeBadInputs(dir: string) {
  const ff = (...args: string[]) => execFileSync('ffmpeg', ['-v', 'error', '-y', ...args]);
  const noFaces = join(dir, 'no-faces.mp4');
  ff('-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=10:duration=2', '-pix_fmt', 'yuv420p', noFaces);
  const audioOnly = join(dir, 'audio-only.m4a');
  ff('-f', 'lavfi', '-i', 'sine=frequency=440:duration=2', audioOnly);
  const textMp4 = join(dir, 'not-a-video.mp4');
  writeFileSync(textMp4, 'this is a text file, not a video\n');
  const truncated = join(dir, 'truncated.mp4');
  const whole = readFileSync(noFaces);
  writeFileSync(truncated, whole.subarray(0, Math.floor(whole.length / 2)));
  return { noFaces, audioOnly, textMp4, truncated };
}
