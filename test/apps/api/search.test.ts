// POST /search/faces on real photos (face-api's demo photos: they arrive with npm ci), against a real API,
// database and face models: what it finds, in which tenant, after which deletion, and every refusal.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { DEFAULT_EXTRACT } from '../../../libs/config/index.js';
import { QUALITY_GATE, RECOGNITION } from '../../../libs/recognition/index.js';
import type { FaceRecord } from '../../../libs/pipeline/types.js';
import { SEARCH_MAX_BYTES } from '../../../apps/api/routes/search.js';
import { startApi, call, type RunningApi } from '../../e2e/support/api.js';
import { createTestKey, type TestKey } from '../../e2e/support/auth.js';
import { REPO_ROOT } from '../../e2e/support/services.js';
import { readRgb } from '../../helpers/images.js';

const DEMO = join(REPO_ROOT, 'node_modules/@vladmandic/face-api/demo');
/** sample1 has three people; sample6 four others (none of sample1's, by the labels of test/fixtures/quality). */
const PEOPLE = join(DEMO, 'sample1.jpg');
const OTHERS = join(DEMO, 'sample6.jpg');

let api: RunningApi;
let A: TestKey;
let B: TestKey;
/** A's and B's videos holding sample1's faces. */
let videoA: string;
let videoB: string;
let facesA: string[];

/** A ready video of `tenantId` whose faces are `photo`'s faces as the API's own detector describes them, `copies` times. */
async function seedVideo(tenantId: string, photo: string, copies = 2): Promise<{ video: string; faces: string[] }> {
  const { store } = api.deps;
  const img = await readRgb(photo);
  const found = await (await api.deps.faceDetector()).analyze({ ...img, minScore: DEFAULT_EXTRACT.min_face_score, maxFaces: 100, clothEncoder: 'histogram' });
  assert.ok(found.faces.length >= 3, `${photo}: ${found.faces.length} faces`);
  const thumb = await sharp({ create: { width: 24, height: 24, channels: 3, background: { r: 120, g: 80, b: 60 } } })
    .jpeg()
    .toBuffer();
  const faces: FaceRecord[] = [];
  for (let c = 0; c < copies; c++) {
    found.faces.forEach((f, k) =>
      faces.push({ frame: c * 25, k, t: c, box: f.box, score: f.score, face: f.face, cloth: f.cloth, thumbnail: thumb, body: thumb }),
    );
  }
  const v = await store.videos.create({
    tenantId,
    options: { ...DEFAULT_EXTRACT },
    sourceKey: `videos/${tenantId}/source`,
    sizeBytes: 1,
    filename: 'people.mp4',
    probe: { path: 'people.mp4', duration_s: copies, fps: 25, width: img.width, height: img.height, rotation: 0, codec: 'h264', frame_count: 25 * copies },
  });
  await store.segments.ensure(v.id, [{ idx: 0, startS: 0, endS: copies }]);
  await store.writeFaceBatch(v.id, 0, faces, { frames: copies, faces: faces.length, t: copies, fraction: 1 });
  await store.videos.markReady(v.id, { faceCount: faces.length, frameCount: copies, timings: {} });
  const ids = (await store.faces.loadDescriptors(v.id)).map((f) => f.publicId);
  return { video: v.id, faces: ids };
}

function search(who: TestKey, bytes: Buffer | Uint8Array, name = 'photo.jpg', field = 'file', query = '') {
  const form = new FormData();
  form.append(field, new Blob([bytes]), name);
  return call(api.baseUrl, 'POST', `/search/faces${query}`, { body: form, headers: who.headers });
}

before(async () => {
  api = await startApi('keycast_test_api_search');
  A = await createTestKey(api.databaseUrl, 'search-a');
  B = await createTestKey(api.databaseUrl, 'search-b');
  const a = await seedVideo(A.tenantId, PEOPLE);
  videoA = a.video;
  facesA = a.faces;
  videoB = (await seedVideo(B.tenantId, PEOPLE)).video;
});
after(async () => {
  await api?.close();
});

type Face = { box: number[]; matches: unknown[]; appearances: { video_id: string; face_id: string; t: number; score: number }[] };

