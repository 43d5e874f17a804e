// Damaged copies of a real MP4 for the fault tests: the container (moov) intact, the stream data (mdat) partly garbage.
import { execFileSync } from 'node:child_process';

/** Byte span [start, end) of the payload of the top-level `mdat` box. */
export function mdatSpan(mp4: Buffer): { start: number; end: number } {
  let off = 0;
  while (off + 8 <= mp4.length) {
    let size = mp4.readUInt32BE(off);
    const type = mp4.toString('latin1', off + 4, off + 8);
    let header = 8;
    if (size === 1) {
      size = Number(mp4.readBigUInt64BE(off + 8));
      header = 16;
    } else if (size === 0) size = mp4.length - off;
    if (type === 'mdat') return { start: off + header, end: off + size };
    off += size;
  }
  throw new Error('no mdat box');
}

/** Same bytes with [from, to) (fractions of the mdat payload) overwritten by seeded pseudo-random bytes. */
export function corruptMdat(mp4: Buffer, from: number, to: number, seed = 7): { bytes: Buffer; start: number; end: number } {
  const { start: a, end: b } = mdatSpan(mp4);
  const start = a + Math.floor((b - a) * from);
  const end = a + Math.floor((b - a) * to);
  const out = Buffer.from(mp4);
  let x = seed >>> 0 || 1;
  for (let i = start; i < end; i++) {
    // xorshift32: the same garbage on every run.
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return { bytes: out, start, end };
}

export interface Packet {
  pts: number;
  pos: number;
  size: number;
  key: boolean;
}

/** The video stream's packets as ffprobe reads them from the container's index (a damaged payload does not change it). */
export function videoPackets(path: string): Packet[] {
  const csv = execFileSync('ffprobe', ['-v', 'quiet', '-select_streams', 'v:0', '-show_entries', 'packet=pts_time,pos,size,flags', '-of', 'csv=p=0', path], {
    stdio: ['ignore', 'pipe', 'ignore'],
  }).toString();
  return csv
    .trim()
    .split('\n')
    .map((line) => {
      const [pts, size, pos, flags] = line.split(',');
      return { pts: Number(pts), size: Number(size), pos: Number(pos), key: (flags ?? '').includes('K') };
    })
    .sort((p, q) => p.pts - q.pts);
}

/**
 * What a damaged byte range [start, end) can touch, in seconds: `before` is the earliest picture whose packet is
 * damaged (pictures before it decode as in the clean file, give or take reordering); `resync` is the first key frame
 * wholly after the damage (pictures from it on decode cleanly again; Infinity when there is none).
 */
export function damagedSpan(path: string, start: number, end: number): { before: number; resync: number } {
  const packets = videoPackets(path);
  const hit = packets.filter((p) => p.pos < end && p.pos + p.size > start);
  const before = hit.length ? Math.min(...hit.map((p) => p.pts)) : Infinity;
  const key = packets.filter((p) => p.key && p.pos >= end).map((p) => p.pts);
  return { before, resync: key.length ? Math.min(...key) : Infinity };
}
