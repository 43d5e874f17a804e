import sharp from 'sharp';

/** Decodes an image file to packed RGB, as the pipeline's frames are. */
export async function readRgb(path: string, pad = 0): Promise<{ rgb: Buffer; width: number; height: number }> {
  // Tight face chips need a margin: the SSD detector was trained on faces with context around them.
  const img = pad > 0 ? sharp(path).extend({ top: pad, bottom: pad, left: pad, right: pad, background: { r: 0, g: 0, b: 0 } }) : sharp(path);
  const { data, info } = await img.removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  if (info.channels === 3) return { rgb: data, width: info.width, height: info.height };
  // Grayscale sources come back with one channel: spread it to RGB.
  const rgb = Buffer.alloc(info.width * info.height * 3);
  for (let i = 0; i < info.width * info.height; i++) rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = data[i * info.channels];
  return { rgb, width: info.width, height: info.height };
}

/** A solid-colour RGB frame. */
export function solid(width: number, height: number, [r, g, b]: [number, number, number]): Buffer {
  const buf = Buffer.alloc(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    buf[3 * i] = r;
    buf[3 * i + 1] = g;
    buf[3 * i + 2] = b;
  }
  return buf;
}
