import { open, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { KeycastError } from '../config/index.js';
import type { VideoInfo } from './types.js';
import { getMediaTools, runTool, TOOL_TIMEOUT_MS } from './tools.js';
import { parseRational, type Rational } from './timeline.js';

/** What sampling needs beyond VideoInfo: which stream to map and the exact (rational) frame rate of the sampling grid. */
export interface ProbedVideo {
  info: VideoInfo;
  /** Absolute stream index in the container (for `-map 0:N`). */
  streamIndex: number;
  fps: Rational;
  /**
   * Where the video stream's first frame is presented on the file's timeline (seconds after the format's start, the
   * time ffmpeg and players count from): the stream's start_time minus the format's, 0 when either is unknown. A
   * stream often starts after its audio (the Hamilton clip: 0.852 s against 0.008 s): nothing of it is shown before.
   */
  start_s: number;
  /** Whether duration_s comes from the video stream itself (exact) or from the container (may include longer audio). */
  durationFromStream: boolean;
  /** ffprobe's format_name: the demuxer's comma-separated names ("mov,mp4,m4a,3gp,3g2,mj2", "matroska,webm"). */
  format: string;
}

export interface ProbeOptions {
  /**
   * Demuxers ffprobe may use (ffprobe's format names; one matching name of a demuxer's list is enough). Set for
   * untrusted uploads: playlists and concat lists (hls, concat) would otherwise open the files or URLs they name.
   * Any other file or network protocol is refused too.
   */
  allowedFormats?: readonly string[];
}

interface FfprobeStream {
  index: number;
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  start_time?: string;
  duration?: string;
  bit_rate?: string;
  nb_frames?: string;
  disposition?: Record<string, number>;
  tags?: Record<string, string>;
  side_data_list?: Array<Record<string, unknown>>;
}

interface FfprobeFormat {
  format_name?: string;
  start_time?: string;
  duration?: string;
  size?: string;
}

export interface FfprobeOutput {
  streams?: FfprobeStream[];
  format?: FfprobeFormat;
}

/** Demuxers that "succeed" on things that are not videos: text shown as ANSI art, and single still images. */
const NOT_VIDEO_FORMATS = /(^|,)(tty|image2|[a-z0-9]+_pipe)(,|$)/;
const NOT_VIDEO_CODECS = new Set(['ansi', 'bintext', 'xbin', 'idf']);

/** Demuxers of stills, sound and text: a file one of these reads is no video, whatever containers are accepted. */
const NOT_VIDEO_DEMUXERS =
  /(^|,)([a-z0-9]+_pipe|image2|apng|gif|webp|ico|tty|ansi|bintext|xbin|idf|wav|w64|mp3|aac|flac|aiff|au|ac3|eac3|dts|truehd|amr|amrnb|amrwb|opus|caf|ape|wv|tta|mpc|mpc8|srt|ass|webvtt|subviewer|microdvd|jacosub|lrc|sami|realtext|pjs|mpl2|vplayer|stl|scc|sup|data|bin)(,|$)/;

/** ISO-BMFF (mp4/mov) top-level box types: a file starting with one of these is an mp4, even when ffprobe cannot read it. */
const MP4_BOXES = new Set(['ftyp', 'moov', 'mdat', 'free', 'skip', 'wide', 'pnot', 'styp']);

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

function num(s: string | undefined): number {
  if (s === undefined || s === 'N/A' || s === '') return NaN;
  return Number(s);
}

/** Matroska keeps a stream's duration in a tag, "HH:MM:SS.nnnnnnnnn". */
function tagDuration(tags: Record<string, string> | undefined): number {
  const d = tags?.DURATION ?? tags?.duration;
  const m = d ? /^(\d+):(\d\d):(\d\d(?:\.\d+)?)$/.exec(d) : null;
  return m ? Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) : NaN;
}

/**
 * Rotation a player applies, in clockwise degrees (0, 90, 180, 270).
 * ffprobe reports the display matrix angle counter-clockwise (`rotation: -90` = turn 90° clockwise), the legacy
 * `rotate` tag clockwise; ffmpeg's own autorotate uses the same reading, so frames come out in this orientation.
 */
export function streamRotation(s: Pick<FfprobeStream, 'side_data_list' | 'tags'>): number {
  let deg = NaN;
  for (const sd of s.side_data_list ?? []) {
    if (typeof sd.rotation === 'number' || typeof sd.rotation === 'string') {
      deg = -Number(sd.rotation);
      break;
    }
  }
  if (!Number.isFinite(deg) && s.tags?.rotate !== undefined) deg = Number(s.tags.rotate);
  if (!Number.isFinite(deg)) return 0;
  return (((Math.round(deg / 90) * 90) % 360) + 360) % 360;
}

