// apps/api/photo.ts without a server: the header rules and the decoding slot's queue.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import {
  checkPhotoHeader,
  DecodeGate,
  PHOTO_MAX_ASPECT,
  PHOTO_MAX_PIXELS,
  PHOTO_MAX_SIDE,
  withDecodedPhoto,
  withoutPngExtras,
} from '../../../apps/api/photo.js';
import { jpegDeclaring, pngBomb, pngTextBomb } from '../../helpers/image-bombs.js';
import { ApiError } from '../../../apps/api/errors.js';

const codeOf = (fn: () => void): string | null => {
  try {
    fn();
    return null;
  } catch (e) {
    return (e as ApiError).code;
  }
};

test('checkPhotoHeader: format, size, pixels, longest side and aspect, each at its edge', () => {
  assert.equal(
    codeOf(() => checkPhotoHeader({ format: 'jpeg', width: 6000, height: 4000 })),
    null,
  );
  assert.equal(
    codeOf(() => checkPhotoHeader({ format: 'gif', width: 10, height: 10 })),
    'NOT_AN_IMAGE',
  );
  assert.equal(
    codeOf(() => checkPhotoHeader({ format: 'png', width: 0, height: 10 })),
    'NOT_AN_IMAGE',
  );
  assert.equal(
    codeOf(() => checkPhotoHeader({ format: 'png', width: 8000, height: PHOTO_MAX_PIXELS / 8000 })),
    null,
  );
  assert.equal(
    codeOf(() => checkPhotoHeader({ format: 'png', width: 8000, height: PHOTO_MAX_PIXELS / 8000 + 1 })),
    'IMAGE_TOO_LARGE',
  );
  assert.equal(
    codeOf(() => checkPhotoHeader({ format: 'webp', width: PHOTO_MAX_SIDE, height: 1000 })),
    null,
  );
  assert.equal(
    codeOf(() => checkPhotoHeader({ format: 'webp', width: PHOTO_MAX_SIDE + 1, height: 1000 })),
    'IMAGE_TOO_LARGE',
  );
  assert.equal(
    codeOf(() => checkPhotoHeader({ format: 'png', width: 100 * PHOTO_MAX_ASPECT, height: 100 })),
    null,
  );
  assert.equal(
    codeOf(() => checkPhotoHeader({ format: 'png', width: 100, height: 100 * PHOTO_MAX_ASPECT + 1 })),
    'IMAGE_TOO_LARGE',
  );
  assert.equal(
    codeOf(() => checkPhotoHeader({ format: 'png', width: 40_000_000, height: 1 })),
    'IMAGE_TOO_LARGE',
  );
  assert.equal(
    codeOf(() => checkPhotoHeader({ format: 'png', width: 1, height: 40_000_000 })),
    'IMAGE_TOO_LARGE',
  );
});

test('DecodeGate: at most `limit` run at once, `queue` wait in order, the next is refused UNAVAILABLE at once', async () => {
  const gate = new DecodeGate(1, 2);
  let running = 0;
  let most = 0;
  const order: number[] = [];
  const release: (() => void)[] = [];
  const job = (i: number) =>
    gate.run(async () => {
      running++;
      most = Math.max(most, running);
      await new Promise<void>((r) => release.push(r));
      order.push(i);
      running--;
      return i;
    });
  const jobs = [job(1), job(2), job(3)];
  await assert.rejects(job(4), (e: ApiError) => e.code === 'UNAVAILABLE');
  for (let k = 0; k < 3; k++) {
    while (release.length === 0) await new Promise((r) => setImmediate(r));
    release.shift()!();
  }
  assert.deepEqual(await Promise.all(jobs), [1, 2, 3]);
  assert.deepEqual(order, [1, 2, 3]);
  assert.equal(most, 1);
  // A failing holder frees its slot too.
  await assert.rejects(gate.run(async () => Promise.reject(new Error('corrupt'))));
  assert.equal(await gate.run(async () => 5), 5);
});

test('withoutPngExtras: a zTXt bomb loses its text and keeps its pixels; a plain PNG, a JPEG and garbage are returned as they are', async () => {
  const bomb = pngTextBomb(10 * 2 ** 20);
  const clean = withoutPngExtras(bomb);
  assert.ok(clean.length < 200, `${clean.length} bytes`);
  assert.ok(!clean.includes(Buffer.from('zTXt')));
  const meta = await sharp(clean).metadata();
  assert.deepEqual([meta.format, meta.width, meta.height], ['png', 64, 64]);
  const plain = pngBomb(64, 64);
  assert.equal(withoutPngExtras(plain), plain);
  const jpeg = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#000' } })
    .jpeg()
    .toBuffer();
  assert.equal(withoutPngExtras(jpeg), jpeg);
  const cut = bomb.subarray(0, 40);
  assert.equal(withoutPngExtras(cut), cut);
});

test('DecodeGate: the refusal says how many photos are decoded and how many wait (re-attack 6: "5 photos are being decoded" for 1 and 4)', async () => {
  const messageOf = async (limit: number, queue: number) => {
    const gate = new DecodeGate(limit, queue);
    const release: (() => void)[] = [];
    const held = Array.from({ length: limit + queue }, () => gate.run(() => new Promise<void>((r) => release.push(r))));
    let message = '';
    await gate.run(async () => undefined).catch((e: ApiError) => (message = `${e.code}: ${e.message}`));
    while (release.length > 0 || held.length > 0) {
      while (release.length === 0) await new Promise((r) => setImmediate(r));
      release.shift()!();
      await held.shift();
    }
    return message;
  };
  assert.equal(await messageOf(1, 4), 'UNAVAILABLE: 1 photo is being decoded and 4 are waiting: try again in a moment');
  assert.equal(await messageOf(2, 1), 'UNAVAILABLE: 2 photos are being decoded and 1 is waiting: try again in a moment');
});

test('withDecodedPhoto: a JPEG whose header declares more pixels than its data holds is NOT_AN_IMAGE, as the PNG equivalent (re-attack 7: it was searched, 422 NO_FACE)', async () => {
  const small = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#888' } })
    .jpeg()
    .toBuffer();
  const decodedSide = (bytes: Buffer) => withDecodedPhoto(bytes, async (p) => Math.max(p.width, p.height)).catch((e: ApiError) => e.code);
  assert.equal(await decodedSide(jpegDeclaring(small, 2000, 2000)), 'NOT_AN_IMAGE', 'a JPEG declaring 2000 x 2000 with 64 x 64 of data');
  assert.equal(await decodedSide(pngBomb(2000, 2000, { truncate: true })), 'NOT_AN_IMAGE', 'a PNG declaring 2000 x 2000 with 4 rows of data');
  // Whole images of both kinds decode, a JPEG with a harmless warning too (stray bytes before its start of scan).
  assert.equal(await decodedSide(small), 64);
  const sos = small.indexOf(Buffer.from([0xff, 0xda]));
  const stray = Buffer.concat([small.subarray(0, sos), Buffer.from([0x12, 0x34]), small.subarray(sos)]);
  await assert.rejects(sharp(stray, { failOn: 'warning' }).raw().toBuffer(), /extraneous bytes/, 'the stray bytes are a warning');
  assert.equal(await decodedSide(stray), 64);
  assert.equal(await decodedSide(pngBomb(64, 64)), 64);
});
