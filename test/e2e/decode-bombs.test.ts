// Bounded memory under abuse: decompression bombs sent at once to every route that decodes a client's image
// (POST /search/faces), against the API as its own process, so that the RSS measured is the API's alone. Before
// (issue 20): 8 PNGs of 40,000,000 x 1 px (5 KB each) took the API's RSS up by 1.2 GB, and 1 x 40,000,000 ones
// held the CPU for seconds each, past the idle timeout.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { PHOTO_MAX_PIXELS, PHOTO_MAX_SIDE } from '../../apps/api/photo.js';
import { startApiProcess, type ApiProcess } from './support/api-process.js';
import { createTestKey, type TestKey } from './support/auth.js';
import { dropDatabase, freshDatabase, REPO_ROOT, tempDir, uniquePrefix } from './support/services.js';
import { jpegDeclaring, pngBomb, pngTextBomb } from '../helpers/image-bombs.js';

const DB = 'keycast_test_e2e_decode_bombs';
const MB = 2 ** 20;
/** The API's RSS may grow by at most this much while it is flooded (issue 20). */
const MAX_GROWTH = 200 * MB;
const COPIES = 8;

let api: ApiProcess;
let key: TestKey;
const storage = tempDir('bombs');

before(async () => {
  const databaseUrl = await freshDatabase(DB);
  api = await startApiProcess({
    DATABASE_URL: databaseUrl,
    STORAGE_DIR: storage.dir,
    QUEUE_PREFIX: uniquePrefix('bombs'),
    LOG_LEVEL: 'warn',
    RATE_LIMIT_MAX: '0',
  });
  key = await createTestKey(databaseUrl, 'bombs');
});

after(async () => {
  await api?.stop();
  await dropDatabase(DB);
  storage.cleanup();
});

async function search(bytes: Buffer, name: string): Promise<{ status: number; code: string | undefined }> {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(bytes)]), name);
  const res = await fetch(`${api.baseUrl}/search/faces`, { method: 'POST', body: form, headers: key.headers });
  const body = (await res.json()) as { error?: { code: string } };
  return { status: res.status, code: body.error?.code };
}

test(`${COPIES} copies of each decode bomb at once on POST /search/faces: refused from the header or decoded one at a time; RSS grows < 200 MB`, async () => {
  const photo = readFileSync(join(REPO_ROOT, 'node_modules/@vladmandic/face-api/demo/sample1.jpg'));
  // Warm-up, the way a real photo would: the inference thread and its buffers at the largest decoded size.
  const big = await sharp(photo).resize({ width: 4000 }).jpeg().toBuffer();
  assert.equal((await search(big, 'big.jpg')).status, 200);
  const side = Math.floor(Math.sqrt(PHOTO_MAX_PIXELS * 0.9));
  const bombs: { name: string; bytes: Buffer; file: string; want: number[] }[] = [
    { name: '40,000,000 x 1 PNG', bytes: pngBomb(40_000_000, 1), file: 'a.png', want: [413] },
    { name: '1 x 40,000,000 PNG', bytes: pngBomb(1, 40_000_000), file: 'a.png', want: [413] },
    { name: `${PHOTO_MAX_SIDE} x 2 PNG (aspect)`, bytes: pngBomb(PHOTO_MAX_SIDE, 2), file: 'a.png', want: [413] },
    { name: '100,000 x 100,000 PNG, header only', bytes: pngBomb(100_000, 100_000, { truncate: true }), file: 'a.png', want: [413] },
    {
      name: 'JPEG declaring 60,000 x 60,000',
      bytes: jpegDeclaring(
        await sharp({ create: { width: 64, height: 64, channels: 3, background: '#808080' } })
          .jpeg()
          .toBuffer(),
        60_000,
        60_000,
      ),
      file: 'a.jpg',
      want: [413],
    },
    // Within every limit: decoded, one at a time, the rest queued or told to come back.
    { name: '64 x 64 PNG with a zTXt chunk inflating to 50 MB', bytes: pngTextBomb(50 * MB), file: 'a.png', want: [422, 503] },
    { name: `${side} x ${side} PNG, 1 bit`, bytes: pngBomb(side, side), file: 'a.png', want: [422, 503] },
    {
      name: `${side} x ${side} JPEG`,
      bytes: await sharp({ create: { width: side, height: side, channels: 3, background: '#606060' } })
        .jpeg()
        .toBuffer(),
      file: 'a.jpg',
      want: [422, 503],
    },
  ];
  // The rest of the warm-up: the working set of the largest photos the API accepts, once each, before the baseline;
  // what the flood adds beyond it is what an attacker costs.
  for (const b of bombs.filter((x) => x.want.includes(422))) assert.equal((await search(b.bytes, b.file)).status, 422, b.name);
  const base = api.rss();
  let peak = base;
  const poll = setInterval(() => (peak = Math.max(peak, api.rss())), 25);
  let answers: { name: string; status: number; code: string | undefined }[];
  try {
    answers = await Promise.all(bombs.flatMap((b) => Array.from({ length: COPIES }, async () => ({ name: b.name, ...(await search(b.bytes, b.file)) }))));
    await new Promise((r) => setTimeout(r, 1000));
  } finally {
    clearInterval(poll);
  }
  const after = api.rss();
  for (const b of bombs) {
    const mine = answers.filter((a) => a.name === b.name);
    for (const a of mine) assert.ok(b.want.includes(a.status), `${b.name}: ${a.status} ${a.code}`);
    for (const a of mine) assert.equal(a.code, { 413: 'IMAGE_TOO_LARGE', 422: 'NO_FACE', 503: 'UNAVAILABLE' }[a.status], b.name);
  }
  assert.ok(answers.filter((a) => a.status === 422).length >= 2, 'the photos within the limits were decoded (and had no face)');
  const growth = peak - base;
  console.log(
    `API RSS ${Math.round(base / MB)} MB → peak +${Math.round(growth / MB)} MB, +${Math.round((after - base) / MB)} MB after; answers ${JSON.stringify(answers.reduce<Record<number, number>>((n, a) => ({ ...n, [a.status]: (n[a.status] ?? 0) + 1 }), {}))}`,
  );
  assert.ok(growth < MAX_GROWTH, `the API's RSS grew by ${Math.round(growth / MB)} MB`);
  // And the API still answers a real search.
  assert.equal((await search(photo, 'p.jpg')).status, 200);
});
