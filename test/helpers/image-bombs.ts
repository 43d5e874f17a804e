// Decompression bombs: small files that declare (and, for some, really hold) far more pixels than their bytes
// suggest. Written by hand (zlib), so no encoder refuses to make them.
import { deflateSync, crc32 } from 'node:zlib';

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/**
 * A 1-bit grayscale PNG of `width` x `height`, all black: every row is a filter byte and width/8 zero bytes, which
 * deflate to almost nothing (40,000,000 x 1 is about 5 KB). `truncate` keeps only the first bytes of the pixel data:
 * the header still declares the whole image.
 */
export function pngBomb(width: number, height: number, { truncate = false } = {}): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 1; // bit depth
  ihdr[9] = 0; // grayscale
  const rowBytes = 1 + Math.ceil(width / 8);
  const rows = truncate ? Math.min(height, 4) : height;
  const idat = deflateSync(Buffer.alloc(Math.min(rowBytes * rows, truncate ? 4096 : Infinity)), { level: 9 });
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', idat),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A small PNG carrying a zTXt chunk that inflates to `textBytes` (50 MB compress to about 50 KB). */
export function pngTextBomb(textBytes: number): Buffer {
  const png = pngBomb(64, 64);
  const text = chunk('zTXt', Buffer.concat([Buffer.from('Comment\0\0', 'latin1'), deflateSync(Buffer.alloc(textBytes, 0x41), { level: 9 })]));
  // After the signature (8 bytes) and IHDR (25 bytes).
  return Buffer.concat([png.subarray(0, 33), text, png.subarray(33)]);
}

/** A JPEG whose frame header (SOF) is rewritten to declare `width` x `height`: the data after it is the small image's. */
export function jpegDeclaring(small: Buffer, width: number, height: number): Buffer {
  const out = Buffer.from(small);
  for (let i = 2; i + 9 < out.length;) {
    if (out[i] !== 0xff) break;
    const marker = out[i + 1];
    const len = out.readUInt16BE(i + 2);
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      out.writeUInt16BE(height, i + 5);
      out.writeUInt16BE(width, i + 7);
      return out;
    }
    i += 2 + len;
  }
  throw new Error('no SOF marker in the JPEG');
}
