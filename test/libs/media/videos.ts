// Small videos made with ffmpeg's lavfi sources, for the media tests. Each recipe is one ffmpeg run (a few tens of ms).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const HAMILTON = resolve(repoRoot, '../shared/data/videos/short_hamilton_clip.mp4');
export function hamiltonPresent(): boolean {
  try {
    return statSync(HAMILTON).isFile();
  } catch {
    return false;
  }
}
export const HAMILTON_ABSENT = 'real test video ../shared/data/videos/short_hamilton_clip.mp4 absent';

export function ffmpegPresent(): boolean {
  return spawnSync('ffmpeg', ['-version']).status === 0 && spawnSync('ffprobe', ['-version']).status === 0;
}

function ff(args: string[]): boolean {
  const r = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args], { encoding: 'utf8' });
  return r.status === 0;
}

function must(args: string[]): void {
  const r = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ffmpeg ${args.join(' ')} failed: ${r.stderr}`);
}

const X264 = ['-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-preset', 'ultrafast'];

// Generated files are kept between runs in one folder per recipe version (bump it when a recipe changes), so each test
// file does not re-encode them; each is written under a temporary name and renamed, so a half-written file is never used.
const RECIPES_VERSION = 1;

export class TestVideos {
  readonly dir = join(tmpdir(), `keycast-media-test-videos-v${RECIPES_VERSION}`);
  /** Scratch space of this run (paths that must not exist, and so on); removed by cleanup(). */
  readonly scratch = mkdtempSync(join(tmpdir(), 'keycast-media-'));

  constructor() {
    mkdirSync(this.dir, { recursive: true });
  }

  private once(name: string, make: (p: string) => void): string {
    const p = join(this.dir, name);
    if (existsSync(p)) return p;
    const tmp = join(this.scratch, name);
    make(tmp);
    renameSync(tmp, p);
    return p;
  }

  /** 320x240, 25 fps, 2 s, keyframe every 10 frames, with audio (moov at the end). */
  testsrc(): string {
    return this.once('testsrc.mp4', (p) =>
      must(['-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25:duration=2', '-f', 'lavfi', '-i', 'sine=duration=2', ...X264, '-g', '10', '-c:a', 'aac', p]),
    );
  }

  /**
   * 2 s at 25 fps whose video stream starts at 0.52 s (frame 13 of the 25 fps grid) while its audio starts at 0: the
   * shape of the Hamilton clip (video from 0.852 s), made here so the rule is tested without ../shared.
   */
  lateStart(): string {
    return this.once('late-start.mp4', (p) =>
      must([
        '-f',
        'lavfi',
        '-i',
        'sine=duration=2.5',
        '-itsoffset',
        '0.52',
        '-f',
        'lavfi',
        '-i',
        'testsrc2=size=160x120:rate=25:duration=2',
        '-map',
        '0:a',
        '-map',
        '1:v',
        // passthrough: without it ffmpeg's own CFR sync fills the first 0.52 s with copies of the first frame
        '-vsync',
        'passthrough',
        ...X264,
        '-g',
        '10',
        '-c:a',
        'aac',
        p,
      ]),
    );
  }

  /** 2 s at 25 fps: 1 s red then 1 s blue, a hard cut at frame 25 (t = 1.0 s). */
  sceneCut(): string {
    return this.once('cut.mp4', (p) =>
      must([
        '-f',
        'lavfi',
        '-i',
        'color=c=red:size=160x120:rate=25:duration=1',
        '-f',
        'lavfi',
        '-i',
        'color=c=blue:size=160x120:rate=25:duration=1',
        '-filter_complex',
        '[0][1]concat=n=2:v=1:a=0',
        ...X264,
        p,
      ]),
    );
  }

  /** 64x32 (left half red, right half blue) tagged to be displayed rotated by 90°; null if this ffmpeg cannot tag it. */
  rotated(): string | null {
    const src = this.once('halves.mp4', (p) =>
      must([
        '-f',
        'lavfi',
        '-i',
        'color=c=red:size=32x32:rate=25:duration=0.4',
        '-f',
        'lavfi',
        '-i',
        'color=c=blue:size=32x32:rate=25:duration=0.4',
        '-filter_complex',
        '[0][1]hstack',
        ...X264,
        p,
      ]),
    );
    try {
      return this.once('rotated.mp4', (out) => {
        // -display_rotation (ffmpeg >= 6) or the legacy rotate tag (older); both set the stream's display matrix.
        const ok = ff(['-display_rotation', '90', '-i', src, '-c', 'copy', out]) || ff(['-i', src, '-c', 'copy', '-metadata:s:v', 'rotate=90', out]);
        if (!ok) throw new Error('cannot tag rotation');
      });
    } catch {
      return null;
    }
  }

  audioOnly(): string {
    return this.once('audio.m4a', (p) => must(['-f', 'lavfi', '-i', 'sine=duration=1', '-c:a', 'aac', p]));
  }

  textAsMp4(): string {
    return this.once('notes.mp4', (p) => writeFileSync(p, 'this is a text file, not a video\n'.repeat(50)));
  }

  /** The first half of the bytes of testsrc(): its moov atom (written last) is gone. */
  truncatedMp4(): string {
    return this.once('truncated.mp4', (p) => {
      const b = readFileSync(this.testsrc());
      writeFileSync(p, b.subarray(0, b.length >> 1));
    });
  }

  /** Same, but with +faststart: the index survives at the front, half the media data is missing. */
  truncatedFaststart(): string {
    return this.once('truncated-faststart.mp4', (p) => {
      const full = join(this.scratch, 'faststart.mp4');
      must([
        '-f',
        'lavfi',
        '-i',
        'testsrc2=size=320x240:rate=25:duration=2',
        '-f',
        'lavfi',
        '-i',
        'sine=duration=2',
        ...X264,
        '-c:a',
        'aac',
        '-movflags',
        '+faststart',
        full,
      ]);
      const b = readFileSync(full);
      writeFileSync(p, b.subarray(0, b.length >> 1));
    });
  }

  /** Matroska cut in half: the header still says 2 s, only about the first second is there. */
  truncatedMkv(): string {
    return this.once('truncated.mkv', (p) => {
      const full = join(this.scratch, 'full.mkv');
      must(['-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25:duration=2', ...X264, '-g', '10', full]);
      const b = readFileSync(full);
      writeFileSync(p, b.subarray(0, b.length >> 1));
    });
  }

  /** One frame in NUT: the container reports a duration of exactly 0. */
  zeroDuration(): string {
    return this.once('one-frame.nut', (p) => must(['-f', 'lavfi', '-i', 'color=size=64x64', '-frames:v', '1', p]));
  }

  cleanup(): void {
    rmSync(this.scratch, { recursive: true, force: true });
  }
}

/**
 * Presentation time of every frame of the first video stream, in seconds on the file's timeline (the format's start
 * is 0, as ffmpeg and players count), in decoding order, as ffprobe reads them.
 */
export function framePresentationTimes(path: string): number[] {
  const r = spawnSync(
    'ffprobe',
    ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'frame=best_effort_timestamp_time:format=start_time', '-of', 'json', path],
    { encoding: 'utf8', maxBuffer: 64 << 20 },
  );
  if (r.status !== 0) throw new Error(`ffprobe ${path} failed: ${r.stderr}`);
  const j = JSON.parse(r.stdout) as { frames: { best_effort_timestamp_time: string }[]; format: { start_time?: string } };
  const start = Number(j.format.start_time ?? 0);
  return j.frames.map((f) => Number(f.best_effort_timestamp_time) - start);
}

export function md5(b: Buffer): string {
  return createHash('md5').update(b).digest('hex');
}

/** Live ffmpeg processes that are children of this process (Linux /proc); null where /proc is unavailable. */
export function childFfmpegPids(): number[] | null {
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return null;
  }
  const out: number[] = [];
  for (const n of names) {
    if (!/^\d+$/.test(n)) continue;
    try {
      const stat = readFileSync(`/proc/${n}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const ppid = Number(stat.slice(close + 2).split(' ')[1]);
      if (comm === 'ffmpeg' && ppid === process.pid) out.push(Number(n));
    } catch {
      /* exited meanwhile */
    }
  }
  return out;
}

/** Bytes a process has written so far (/proc/PID/io wchar), or null. */
export function bytesWritten(pid: number): number | null {
  try {
    const m = /wchar:\s*(\d+)/.exec(readFileSync(`/proc/${pid}/io`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}
