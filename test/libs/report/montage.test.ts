import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import sharp from 'sharp';
import { KeycastError } from '../../../libs/config/index.js';
import { montageFaces, montageLayout, renderMontage, type ClusterSummary } from '../../../libs/report/index.js';

const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const BACKGROUND = [24, 24, 27];

function solidJpeg(rgb: number[], w = 40, h = 50): Promise<Buffer> {
  return sharp({ create: { width: w, height: h, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } })
    .jpeg()
    .toBuffer();
}

function cluster(id: number, faces: number[], screen = faces.length): ClusterSummary {
  return { id, size: faces.length, faces, screen_time_s: screen, first_t: 0, last_t: 1, segments: [[0, screen]], representative: faces[0], key: true };
}

async function pixel(png: Buffer, x: number, y: number): Promise<number[]> {
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  const i = (y * info.width + x) * info.channels;
  return [data[i], data[i + 1], data[i + 2]];
}

function near(actual: number[], expected: number[], tol = 30): boolean {
  return actual.every((v, i) => Math.abs(v - expected[i]) <= tol);
}

test('montage: PNG, one tile-wide column per cluster, header + capped rows, faces in the right cells', async () => {
  const colours: Record<number, number[]> = { 0: [220, 30, 30], 1: [30, 200, 40], 2: [40, 60, 220] };
  const clusters = [cluster(4, [1, 2, 3, 4, 5]), cluster(9, [10, 11]), cluster(2, [20])];
  const colourOf = (faceId: number) => colours[faceId < 10 ? 0 : faceId < 20 ? 1 : 2];
  let calls = 0;
  const png = await renderMontage(
    clusters,
    (id) => {
      calls++;
      return solidJpeg(colourOf(id));
    },
    { tile: 32, maxPerCluster: 4 },
  );

  assert.deepEqual(png.subarray(0, 8), PNG_MAGIC);
  const meta = await sharp(png).metadata();
  assert.equal(meta.format, 'png');
  // tile 32 → font clamp(4) = 9, header 3 × round(11.25) + 8 = 41; rows = min(5, 4) = 4.
  assert.equal(meta.width, 3 * 32);
  assert.equal(meta.height, 41 + 4 * 32);
  assert.deepEqual(montageLayout(clusters, { tile: 32, maxPerCluster: 4 }), { tile: 32, columns: 3, rows: 4, header: 41, fontSize: 9, width: 96, height: 169 });
  assert.equal(calls, 4 + 2 + 1);

  const centre = (col: number, row: number) => [col * 32 + 16, 41 + row * 32 + 16] as const;
  assert.ok(near(await pixel(png, ...centre(0, 0)), colours[0]));
  assert.ok(near(await pixel(png, ...centre(0, 3)), colours[0]));
  assert.ok(near(await pixel(png, ...centre(1, 1)), colours[1]));
  assert.ok(near(await pixel(png, ...centre(1, 2)), BACKGROUND, 2), 'cells below a short column stay background');
  assert.ok(near(await pixel(png, ...centre(2, 0)), colours[2]));
  assert.ok(near(await pixel(png, ...centre(2, 1)), BACKGROUND, 2));
  // Header bands alternate shades (#27272a, #3f3f46) so the columns read apart; sampled off the text.
  assert.deepEqual(await pixel(png, 1, 1), [0x27, 0x27, 0x2a]);
  assert.deepEqual(await pixel(png, 33, 1), [0x3f, 0x3f, 0x46]);
});

test('montage: default tile 96, height = 53 + rows × 96', async () => {
  const jpeg = await solidJpeg([128, 128, 128]);
  const png = await renderMontage([cluster(1, [1, 2]), cluster(2, [3])], () => jpeg);
  const meta = await sharp(png).metadata();
  assert.equal(meta.width, 2 * 96);
  assert.equal(meta.height, 53 + 2 * 96);
});

test('montageFaces: representative first, the rest spread evenly over time', () => {
  const c = { faces: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], representative: 5 };
  assert.deepEqual(montageFaces(c, 4), [5, 1, 6, 10]);
  assert.deepEqual(montageFaces(c, 2), [5, 1]);
  assert.deepEqual(montageFaces(c, 1), [5]);
  assert.deepEqual(montageFaces({ faces: [3, 1, 2], representative: 1 }, 8), [1, 3, 2]);
});

test('montage: an empty cluster list gives a small PNG reading "no clusters"', async (t) => {
  const png = await renderMontage([], () => {
    throw new Error('not called');
  });
  assert.deepEqual(png.subarray(0, 8), PNG_MAGIC);
  const meta = await sharp(png).metadata();
  assert.equal(meta.width, 240);
  assert.equal(meta.height, 60);
  if (!existsSync('/usr/share/fonts')) return t.skip('no system fonts: text not checked');
  const { data } = await sharp(png).greyscale().raw().toBuffer({ resolveWithObject: true });
  const bright = data.filter((v) => v > 150).length;
  assert.ok(bright > 50, `expected text pixels, found ${bright}`);
});

test('montage: a failing or unreadable thumbnail is INVALID_FILE naming the face', async () => {
  const isInvalid = (id: number) => (e: unknown) => e instanceof KeycastError && e.code === 'INVALID_FILE' && e.message.includes(`face ${id}`);
  await assert.rejects(
    renderMontage([cluster(1, [7])], () => {
      throw new Error('ENOENT');
    }),
    isInvalid(7),
  );
  await assert.rejects(
    renderMontage([cluster(1, [8])], () => Buffer.from('not an image')),
    isInvalid(8),
  );
  await assert.rejects(
    renderMontage([cluster(1, [1])], () => Buffer.alloc(0), { tile: 8 }),
    (e: unknown) => e instanceof KeycastError && e.code === 'INVALID_OPTION',
  );
});
