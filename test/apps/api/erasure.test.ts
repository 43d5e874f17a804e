// The lifecycle of biometric data (issue 10, finding 8): deleting a video, purging a tenant (admin route and CLI)
// and the retention period each leave no byte of a deleted face anywhere — PostgreSQL, file storage, Redis, memory.
import { createLogger } from '../../../libs/logger/index.js';
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import sharp from 'sharp';
import { DEFAULT_EXTRACT } from '../../../libs/config/index.js';
import type { FaceRecord } from '../../../libs/pipeline/types.js';
import { ErasureService } from '../../../libs/services/index.js';
import { float32ToBytes } from '../../../libs/store/vectors.js';
import { startRetention } from '../../../apps/worker/retention.js';
import { startApi, call, type RunningApi } from '../../e2e/support/api.js';
import { createTestKey } from '../../e2e/support/auth.js';
import { sql } from '../../e2e/support/services.js';
import { keycast } from '../../helpers/cli.js';

const ADMIN = 'admin-token-0123456789abcdef0123456789abcdef';
let api: RunningApi;

before(async () => {
  api = await startApi('keycast_test_api_erasure', { adminToken: ADMIN, maxActiveJobsPerTenant: 0 });
});
after(async () => {
  await api?.close();
});

interface Seeded {
  id: string;
  faces: { publicId: string; vec: Buffer; thumb: Buffer }[];
}

let seq = 0;
/** A ready video of `tenantId` with 4 faces whose vectors and thumbnails are unique to it, a cached linkage, queue jobs and a webhook URL. */
async function seedVideo(tenantId: string): Promise<Seeded> {
  const { store, queues } = api.deps;
  const n = ++seq;
  const faces: FaceRecord[] = [];
  for (let i = 0; i < 4; i++) {
    const face = Float32Array.from({ length: 128 }, (_, j) => Math.sin(n * 1000 + i * 128 + j) + n * 3.25);
    const img = await sharp({ create: { width: 20, height: 20, channels: 3, background: { r: (n * 37 + i * 11) % 256, g: 17, b: 200 } } })
      .jpeg()
      .toBuffer();
    faces.push({ frame: i * 25, k: 0, t: i, box: [1, 1, 10, 10], score: 0.9, face, cloth: face.map((x) => -x), thumbnail: img, body: img });
  }
  const v = await store.videos.create({
    tenantId,
    options: { ...DEFAULT_EXTRACT },
    sourceKey: 'videos/x/source.mp4',
    sizeBytes: 1,
    filename: 'x.mp4',
    callbackUrl: `http://127.0.0.1:9/hook-${n}`,
  });
  await store.files.write(store.files.sourceKey(v.id, 'x.mp4'), Buffer.from('not really a video'));
  await store.segments.ensure(v.id, [{ idx: 0, startS: 0, endS: 4 }]);
  await store.writeFaceBatch(v.id, 0, faces, { frames: 4, faces: 4, t: 3, fraction: 1 });
  await store.videos.markReady(v.id, { faceCount: 4, frameCount: 4, timings: {} });
  await queues.enqueueExtract(v.id);
  await queues.enqueueWebhook(v.id, 'video.ready');
  const rows = await store.faces.loadFingerprints(v.id);
  return { id: v.id, faces: rows.map((f, i) => ({ publicId: f.publicId, vec: Buffer.from(float32ToBytes(f.face)), thumb: faces[i].thumbnail })) };
}

/** Every value under the test's Redis prefix, as one string per key (strings, hashes, lists, sets, sorted sets, streams). */
async function redisDump(): Promise<Map<string, Buffer>> {
  const r = api.deps.queues.connection;
  const out = new Map<string, Buffer>();
  for (const key of await r.keys(`${api.config.queuePrefix}:*`)) {
    const type = await r.type(key);
    let v: Buffer[] = [];
    if (type === 'string') v = [(await r.getBuffer(key))!];
    else if (type === 'hash') v = Object.entries(await r.hgetallBuffer(key)).flatMap(([k, x]) => [Buffer.from(k), x]);
    else if (type === 'list') v = await r.lrangeBuffer(key, 0, -1);
    else if (type === 'set') v = await r.smembersBuffer(key);
    else if (type === 'zset') v = await r.zrangeBuffer(key, 0, -1);
    else if (type === 'stream') v = (await r.xrangeBuffer(key, '-', '+')).flatMap(([, fields]) => fields);
    out.set(key, Buffer.concat([Buffer.from(key), ...v]));
  }
  return out;
}

