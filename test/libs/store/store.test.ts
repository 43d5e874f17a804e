import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { DEFAULT_CLUSTER, DEFAULT_EXTRACT, treeShape, type ClusterOptions } from '../../../libs/config/index.js';
import { createStore, migrate, bytesToFloat32, float32ToBytes, type Store } from '../../../libs/store/index.js';
import type { FaceRecord } from '../../../libs/pipeline/types.js';
import { freshDatabase, dropDatabase, sql, tempDir } from '../../e2e/support/services.js';

const DB = 'keycast_test_store';
let url: string;
let store: Store;
const storage = tempDir('store');

before(async () => {
  url = await freshDatabase(DB);
  await migrate(url);
  store = createStore({ databaseUrl: url, storageDir: storage.dir });
});
after(async () => {
  await store.close();
  await dropDatabase(DB);
  storage.cleanup();
});

function vec(seed: number): Float32Array {
  const v = new Float32Array(128);
  for (let i = 0; i < 128; i++) v[i] = Math.sin(seed * 1000 + i) * 0.1 + 1e-7 * i;
  return v;
}

function face(frame: number, k: number, t: number): FaceRecord {
  return {
    frame,
    k,
    t,
    box: [10 + k, 20.5, 30, 40],
    score: 0.9,
    face: vec(frame * 10 + k),
    cloth: vec(-frame * 10 - k),
    thumbnail: Buffer.from(`thumb ${frame} ${k}`),
    body: Buffer.from(`body ${frame} ${k}`),
  };
}

async function newVideo() {
  return store.videos.create({ options: { ...DEFAULT_EXTRACT }, sourceKey: 'x', sizeBytes: 1 });
}

test('float32 vectors round-trip bit for bit through bytes', () => {
  const v = new Float32Array([1.5, -0, Number.MIN_VALUE, 3.4e38, Math.PI]);
  const b = float32ToBytes(v);
  assert.equal(b.byteLength, 20);
  assert.deepEqual(bytesToFloat32(b), v);
});

test('writing the same batch twice stores each (frame, k) once, and the vectors come back exactly', async () => {
  const v = await newVideo();
  await store.segments.ensure(v.id, [{ idx: 0, startS: 0, endS: 10 }]);
  const batch = [face(0, 0, 0), face(0, 1, 0), face(30, 0, 1)];
  const progress = { frames: 2, faces: 3, t: 1, fraction: 0.5 };
  assert.equal(await store.writeFaceBatch(v.id, 0, batch, progress), 3);
  assert.equal(await store.writeFaceBatch(v.id, 0, batch, progress), 0);
  // A retried batch that overlaps: one old face and one new.
  assert.equal(await store.writeFaceBatch(v.id, 0, [face(30, 0, 1), face(60, 0, 2)], { ...progress, fraction: 0.75 }), 1);
  assert.equal(await store.faces.count(v.id), 4);
  const rows = await sql<{ n: string }>(url, 'SELECT count(*) AS n FROM faces WHERE video_id = $1', [v.id]);
  assert.equal(Number(rows[0].n), 4);

  const fps = await store.faces.loadFingerprints(v.id);
  assert.deepEqual(
    fps.map((f) => [f.frame, f.k]),
    [
      [0, 0],
      [0, 1],
      [30, 0],
      [60, 0],
    ],
  );
  assert.deepEqual(fps[1].face, batch[1].face);
  assert.deepEqual(fps[1].cloth, batch[1].cloth);
  assert.deepEqual(fps[1].box, [11, 20.5, 30, 40]);
  assert.equal((await store.files.read(fps[1].thumbKey)).toString(), 'thumb 0 1');
  assert.equal((await store.files.read(fps[1].bodyKey)).toString(), 'body 0 1');
  // no quality features given: stored as NULL, read back as null (neutral quality for the clustering)
  assert.equal(fps[1].sharpness, null);
  assert.equal(fps[1].yaw, null);
  // no shot given (faces extracted before shots were recorded): NULL, an unknown shot
  assert.equal(fps[1].shot, null);

  const segs = await store.segments.list(v.id);
  assert.equal(segs[0].progress, 0.75);
  const after = await store.videos.get(v.id);
  assert.equal(after!.progress, 0, 'progress only moves while processing');
});

test('face quality features are stored and read back with the fingerprints (face_quality migration)', async () => {
  const v = await newVideo();
  await store.segments.ensure(v.id, [{ idx: 0, startS: 0, endS: 10 }]);
  await store.writeFaceBatch(
    v.id,
    0,
    [
      { ...face(0, 0, 0), sharpness: 512.25, yaw: -0.125 },
      { ...face(30, 0, 1), sharpness: Number.NaN, yaw: 0.5 },
    ],
    { frames: 2, faces: 2, t: 1, fraction: 1 },
  );
  const fps = await store.faces.loadFingerprints(v.id);
  assert.deepEqual(
    fps.map((f) => [f.sharpness, f.yaw]),
    [
      [512.25, -0.125],
      [null, 0.5],
    ],
    'a NaN feature is stored as NULL',
  );
});