test("POST /search/faces: every face of the photo, largest first, each found in the caller's video at both times", async () => {
  const r = await search(A, readFileSync(PEOPLE));
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const faces: Face[] = r.body.faces;
  assert.equal(faces.length, 3);
  assert.equal(r.body.threshold, RECOGNITION.threshold);
  const areas = faces.map((f) => f.box[2] * f.box[3]);
  assert.deepEqual(
    areas,
    [...areas].sort((x, y) => y - x),
    'largest first',
  );
  const meta = await sharp(PEOPLE).metadata();
  for (const f of faces) {
    assert.ok(
      f.box[0] >= 0 && f.box[1] >= 0 && f.box[0] + f.box[2] <= meta.width + 1 && f.box[1] + f.box[3] <= meta.height + 1,
      `box ${f.box} inside the photo`,
    );
    assert.deepEqual(f.matches, [], 'no people enrolled: nobody is named');
    // The same face at t 0 and t 1 of A's video, nearly identical (same detector, same pixels), best first.
    assert.equal(f.appearances.length, 2, JSON.stringify(f.appearances));
    assert.deepEqual(
      f.appearances.map((a) => a.video_id),
      [videoA, videoA],
    );
    assert.deepEqual(f.appearances.map((a) => a.t).sort(), [0, 1]);
    for (const a of f.appearances) {
      assert.ok(a.score > 0.99, `score ${a.score}`);
      assert.ok(facesA.includes(a.face_id));
    }
  }
  // Three different people: no face of the photo finds another's appearances.
  const found = faces.map((f) => new Set(f.appearances.map((a) => a.face_id)));
  for (let i = 0; i < 3; i++) for (let j = i + 1; j < 3; j++) assert.equal([...found[i]].filter((x) => found[j].has(x)).length, 0);
  assert.equal(new Set(faces.flatMap((f) => f.appearances.map((a) => a.face_id))).size, facesA.length, 'every stored face found once');
});

test("POST /search/faces: another tenant finds only its own copy; a stranger's photo finds nobody (open set)", async () => {
  const r = await search(B, readFileSync(PEOPLE));
  assert.equal(r.status, 200);
  const videos = new Set((r.body.faces as Face[]).flatMap((f) => f.appearances.map((a) => a.video_id)));
  assert.deepEqual([...videos], [videoB], "B never sees A's faces");
  const others = await search(A, readFileSync(OTHERS));
  assert.equal(others.status, 200);
  assert.ok(others.body.faces.length >= 3);
  assert.deepEqual(
    (others.body.faces as Face[]).flatMap((f) => f.appearances),
    [],
    'people never stored are found nowhere',
  );
  // limit caps the appearances per face.
  const one = await search(A, readFileSync(PEOPLE), 'p.jpg', 'file', '?limit=1');
  assert.equal(one.status, 200);
  for (const f of one.body.faces as Face[]) assert.equal(f.appearances.length, 1);
});

test("POST /search/faces names the caller's people who pass the threshold, best first; never another tenant's; not after deletion", async () => {
  // A person of A made of one stored face: the photo's face it came from is named, the two others are strangers.
  const json = (who: TestKey, method: string, path: string, body?: unknown) =>
    call(
      api.baseUrl,
      method,
      path,
      body === undefined ? { headers: who.headers } : { body: JSON.stringify(body), headers: { ...who.headers, 'content-type': 'application/json' } },
    );
  const created = await json(A, 'POST', '/people', { name: 'Photo person', faces: [facesA[0]] });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const person = created.body.id as string;
  type Named = { appearances: { face_id: string }[]; matches: { person: { id: string; name: string | null }; score: number }[] };
  const r = await search(A, readFileSync(PEOPLE));
  assert.equal(r.status, 200);
  const faces: Named[] = r.body.faces;
  const theirs = faces.filter((f) => f.appearances.some((a) => a.face_id === facesA[0]));
  assert.equal(theirs.length, 1);
  assert.deepEqual(
    theirs[0].matches.map((m) => m.person),
    [{ id: person, name: 'Photo person' }],
  );
  assert.ok(theirs[0].matches[0].score > 0.99 && theirs[0].matches[0].score <= 1, `score ${theirs[0].matches[0].score}`);
  for (const f of faces) if (f !== theirs[0]) assert.deepEqual(f.matches, [], 'the other people of the photo are not enrolled');
  // A second person close to the first (the same face at t 1) ranks too, best first, all above the threshold.
  const twin = await json(A, 'POST', '/people', { name: 'Twin', faces: [theirs[0].appearances.find((a) => a.face_id !== facesA[0])!.face_id] });
  assert.equal(twin.status, 201, JSON.stringify(twin.body));
  const both = ((await search(A, readFileSync(PEOPLE))).body.faces as Named[]).find((f) => f.matches.length > 0)!;
  assert.deepEqual(new Set(both.matches.map((m) => m.person.id)), new Set([person, twin.body.id]));
  assert.deepEqual(
    both.matches.map((m) => m.score),
    [...both.matches.map((m) => m.score)].sort((x, y) => y - x),
  );
  for (const m of both.matches) assert.ok(m.score >= RECOGNITION.threshold);
  // Another tenant with the same faces finds no people: A's are not B's.
  for (const f of (await search(B, readFileSync(PEOPLE))).body.faces as Named[]) assert.deepEqual(f.matches, []);
  // Deleted people are named no more.
  for (const id of [person, twin.body.id]) assert.equal((await json(A, 'DELETE', `/people/${id}`)).status, 204);
  for (const f of (await search(A, readFileSync(PEOPLE))).body.faces as Named[]) assert.deepEqual(f.matches, []);
});