/** Where any byte sequence of the video's faces (public id, vector, thumbnail) or its callback URL still is. */
async function traces(s: Seeded): Promise<string[]> {
  const found: string[] = [];
  const db = api.databaseUrl;
  for (const table of ['videos', 'segments', 'webhook_deliveries', 'linkages']) {
    const col = table === 'videos' ? 'id' : 'video_id';
    if ((await sql(db, `SELECT 1 FROM ${table} WHERE ${col} = $1`, [s.id])).length) found.push(`db:${table}`);
  }
  for (const f of s.faces) {
    if ((await sql(db, 'SELECT 1 FROM faces WHERE public_id::text = $1 OR face_vec = $2 OR cloth_vec = $2', [f.publicId, f.vec])).length)
      found.push(`db:faces ${f.publicId}`);
  }
  if (existsSync(api.deps.store.files.path(api.deps.store.files.videoDir(s.id)))) found.push('storage');
  const dump = await redisDump();
  for (const [key, bytes] of dump) {
    // Job hashes, payloads and results of the video; the events stream keeps only job ids (no face, no URL).
    if (key.includes(s.id) && !key.endsWith(':events')) found.push(`redis key ${key}`);
    for (const f of s.faces) {
      if (bytes.includes(f.publicId) || bytes.includes(f.vec) || bytes.includes(f.thumb.subarray(200, 264))) found.push(`redis ${key}: face ${f.publicId}`);
    }
    if (bytes.includes('/hook-')) found.push(`redis ${key}: callback URL`);
  }
  if (api.deps.clusters.holds(s.id)) found.push('memory: ClusterService');
  return found;
}

test('DELETE /videos/:id leaves no byte of its faces: rows, vectors, thumbnails, upload, queue jobs and payloads, cached fingerprints', async () => {
  const s = await seedVideo(api.auth.tenantId);
  const kept = await seedVideo(api.auth.tenantId);
  // Cluster it once: its fingerprints are now in this process's memory and a linkage row exists.
  assert.equal((await api.call('GET', `/videos/${s.id}/clusters`)).status, 200);
  assert.ok(api.deps.clusters.holds(s.id));
  const before = await traces(s);
  for (const where of ['db:videos', 'db:linkages', 'storage', 'memory: ClusterService'])
    assert.ok(before.includes(where), `seeded: ${where} (${before.join(', ')})`);
  assert.ok(
    before.some((t) => t.startsWith('redis key')),
    'seeded: jobs in Redis',
  );

  const r = await api.call('DELETE', `/videos/${s.id}`);
  assert.equal(r.status, 204);
  assert.deepEqual(await traces(s), []);
  // The other video is untouched.
  assert.ok((await traces(kept)).includes('db:videos'));
  assert.equal((await api.call('GET', `/faces/${kept.faces[0].publicId}/thumbnail`)).status, 200);
  assert.equal((await api.call('GET', `/faces/${s.faces[0].publicId}/thumbnail`)).status, 404);
});