test('shots are stored and read back with the fingerprints (face_shot migration): re-clustering needs no decoding', async () => {
  const v = await newVideo();
  await store.segments.ensure(v.id, [{ idx: 0, startS: 0, endS: 10 }]);
  await store.writeFaceBatch(v.id, 0, [{ ...face(0, 0, 0), shot: 0 }, { ...face(30, 0, 1), shot: 25 }, face(60, 0, 2)], {
    frames: 3,
    faces: 3,
    t: 1,
    fraction: 1,
  });
  const fps = await store.faces.loadFingerprints(v.id);
  assert.deepEqual(
    fps.map((f) => f.shot),
    [0, 25, null],
  );
});

test('descriptor versions are stored with each face and read back by every reader; faces written without one are version 1 (face_descriptor_version migration)', async () => {
  const v = await newVideo();
  await store.segments.ensure(v.id, [{ idx: 0, startS: 0, endS: 10 }]);
  await store.writeFaceBatch(
    v.id,
    0,
    [{ ...face(0, 0, 0), descriptorVersion: 2, chip: 'dlib' }, { ...face(30, 0, 1), descriptorVersion: 2, chip: 'face-api' }, face(60, 0, 2)],
    {
      frames: 3,
      faces: 3,
      t: 1,
      fraction: 1,
    },
  );
  assert.deepEqual(
    (await store.faces.loadFingerprints(v.id)).map((f) => f.descriptorVersion),
    [2, 2, 1],
  );
  assert.deepEqual(
    (await store.faces.loadDescriptors(v.id)).map((f) => f.version),
    [2, 2, 1],
  );
  const rows = await store.db.face.findMany({ where: { videoId: v.id }, orderBy: { t: 'asc' }, select: { chip: true } });
  assert.deepEqual(
    rows.map((r) => r.chip),
    ['dlib', 'face-api', null],
  );
});

test('fingerprints are ordered by (t, frame, k) whatever the insertion order (segments finish out of order)', async () => {
  const v = await newVideo();
  await store.faces.insertBatch(v.id, [face(90, 1, 3), face(90, 0, 3)].map(toNew(v.id)));
  await store.faces.insertBatch(v.id, [face(0, 0, 0), face(30, 2, 1)].map(toNew(v.id)));
  const fps = await store.faces.loadFingerprints(v.id);
  assert.deepEqual(
    fps.map((f) => [f.frame, f.k]),
    [
      [0, 0],
      [30, 2],
      [90, 0],
      [90, 1],
    ],
  );
  const p1 = await store.faces.list(v.id, { limit: 3 });
  assert.deepEqual(
    p1.items.map((f) => f.frame),
    [0, 30, 90],
  );
  assert.ok(p1.nextCursor);
  const p2 = await store.faces.list(v.id, { limit: 3, cursor: p1.nextCursor });
  assert.deepEqual(
    p2.items.map((f) => [f.frame, f.k]),
    [[90, 1]],
  );
  assert.equal(p2.nextCursor, null);
});

function toNew(videoId: string) {
  return (f: FaceRecord) => ({ ...f, thumbKey: store.files.thumbKey(videoId, f.frame, f.k), bodyKey: store.files.bodyKey(videoId, f.frame, f.k) });
}

test('video list is newest first with a keyset cursor that visits every video once', async () => {
  const { items: before } = await store.videos.list({ limit: 1000 });
  const ids = new Set<string>();
  for (let i = 0; i < 5; i++) ids.add((await newVideo()).id);
  const seen: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page = await store.videos.list({ limit: 2, cursor });
    seen.push(...page.items.map((v) => v.id));
    cursor = page.nextCursor;
    pages++;
  } while (cursor);
  assert.equal(seen.length, before.length + 5);
  assert.equal(new Set(seen).size, seen.length);
  assert.equal(pages, Math.ceil(seen.length / 2));
  for (const id of ids) assert.ok(seen.slice(0, 5).includes(id), 'the newest five come first');
});

const shape = (o: Partial<ClusterOptions> = {}) => treeShape({ ...DEFAULT_CLUSTER, ...o });