test("POST /search/faces: a face shrunk under the quality gate's size is named by nobody, not even its enrolled person; its quality says so", async () => {
  const created = await call(api.baseUrl, 'POST', '/people', {
    body: JSON.stringify({ name: 'Small face', faces: [facesA[0]] }),
    headers: { ...A.headers, 'content-type': 'application/json' },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  type Gated = Face & { quality: { face_px: number; gate: string; threshold: number | null } };
  try {
    const full = (await search(A, readFileSync(PEOPLE))).body.faces as Gated[];
    const theirs = full.find((f) => f.appearances.some((a) => a.face_id === facesA[0]))!;
    assert.equal(theirs.quality.gate, 'ok');
    assert.equal(theirs.quality.threshold, RECOGNITION.threshold);
    assert.equal(theirs.matches.length, 1, 'at full size the enrolled face is named');
    // The same photo shrunk until that face is a little under the refusal size (boxes are in the upload's pixels).
    const { width } = await sharp(PEOPLE).metadata();
    const factor = (QUALITY_GATE.refuseBelowPx - 6) / theirs.box[3];
    const small = await sharp(PEOPLE)
      .resize(Math.round(width * factor))
      .jpeg({ quality: 95 })
      .toBuffer();
    const r = await search(A, small);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const faces = r.body.faces as Gated[];
    assert.ok(faces.length >= 1, 'the shrunk faces are still found');
    for (const f of faces) {
      assert.ok(f.quality.face_px < QUALITY_GATE.refuseBelowPx, `face_px ${f.quality.face_px}`);
      assert.equal(f.quality.gate, 'refused');
      assert.equal(f.quality.threshold, null);
      assert.deepEqual(f.matches, []);
      assert.deepEqual(f.appearances, []);
    }
  } finally {
    assert.equal((await call(api.baseUrl, 'DELETE', `/people/${created.body.id}`, { headers: A.headers })).status, 204);
  }
});

test("POST /search/faces reads PNG and WebP as JPEG, and reports boxes in the photo's upright pixels", async () => {
  const jpeg = (await search(A, readFileSync(PEOPLE))).body.faces as Face[];
  for (const [name, bytes] of [
    ['p.png', await sharp(PEOPLE).png().toBuffer()],
    ['p.webp', await sharp(PEOPLE).webp({ quality: 95 }).toBuffer()],
  ] as const) {
    const r = await search(A, bytes, name);
    assert.equal(r.status, 200, `${name}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.faces.length, jpeg.length, name);
    (r.body.faces as Face[]).forEach((f) => {
      // Faces of nearly equal size may swap places between encodings: each is compared with the JPEG's nearest.
      const twin = jpeg.reduce((a, b) =>
        Math.abs(b.box[0] - f.box[0]) + Math.abs(b.box[1] - f.box[1]) < Math.abs(a.box[0] - f.box[0]) + Math.abs(a.box[1] - f.box[1]) ? b : a,
      );
      assert.ok(
        f.box.every((v, j) => Math.abs(v - twin.box[j]) < 8),
        `${name} box ${f.box} vs ${twin.box}`,
      );
      assert.equal(f.appearances[0]?.video_id, videoA, name);
    });
  }
  // A photo taken sideways (EXIF orientation 6: shown rotated 90° clockwise): boxes in the upright image.
  const meta = await sharp(PEOPLE).metadata();
  const sideways = await sharp(PEOPLE).rotate(-90).withMetadata({ orientation: 6 }).jpeg({ quality: 95 }).toBuffer();
  const r = await search(A, sideways, 'sideways.jpg');
  assert.equal(r.status, 200);
  assert.equal(r.body.faces.length, jpeg.length);
  for (const f of r.body.faces as Face[]) assert.ok(f.box[0] + f.box[2] <= meta.width + 1 && f.box[1] + f.box[3] <= meta.height + 1, `upright box ${f.box}`);
});

test("erasure: a deleted video's faces are never returned by search, from the next request on", async () => {
  const before = await search(A, readFileSync(PEOPLE));
  assert.equal(api.deps.library.holds(videoA), true);
  assert.ok((before.body.faces as Face[]).some((f) => f.appearances.length > 0));
  const del = await call(api.baseUrl, 'DELETE', `/videos/${videoA}`, { headers: A.headers });
  assert.equal(del.status, 204);
  assert.equal(api.deps.library.holds(videoA), false, 'its descriptors left memory with the deletion, before any search');
  const after = await search(A, readFileSync(PEOPLE));
  assert.equal(after.status, 200);
  assert.deepEqual(
    (after.body.faces as Face[]).flatMap((f) => f.appearances),
    [],
    'nothing of the deleted video',
  );
  // The other tenant's copy is untouched.
  const b = await search(B, readFileSync(PEOPLE));
  assert.ok((b.body.faces as Face[]).every((f) => f.appearances.length === 2 && f.appearances.every((a) => a.video_id === videoB)));
  // A new video of A is found again (the library follows additions too).
  const again = await seedVideo(A.tenantId, PEOPLE, 1);
  const r = await search(A, readFileSync(PEOPLE));
  assert.deepEqual([...new Set((r.body.faces as Face[]).flatMap((f) => f.appearances.map((a) => a.video_id)))], [again.video]);
});

test('POST /search/faces refuses what is not a usable photo, with a documented code', async () => {
  const cases: [string, Buffer | Uint8Array, string, number, string][] = [
    ['text', Buffer.from('this is not an image at all'), 'a.jpg', 415, 'NOT_AN_IMAGE'],
    ['empty', Buffer.alloc(0), 'a.jpg', 415, 'NOT_AN_IMAGE'],
    [
      'GIF',
      await sharp({ create: { width: 32, height: 32, channels: 3, background: '#808080' } })
        .gif()
        .toBuffer(),
      'a.gif',
      415,
      'NOT_AN_IMAGE',
    ],
    ['truncated JPEG', readFileSync(PEOPLE).subarray(0, 2000), 'a.jpg', 415, 'NOT_AN_IMAGE'],
    [
      'no face',
      await sharp({ create: { width: 640, height: 480, channels: 3, background: '#3070a0' } })
        .png()
        .toBuffer(),
      'a.png',
      422,
      'NO_FACE',
    ],
    [
      'too many pixels',
      await sharp({ create: { width: 8000, height: 6000, channels: 3, background: '#000000' } })
        .png({ compressionLevel: 9 })
        .toBuffer(),
      'a.png',
      413,
      'IMAGE_TOO_LARGE',
    ],
  ];
  for (const [what, bytes, name, status, code] of cases) {
    const r = await search(A, bytes, name);
    assert.equal(r.status, status, `${what}: ${JSON.stringify(r.body)}`);
    assert.deepEqual(Object.keys(r.body), ['error'], what);
    assert.equal(r.body.error.code, code, what);
  }
  const wrongField = await search(A, readFileSync(PEOPLE), 'a.jpg', 'photo');
  assert.equal(wrongField.status, 400);
  const noFile = await call(api.baseUrl, 'POST', '/search/faces', {
    body: (() => {
      const f = new FormData();
      f.append('x', '1');
      return f;
    })(),
    headers: A.headers,
  });
  assert.equal(noFile.status, 400);
  assert.equal(noFile.body.error.code, 'MISSING_FILE');
  const json = await call(api.baseUrl, 'POST', '/search/faces', { body: '{}', headers: { ...A.headers, 'content-type': 'application/json' } });
  assert.equal(json.status, 415);
  const anonymous = await call(api.baseUrl, 'POST', '/search/faces', { body: new FormData() });
  assert.equal(anonymous.status, 401);
  // Last: the server may close this connection after refusing the rest of a large body.
  const big = await search(A, Buffer.concat([readFileSync(PEOPLE), Buffer.alloc(SEARCH_MAX_BYTES)]), 'a.jpg');
  assert.equal(big.status, 413);
  assert.equal(big.body.error.code, 'IMAGE_TOO_LARGE');
  assert.match(big.body.error.message, new RegExp(String(SEARCH_MAX_BYTES)));
});
