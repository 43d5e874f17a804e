// Small real files for the upload limits: accepted videos, videos in refused containers or codecs, and non-videos.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface UploadMedia {
  /** 2 s, 64x48, h264 in mp4: accepted. */
  mp4: Buffer;
  /** The same in Matroska. */
  mkv: Buffer;
  /** 1 s of uncompressed video (codec rawvideo) in AVI: an accepted container, a refused codec. */
  rawAvi: Buffer;
  /** An h264 elementary stream: a video, but no container. */
  h264: Buffer;
  /** An HLS playlist naming a link-local URL and a local file: must be refused before anything it names is opened. */
  hls: Buffer;
  gif: Buffer;
  png: Buffer;
  wav: Buffer;
  /** Audio only, in mp4. */
  m4a: Buffer;
  text: Buffer;
  /** The mp4 cut in half. */
  truncatedMp4: Buffer;
}

export function makeUploadMedia(dir: string): UploadMedia {
  const ff = (...args: string[]) => execFileSync('ffmpeg', ['-v', 'error', '-y', ...args]);
  const src = ['-f', 'lavfi', '-i', 'testsrc=size=64x48:rate=10'];
  const out = (name: string) => join(dir, name);
  ff(...src, '-t', '2', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', out('a.mp4'));
  ff(...src, '-t', '2', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', out('a.mkv'));
  ff(...src, '-t', '1', '-c:v', 'rawvideo', '-pix_fmt', 'yuv420p', out('raw.avi'));
  ff(...src, '-t', '1', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-f', 'h264', out('a.h264'));
  ff(...src, '-t', '1', out('a.gif'));
  ff(...src, '-frames:v', '1', out('a.png'));
  ff('-f', 'lavfi', '-i', 'sine=duration=1', out('a.wav'));
  ff('-f', 'lavfi', '-i', 'sine=duration=1', '-c:a', 'aac', out('a.m4a'));
  const mp4 = readFileSync(out('a.mp4'));
  writeFileSync(
    out('a.m3u8'),
    `#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\nhttp://169.254.169.254/latest/meta-data.ts\n#EXTINF:2,\n${out('a.mp4')}\n#EXT-X-ENDLIST\n`,
  );
  return {
    mp4,
    mkv: readFileSync(out('a.mkv')),
    rawAvi: readFileSync(out('raw.avi')),
    h264: readFileSync(out('a.h264')),
    hls: readFileSync(out('a.m3u8')),
    gif: readFileSync(out('a.gif')),
    png: readFileSync(out('a.png')),
    wav: readFileSync(out('a.wav')),
    m4a: readFileSync(out('a.m4a')),
    text: Buffer.from('this is a text file, not a video\n'.repeat(20)),
    truncatedMp4: mp4.subarray(0, Math.floor(mp4.length / 2)),
  };
}
