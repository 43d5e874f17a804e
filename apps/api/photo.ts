import sharp from 'sharp';
import { ApiError } from './errors.js';

/**
 * Photos a client sends (search by photo): judged by their header before a pixel is decoded, then decoded a few at a
 * time. A decompression bomb is a small file declaring many pixels (a 39 KB PNG of 40,000,000 x 1 px): before, 8 at
 * once took the API from 1.0 to 2.3 GB of RSS and a 1 x 40,000,000 one 5.5 s of CPU. Every route that decodes an
 * image a client sent goes through `decodePhoto`.
 */
export const PHOTO_MAX_PIXELS = 40_000_000;
/** Longest side: bounds one row's bytes and the number of rows a decoder walks (the tall bomb's cost). */
export const PHOTO_MAX_SIDE = 16_384;
/** Longer side over shorter side: a panorama is about 1:8; nothing narrower is a photo of faces. */
export const PHOTO_MAX_ASPECT = 20;
/**
 * Photos decoded and searched at once by one API process; the rest wait. One: the API has one inference thread, so a
 * second slot would only hold a second decoded photo in memory while it waits for it.
 */
export const PHOTO_DECODE_CONCURRENCY = 1;
/** Photos that may wait for a decode; beyond them 503 UNAVAILABLE with Retry-After (each holds its bytes while it waits). */
export const PHOTO_DECODE_QUEUE = 4;
/**
 * Photos are decoded at most this large (boxes are scaled back). The detector works at 512 px, so a face it can find is
 * at least about 60 px here for the descriptor's chip. Measured (8 concurrent 36-megapixel photos, API RSS growth):
 * 2048 px +200 to +320 MB, 1536 px +65 MB, 1024 px +21 MB: the inference thread's buffers grow with the decoded size.
 */
const DETECT_MAX_SIDE = 1536;
const FORMATS = new Set(['jpeg', 'png', 'webp']);

// A photo is decoded once: libvips' operation cache would only keep its pixels alive after the answer.
sharp.cache(false);

export interface DecodedPhoto {
  rgb: Buffer;
  width: number;
  height: number;
  /** Upright source pixels per decoded pixel: multiply a box by it to get the photo's coordinates. */
  scale: number;
}

interface Header {
  format: string;
  width: number;
  height: number;
  orientation: number;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** PNG chunks a decode needs (pixels, palette, transparency, colour, orientation): none is compressed outside IDAT. */
const PNG_KEPT = new Set(['IHDR', 'PLTE', 'IDAT', 'IEND', 'tRNS', 'gAMA', 'cHRM', 'sRGB', 'sBIT', 'eXIf', 'pHYs']);

/**
 * A PNG without its other ancillary chunks. Text (zTXt, iTXt) and ICC profiles (iCCP) are deflated, and the decoder
 * inflates them whole, even to read the header: a 50 KB file with a 50 MB zTXt chunk cost 40 MB of RSS per request.
 * Nothing of them matters to finding faces. Anything that is not a well-formed chunk list is returned as it is (the
 * decoder then refuses it).
 */
export function withoutPngExtras(bytes: Buffer): Buffer {
  if (bytes.length < 8 || !bytes.subarray(0, 8).equals(PNG_SIGNATURE)) return bytes;
  const kept: Buffer[] = [PNG_SIGNATURE];
  let dropped = false;
  for (let i = 8; i < bytes.length;) {
    if (i + 12 > bytes.length) return bytes;
    const len = bytes.readUInt32BE(i);
    const end = i + 12 + len;
    if (end > bytes.length) return bytes;
    const type = bytes.toString('latin1', i + 4, i + 8);
    if (PNG_KEPT.has(type)) kept.push(bytes.subarray(i, end));
    else dropped = true;
    i = end;
    if (type === 'IEND') break;
  }
  return dropped ? Buffer.concat(kept) : bytes;
}

/** The header only (libvips reads no pixel data for metadata): format, declared size, EXIF orientation. */
async function readHeader(bytes: Buffer): Promise<Header> {
  try {
    const m = await sharp(bytes, { limitInputPixels: false }).metadata();
    return { format: m.format ?? '', width: m.width ?? 0, height: m.height ?? 0, orientation: m.orientation ?? 1 };
  } catch {
    throw new ApiError('NOT_AN_IMAGE', 'the file is not a JPEG, PNG or WebP image');
  }
}

/** The header's refusals: a format we do not read, no size, too many pixels, a side too long, an aspect no photo has. */
export function checkPhotoHeader(h: { format: string; width: number; height: number }): void {
  if (!FORMATS.has(h.format))
    throw new ApiError('NOT_AN_IMAGE', `the file is ${h.format ? `a ${h.format} image` : 'not an image'}: send a JPEG, PNG or WebP photo`);
  const { width: w, height: h2 } = h;
  if (!(w > 0 && h2 > 0)) throw new ApiError('NOT_AN_IMAGE', `the ${h.format} image declares no size`);
  if (w * h2 > PHOTO_MAX_PIXELS) throw new ApiError('IMAGE_TOO_LARGE', `the photo has ${w}x${h2} pixels, more than the limit of ${PHOTO_MAX_PIXELS}`);
  if (Math.max(w, h2) > PHOTO_MAX_SIDE)
    throw new ApiError('IMAGE_TOO_LARGE', `the photo is ${w}x${h2} pixels: a side is longer than the limit of ${PHOTO_MAX_SIDE}`);
  if (Math.max(w, h2) > PHOTO_MAX_ASPECT * Math.min(w, h2))
    throw new ApiError('IMAGE_TOO_LARGE', `the photo is ${w}x${h2} pixels: one side is more than ${PHOTO_MAX_ASPECT} times the other`);
}

const photos = (n: number) => `${n} photo${n === 1 ? '' : 's'}`;
/** What the slots hold, in true words: "1 photo is being decoded and 4 are waiting". */
function busy(decoding: number, waiting: number): string {
  return `${photos(decoding)} ${decoding === 1 ? 'is' : 'are'} being decoded and ${waiting} ${waiting === 1 ? 'is' : 'are'} waiting`;
}

/** At most `limit` holders at once, at most `queue` waiting; a caller past both is refused at once. */
export class DecodeGate {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    readonly limit: number,
    readonly queue: number,
  ) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) {
      if (this.waiting.length >= this.queue) throw new ApiError('UNAVAILABLE', `${busy(this.active, this.waiting.length)}: try again in a moment`);
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else this.active++;
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}