test('linkage cache: one row per (video, people, shape), an unconstrained one included; a second put is ignored', async () => {
  const v = await newVideo();
  const z = new Float64Array([0, 1, 0.5, 2, 2, 3, 0.9, 3]);
  const key = { shape: shape(), people: null };
  assert.equal(await store.linkages.put(v.id, key, { z, maxDist: 1.25, n: 3, computeMs: 2 }), true);
  assert.equal(await store.linkages.put(v.id, key, { z: new Float64Array(8), maxDist: 9, n: 3, computeMs: 2 }), false, 'NULL people: not distinct');
  // The shape is compared whole, whatever the order of its keys.
  const reordered = Object.fromEntries(Object.entries(key.shape).reverse()) as typeof key.shape;
  const got = await store.linkages.get(v.id, { shape: reordered, people: null });
  assert.deepEqual(got!.z, z);
  assert.equal(got!.maxDist, 1.25);
  assert.equal(await store.linkages.get(v.id, { shape: shape({ face_cloth_weights: [1, 0.5] }), people: null }), null);
  assert.equal(await store.linkages.get(v.id, { shape: shape({ tracks: true }), people: null }), null);
  assert.equal(await store.linkages.get(v.id, { shape: shape(), people: 'abc' }), null);
  assert.equal(await store.linkages.count(v.id), 1);
});

test("linkage cache: a video's trees built under people's constraints are dropped by field, the others stay", async () => {
  const v = await newVideo();
  const other = await newVideo();
  const l = { z: new Float64Array(8), maxDist: 1, n: 3, computeMs: 1 };
  await store.linkages.put(v.id, { shape: shape(), people: null }, l);
  await store.linkages.put(v.id, { shape: shape(), people: 'aaaa' }, l);
  await store.linkages.put(v.id, { shape: shape({ method: 'complete' }), people: 'bbbb' }, l);
  await store.linkages.put(other.id, { shape: shape(), people: 'aaaa' }, l);
  assert.equal(await store.linkages.clearConstrained(v.id), 2);
  assert.ok(await store.linkages.get(v.id, { shape: shape(), people: null }));
  assert.equal(await store.linkages.get(v.id, { shape: shape(), people: 'aaaa' }), null);
  assert.ok(await store.linkages.get(other.id, { shape: shape(), people: 'aaaa' }), 'another video keeps its trees');
});

test('deleting a video removes its rows and its files', async () => {
  const v = await newVideo();
  await store.segments.ensure(v.id, [{ idx: 0, startS: 0, endS: 10 }]);
  await store.writeFaceBatch(v.id, 0, [face(0, 0, 0)], { frames: 1, faces: 1, t: 0, fraction: 1 });
  await store.linkages.put(v.id, { shape: shape(), people: null }, { z: new Float64Array(0), maxDist: 0, n: 1, computeMs: 0 });
  const thumb = store.files.path(store.files.thumbKey(v.id, 0, 0));
  assert.ok(existsSync(thumb));
  assert.equal(await store.deleteVideo(v.id), true);
  assert.equal(existsSync(thumb), false);
  assert.equal(existsSync(store.files.path(store.files.videoDir(v.id))), false);
  for (const table of ['faces', 'linkages', 'segments', 'webhook_deliveries', 'videos']) {
    const col = table === 'videos' ? 'id' : 'video_id';
    const rows = await sql<{ n: string }>(url, `SELECT count(*) AS n FROM ${table} WHERE ${col} = $1`, [v.id]);
    assert.equal(Number(rows[0].n), 0, table);
  }
  assert.equal(await store.deleteVideo(v.id), false);
});

test('storage keys cannot escape the storage root', () => {
  assert.throws(() => store.files.path('../etc/passwd'), /escapes/);
});

test('createWithinQuota: eight uploads racing for a limit of 3 active videos create exactly 3; other tenants are not counted', async () => {
  const mine = await store.apiKeys.ensureTenant('quota-race');
  const other = await store.apiKeys.ensureTenant('quota-other');
  await store.videos.create({ tenantId: other.id, options: { ...DEFAULT_EXTRACT }, sourceKey: 'o', sizeBytes: 1 });
  const results = await Promise.all(
    Array.from({ length: 8 }, (_, i) =>
      store.videos.createWithinQuota({ tenantId: mine.id, options: { ...DEFAULT_EXTRACT }, sourceKey: `q${i}`, sizeBytes: 1 }, 3),
    ),
  );
  assert.equal(results.filter((r) => r.video !== null).length, 3);
  assert.deepEqual(results.map((r) => r.active).sort(), [0, 1, 2, 3, 3, 3, 3, 3], 'each create saw the count left by the ones before it');
  const rows = await sql<{ n: string }>(url, "SELECT count(*) AS n FROM videos WHERE tenant_id = $1 AND status IN ('queued', 'processing')", [mine.id]);
  assert.equal(Number(rows[0].n), 3);
  // A finished video frees its slot.
  await sql(url, "UPDATE videos SET status = 'ready' WHERE id = $1", [results.find((r) => r.video !== null)!.video!.id]);
  assert.notEqual((await store.videos.createWithinQuota({ tenantId: mine.id, options: { ...DEFAULT_EXTRACT }, sourceKey: 'q9', sizeBytes: 1 }, 3)).video, null);
  assert.equal((await store.videos.createWithinQuota({ tenantId: mine.id, options: { ...DEFAULT_EXTRACT }, sourceKey: 'q10', sizeBytes: 1 }, 3)).video, null);
});