async function isMp4Container(absPath: string): Promise<boolean> {
  const fh = await open(absPath, 'r');
  try {
    const head = Buffer.alloc(8);
    const { bytesRead } = await fh.read(head, 0, 8, 0);
    return bytesRead === 8 && MP4_BOXES.has(head.toString('latin1', 4, 8));
  } finally {
    await fh.close();
  }
}

/**
 * Turns ffprobe's JSON into VideoInfo, or throws the KeycastError that says why the file is not a usable video.
 * `fileSize` is used to spot mp4 files whose sample tables promise more bytes than the file holds (cut copies).
 */
export function interpretProbe(path: string, json: FfprobeOutput, fileSize: number): ProbedVideo {
  const fmt = json.format ?? {};
  const streams = json.streams ?? [];
  const formatName = fmt.format_name ?? '';
  const video = streams.find((s) => s.codec_type === 'video' && s.disposition?.attached_pic !== 1);

  if (NOT_VIDEO_FORMATS.test(formatName) || (video && NOT_VIDEO_CODECS.has(video.codec_name ?? ''))) {
    const what = /tty/.test(formatName) ? 'text' : 'a still image';
    throw new KeycastError('NOT_A_VIDEO', `${path}: not a video (ffprobe reads it as ${what}, format ${formatName})`);
  }
  if (!video) {
    const kinds = [...new Set(streams.map((s) => s.codec_type ?? 'unknown'))];
    const has = kinds.length ? `only ${kinds.join(', ')} streams` : 'no streams at all';
    throw new KeycastError('NO_VIDEO_STREAM', `${path}: no video stream (${has})`);
  }

  // mov/mp4 demuxing derives each stream's bit_rate from its sample sizes, so their sum over the duration is the media
  // payload the index promises; a copy cut short (moov up front, mdat truncated) holds far fewer bytes than that.
  if (/(^|,)(mov|mp4)(,|$)/.test(formatName) && fileSize > 0) {
    let promised = 0;
    for (const s of streams) {
      const br = num(s.bit_rate);
      const d = num(s.duration);
      if (br > 0 && d > 0) promised += (br * d) / 8;
    }
    if (promised > fileSize * 1.1 + 4096) {
      throw new KeycastError(
        'TRUNCATED_VIDEO',
        `${path}: truncated video: its index describes ${Math.round(promised)} bytes of media but the file holds ${fileSize}`,
      );
    }
  }

  const fps = parseRational(video.avg_frame_rate) ?? parseRational(video.r_frame_rate);
  if (!fps) throw new KeycastError('NOT_A_VIDEO', `${path}: video stream has no frame rate`);

  // Times are counted on the file's timeline (ffmpeg's output time 0 is the format's start), so the video ends where its
  // stream ends on that timeline: stream offset + stream duration. Without a stream duration, fall back to the container's.
  const offset = num(video.start_time) - num(fmt.start_time);
  const start_s = offset > 0 ? offset : 0;
  let duration = num(video.duration);
  if (!(duration > 0)) duration = tagDuration(video.tags);
  const durationFromStream = duration > 0;
  if (durationFromStream) {
    duration += start_s;
  } else {
    duration = num(fmt.duration);
  }
  if (!(duration > 0)) {
    const why = Number.isNaN(duration) ? 'unknown' : 'zero';
    throw new KeycastError('ZERO_DURATION', `${path}: video duration is ${why}`);
  }

  const rotation = streamRotation(video);
  const w = video.width ?? 0;
  const h = video.height ?? 0;
  if (!(w > 0 && h > 0)) throw new KeycastError('NOT_A_VIDEO', `${path}: video stream has no frame size`);
  const swap = rotation === 90 || rotation === 270;
  const fpsValue = fps.num / fps.den;
  const nb = Number.parseInt(video.nb_frames ?? '', 10);

  return {
    info: {
      path,
      duration_s: duration,
      fps: fpsValue,
      width: swap ? h : w,
      height: swap ? w : h,
      rotation,
      codec: video.codec_name ?? 'unknown',
      frame_count: nb > 0 ? nb : Math.round(duration * fpsValue),
    },
    streamIndex: video.index,
    fps,
    start_s,
    durationFromStream,
    format: formatName,
  };
}