const gate = new DecodeGate(PHOTO_DECODE_CONCURRENCY, PHOTO_DECODE_QUEUE);

/**
 * JPEG, PNG or WebP → packed RGB at most DETECT_MAX_SIDE, upright (EXIF orientation applied), handed to `use` (face
 * detection) inside one of the decoding slots: at most PHOTO_DECODE_CONCURRENCY decoded photos exist at once in the
 * process, however many requests arrive. Refused from its header, before it waits or decodes, when too big.
 */
export async function withDecodedPhoto<T>(sent: Buffer, use: (photo: DecodedPhoto) => Promise<T>): Promise<T> {
  const bytes = withoutPngExtras(sent);
  const header = await readHeader(bytes);
  checkPhotoHeader(header);
  return gate.run(async () => use(await decode(bytes, header)));
}

/**
 * libjpeg's warnings that the data ended before the pixels its header declares (a JPEG whose frame header lies about
 * its size): libvips fails only on a missing end marker and fills the rest grey, so such a JPEG would be
 * searched (422 NO_FACE) where the PNG equivalent is refused as undecodable (415).
 */
const JPEG_DATA_MISSING = /premature end of (data segment|JPEG file)/i;

function toRgb(bytes: Buffer, failOn: 'error' | 'warning') {
  return sharp(bytes, { limitInputPixels: PHOTO_MAX_PIXELS, failOn, sequentialRead: true })
    .rotate()
    .resize({ width: DETECT_MAX_SIDE, height: DETECT_MAX_SIDE, fit: 'inside', withoutEnlargement: true })
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
}

/** A JPEG is decoded failing on its first warning; one that is about missing data refuses it, any other is tolerated (decoded again). */
async function decodeRgb(bytes: Buffer, header: Header) {
  if (header.format !== 'jpeg') return toRgb(bytes, 'error');
  try {
    return await toRgb(bytes, 'warning');
  } catch (e) {
    if (JPEG_DATA_MISSING.test(e instanceof Error ? e.message : String(e))) throw e;
    return toRgb(bytes, 'error');
  }
}

async function decode(bytes: Buffer, header: Header): Promise<DecodedPhoto> {
  const upright = header.orientation >= 5 ? header.height : header.width;
  try {
    const { data, info } = await decodeRgb(bytes, header);
    let rgb = data;
    if (info.channels !== 3) {
      // A grayscale source can come back with one channel: spread it to RGB.
      rgb = Buffer.alloc(info.width * info.height * 3);
      for (let i = 0; i < info.width * info.height; i++) rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = data[i * info.channels];
    }
    return { rgb, width: info.width, height: info.height, scale: upright > 0 ? upright / info.width : 1 };
  } catch {
    throw new ApiError('NOT_AN_IMAGE', `the ${header.format} image could not be decoded (truncated or corrupt)`);
  }
}