test('DELETE /admin/tenants/:name purges the tenant (videos, faces, files, jobs, keys) and answers what it removed; only ADMIN_TOKEN opens it', async () => {
  const victim = await createTestKey(api.databaseUrl, 'purged-co');
  const a = await seedVideo(victim.tenantId);
  const b = await seedVideo(victim.tenantId);
  const other = await seedVideo(api.auth.tenantId);
  for (const auth of [undefined, `Bearer ${victim.key}`, `Bearer ${api.auth.key}`, `Bearer ${ADMIN}x`]) {
    const r = await call(api.baseUrl, 'DELETE', '/admin/tenants/purged-co', { headers: auth ? { authorization: auth } : {} });
    assert.equal(r.status, 401, `${auth}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.error.code, 'UNAUTHORIZED');
  }
  const r = await call(api.baseUrl, 'DELETE', '/admin/tenants/purged-co', { headers: { authorization: `Bearer ${ADMIN}` } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual({ ...r.body, bytes: r.body.bytes > 0 }, { tenant: 'purged-co', videos: 2, faces: 8, files: 2 * 9, bytes: true, jobs: 4, api_keys: 1 });
  assert.deepEqual(await traces(a), []);
  assert.deepEqual(await traces(b), []);
  assert.equal((await sql(api.databaseUrl, 'SELECT 1 FROM tenants WHERE name = $1', ['purged-co'])).length, 0);
  assert.equal((await call(api.baseUrl, 'GET', '/videos', { headers: victim.headers })).status, 401, 'its keys are gone');
  assert.ok((await traces(other)).includes('db:videos'), "another tenant's video stays");
  const again = await call(api.baseUrl, 'DELETE', '/admin/tenants/purged-co', { headers: { authorization: `Bearer ${ADMIN}` } });
  assert.equal(again.status, 404);
  // Without ADMIN_TOKEN the admin routes refuse everything.
  const saved = api.config.adminToken;
  (api.deps.config as { adminToken: string }).adminToken = '';
  try {
    const off = await call(api.baseUrl, 'DELETE', '/admin/tenants/test', { headers: { authorization: 'Bearer ' } });
    assert.equal(off.status, 401);
    const off2 = await call(api.baseUrl, 'DELETE', '/admin/tenants/test', { headers: { authorization: `Bearer ${ADMIN}` } });
    assert.equal(off2.status, 401);
    assert.match(off2.body.error.message, /ADMIN_TOKEN/);
  } finally {
    (api.deps.config as { adminToken: string }).adminToken = saved;
  }
});

test('keycast tenant delete NAME purges through the real CLI and prints the report', async () => {
  const victim = await createTestKey(api.databaseUrl, 'cli-purged');
  const s = await seedVideo(victim.tenantId);
  // The API process holds the video; the CLI, another process, purges it: the erasure broadcast reaches the API.
  assert.equal((await call(api.baseUrl, 'GET', `/videos/${s.id}/clusters`, { headers: victim.headers })).status, 200);
  assert.ok(api.deps.clusters.holds(s.id));
  const run = await keycast(['tenant', 'delete', 'cli-purged', '--json'], {
    env: { DATABASE_URL: api.databaseUrl, STORAGE_DIR: api.config.storageDir, REDIS_URL: api.config.redisUrl, QUEUE_PREFIX: api.config.queuePrefix },
  });
  assert.equal(run.status, 0, run.stderr);
  const report = JSON.parse(run.stdout);
  assert.deepEqual([report.tenant, report.videos, report.faces, report.jobs, report.api_keys], ['cli-purged', 1, 4, 2, 1]);
  assert.deepEqual(await traces(s), []);
  const missing = await keycast(['tenant', 'delete', 'cli-purged'], {
    env: { DATABASE_URL: api.databaseUrl, STORAGE_DIR: api.config.storageDir, REDIS_URL: api.config.redisUrl, QUEUE_PREFIX: api.config.queuePrefix },
  });
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /keycast: NOT_FOUND: no tenant cli-purged/);
});

test('RETENTION_DAYS: the worker deletes videos older than the period (every trace), keeps younger ones', async () => {
  const old = await seedVideo(api.auth.tenantId);
  const young = await seedVideo(api.auth.tenantId);
  await sql(api.databaseUrl, "UPDATE videos SET created_at = now() - interval '3 days' WHERE id = $1", [old.id]);
  const lines: unknown[] = [];
  const log = createLogger({ component: 'test', destination: { write: (s: string) => void lines.push(JSON.parse(s)) } });
  const retention = startRetention({
    ...api.deps,
    config: { ...api.config, retentionDays: 2 },
    log,
    pool: () => {
      throw new Error('unused');
    },
    close: async () => {},
  });
  await retention.first;
  retention.stop();
  assert.deepEqual(await traces(old), []);
  assert.ok((await traces(young)).includes('db:videos'));
  assert.ok(
    lines.some((l) => (l as { videos?: number }).videos! >= 1),
    JSON.stringify(lines),
  );
  // Off by default: 0 deletes nothing.
  assert.deepEqual(await new ErasureService(api.deps.store, api.deps.queues).deleteOlderThan(0), { videos: 0, faces: 0, files: 0, bytes: 0, jobs: 0 });
});