// A pipeline probes a file, then samples it (once per segment): the same unchanged file needs one ffprobe run.
const CACHE_MAX = 64;
const cache = new Map<string, ProbedVideo>();

/** probe() plus the stream index and exact frame rate that sampling needs. Cached per (file identity, size, mtime). */
export async function probeVideo(path: string, { allowedFormats }: ProbeOptions = {}): Promise<ProbedVideo> {
  const abs = resolve(path);
  let size: number;
  let key: string;
  try {
    const st = await stat(abs);
    if (st.isDirectory()) throw new KeycastError('NOT_A_VIDEO', `${path}: is a directory, not a video file`);
    size = st.size;
    key = `${getMediaTools().ffprobe}|${abs}|${st.dev}:${st.ino}|${st.size}|${st.mtimeMs}|${allowedFormats?.join(',') ?? '*'}`;
  } catch (e) {
    if (e instanceof KeycastError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new KeycastError('NOT_FOUND', `${path}: file not found`);
    throw new KeycastError('NOT_FOUND', `${path}: cannot read file (${code ?? String(e)})`);
  }
  if (size === 0) throw new KeycastError('NOT_A_VIDEO', `${path}: empty file`);
  const hit = cache.get(key);
  if (hit) return { ...hit, info: { ...hit.info, path } };

  // `file:` keeps names with colons or a leading dash from being read as protocols or options.
  // Only local files are ever read: a playlist or reference file naming URLs or other files opens nothing.
  const restrict = [...(allowedFormats ? ['-format_whitelist', allowedFormats.join(',')] : []), '-protocol_whitelist', 'file'];
  const r = await runTool(getMediaTools().ffprobe, ['-v', 'error', ...restrict, '-show_format', '-show_streams', '-of', 'json', '-i', `file:${abs}`]);
  if (r.timedOut) throw new KeycastError('UNSUPPORTED_MEDIA', `${path}: ffprobe did not finish reading the file within ${TOOL_TIMEOUT_MS / 1000} s`);
  if (r.code !== 0) {
    const refused = /\[([\w,]+) @ [^\]]*\] Format not on whitelist/.exec(r.stderr);
    if (refused) {
      if (NOT_VIDEO_DEMUXERS.test(refused[1])) throw new KeycastError('NOT_A_VIDEO', `${path}: not a video (ffprobe reads it as ${refused[1]})`);
      throw new KeycastError('UNSUPPORTED_CONTAINER', `${path}: container ${refused[1]} is not accepted`);
    }
    const lines = r.stderr
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
    const detail = oneLine(lines.map((l) => l.replace(/^\[[^\]]*\]\s*/, '').replace(`file:${abs}: `, '')).join('; ')) || `exit code ${r.code}`;
    if (/moov atom not found/i.test(r.stderr)) {
      if (await isMp4Container(abs)) {
        throw new KeycastError('TRUNCATED_VIDEO', `${path}: truncated or incomplete mp4 (moov atom missing: the file was cut short or never finished)`);
      }
      throw new KeycastError('NOT_A_VIDEO', `${path}: not a media file (${detail})`);
    }
    if (/partial file|end of file|truncat/i.test(r.stderr) && !/Invalid data found/i.test(r.stderr)) {
      throw new KeycastError('TRUNCATED_VIDEO', `${path}: truncated video (${detail})`);
    }
    throw new KeycastError('NOT_A_VIDEO', `${path}: not a media file (${detail})`);
  }
  let json: FfprobeOutput;
  try {
    json = JSON.parse(r.stdout) as FfprobeOutput;
  } catch {
    throw new KeycastError('NOT_A_VIDEO', `${path}: ffprobe output could not be read`);
  }
  const probed = interpretProbe(path, json, size);
  cache.set(key, probed);
  if (cache.size > CACHE_MAX) cache.delete(cache.keys().next().value!);
  return probed;
}

/**
 * Reads a video's metadata with ffprobe.
 * Throws KeycastError: NOT_FOUND (no such file), NOT_A_VIDEO (not media, text, a still image), NO_VIDEO_STREAM
 * (audio only), ZERO_DURATION (zero or unknown duration), TRUNCATED_VIDEO (mp4 cut short), INTERNAL (ffprobe missing).
 */
export async function probe(path: string, opts: ProbeOptions = {}): Promise<VideoInfo> {
  return (await probeVideo(path, opts)).info;
}
