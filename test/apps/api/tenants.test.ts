// Tenant isolation on a real server: every operation of /openapi.json is tried by tenant B on tenant A's
// real ids. B gets 404 exactly as for an id that does not exist; A, same request, gets its answer.
// A route added to the API without an entry in ROUTES fails this test: no route escapes it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import sharp from 'sharp';
import { DEFAULT_EXTRACT } from '../../../libs/config/index.js';
import { ClusterService } from '../../../libs/services/index.js';
import type { FaceRecord } from '../../../libs/pipeline/types.js';
import { startApi, call, type RunningApi } from '../../e2e/support/api.js';
import { createTestKey, type TestKey } from '../../e2e/support/auth.js';
import { sql } from '../../e2e/support/services.js';
import { testVideo } from '../../e2e/support/media.js';

/** Ids of tenant A's things that routes take as path parameters. */
interface Ids {
  /** A ready video with faces, clusters and a linkage. */
  video: string;
  /** A face of that video (its public id). */
  face: string;
  /** A queued video (clusters would answer 409 VIDEO_NOT_READY to its owner). */
  pending: string;
  /** A video only DELETE uses (A's own DELETE removes it). */
  spare: string;
  /** A person of A's holding `face`. */
  person: string;
  /** A person A merges into `person` (POST /people/{id}/merge). */
  mergee: string;
  /** A person only DELETE uses. */
  sparePerson: string;
  /** A question A's video asks (GET /videos/{id}/questions), answered by POST …/answer. */
  question: string;
}

type Route =
  | { kind: 'open' }
  /** Reads or changes one of A's things named in the path: B → 404, A → `ok`. */
  | { kind: 'by-id'; params: (ids: Ids) => Record<string, string | number>; ok: number; alsoPending?: boolean; body?: (ids: Ids) => unknown }
  /** Lists the caller's things: B's list holds none of A's. */
  | { kind: 'list' }
  /** Creates a thing of the caller's: A cannot see B's. */
  | { kind: 'create' }
  /** The operator's (ADMIN_TOKEN): no tenant key reaches it (test/apps/api/erasure.test.ts). */
  | { kind: 'admin' };

/** How each operation is filled and judged. Every operation of the OpenAPI document must be here. */
const ROUTES: Record<string, Route> = {
  'GET /health': { kind: 'open' },
  'GET /ready': { kind: 'open' },
  'POST /videos': { kind: 'create' },
  'GET /videos': { kind: 'list' },
  'GET /videos/{id}': { kind: 'by-id', params: (i) => ({ id: i.video }), ok: 200, alsoPending: true },
  'DELETE /videos/{id}': { kind: 'by-id', params: (i) => ({ id: i.spare }), ok: 204 },
  'GET /videos/{id}/clusters': { kind: 'by-id', params: (i) => ({ id: i.video }), ok: 200, alsoPending: true },
  'GET /videos/{id}/montage.png': { kind: 'by-id', params: (i) => ({ id: i.video }), ok: 200, alsoPending: true },
  'GET /videos/{id}/faces': { kind: 'by-id', params: (i) => ({ id: i.video }), ok: 200, alsoPending: true },
  'GET /faces/{id}/thumbnail': { kind: 'by-id', params: (i) => ({ id: i.face }), ok: 200 },
  'GET /videos/{id}/deliveries': { kind: 'by-id', params: (i) => ({ id: i.video }), ok: 200, alsoPending: true },
  'DELETE /admin/tenants/{name}': { kind: 'admin' },
  'POST /people': { kind: 'create' },
  'GET /people': { kind: 'list' },
  'GET /people/{id}': { kind: 'by-id', params: (i) => ({ id: i.person }), ok: 200 },
  'PATCH /people/{id}': { kind: 'by-id', params: (i) => ({ id: i.person }), ok: 200, body: () => ({ name: 'renamed' }) },
  'DELETE /people/{id}': { kind: 'by-id', params: (i) => ({ id: i.sparePerson }), ok: 204 },
  'GET /people/{id}/history': { kind: 'by-id', params: (i) => ({ id: i.person }), ok: 200 },
  'GET /people/{id}/appearances': { kind: 'by-id', params: (i) => ({ id: i.person }), ok: 200 },
  'POST /people/{id}/faces': { kind: 'by-id', params: (i) => ({ id: i.person }), ok: 200, body: (i) => ({ faces: [i.face] }) },
  'DELETE /people/{id}/faces/{faceId}': { kind: 'by-id', params: (i) => ({ id: i.person, faceId: i.face }), ok: 200 },
  'POST /people/{id}/merge': { kind: 'by-id', params: (i) => ({ id: i.person }), ok: 200, body: (i) => ({ people: [i.mergee] }) },
  // The queued video is the one with a stored file: its bytes are served whatever its status.
  'GET /videos/{id}/media': { kind: 'by-id', params: (i) => ({ id: i.pending }), ok: 200 },
  // A media token is the caller's own: what it opens is checked by the media routes above.
  'POST /media-tokens': { kind: 'create' },
  // Searches the caller's faces only: test/apps/api/search.test.ts (B's photo search never returns A's faces).
  'POST /search/faces': { kind: 'list' },
  'GET /videos/{id}/questions': { kind: 'by-id', params: (i) => ({ id: i.video }), ok: 200, alsoPending: true },
  'POST /videos/{id}/questions/{qid}/answer': { kind: 'by-id', params: (i) => ({ id: i.video, qid: i.question }), ok: 200, body: () => ({ same: false }) },
};

let api: RunningApi;
let doc: any;
let A: TestKey;
let B: TestKey;
let ids: Ids;
/** Ids that exist for nobody, one per kind of thing. */
const MISSING: Ids = {
  video: randomUUID(),
  face: randomUUID(),
  pending: randomUUID(),
  spare: randomUUID(),
  person: randomUUID(),
  mergee: randomUUID(),
  sparePerson: randomUUID(),
  question: '0000000000000000',
};

const DRIFT = 0.45;

async function seedReadyVideo(tenantId: string): Promise<{ video: string; face: string }> {
  const { store } = api.deps;
  const img = await sharp({ create: { width: 24, height: 24, channels: 3, background: { r: 200, g: 80, b: 160 } } })
    .jpeg()
    .toBuffer();
  const centre = (s: number) => Float32Array.from({ length: 128 }, (_, i) => Math.sin(i * s));
  const faces: FaceRecord[] = [0, 1, 2, 3, 4, 5].map((i) => {
    // Two groups near enough that the cut is unsure of them, so the video asks a question.
    const c = i < 3 ? centre(1) : centre(1).map((v, j) => v + DRIFT * Math.sin(j * 2));
    return { frame: i * 25, k: 0, t: i, box: [10, 10, 40, 40], score: 0.9, face: c.map((v) => v + i * 1e-3), cloth: c, thumbnail: img, body: img };
  });
  const v = await store.videos.create({
    tenantId,
    options: { ...DEFAULT_EXTRACT },
    owner: 'shared-owner-tag',
    sourceKey: 'videos/a/source',
    sizeBytes: 1,
    filename: 'a.mp4',
    probe: { path: 'a.mp4', duration_s: 6, fps: 25, width: 640, height: 360, rotation: 0, codec: 'h264', frame_count: 150 },
  });
  await store.segments.ensure(v.id, [{ idx: 0, startS: 0, endS: 6 }]);
  await store.writeFaceBatch(v.id, 0, faces, { frames: 6, faces: 6, t: 5, fraction: 1 });
  await new ClusterService(store).storeDefaultLinkage(v.id);
  await store.videos.markReady(v.id, { faceCount: 6, frameCount: 6, timings: {} });
  const [{ id }] = await sql<{ id: string }>(api.databaseUrl, 'SELECT public_id::text AS id FROM faces WHERE video_id = $1 ORDER BY id LIMIT 1', [v.id]);
  return { video: v.id, face: id };
}

async function seedVideoWithFile(tenantId: string): Promise<string> {
  const { store } = api.deps;
  const id = randomUUID();
  const key = store.files.sourceKey(id, 'spare.mp4');
  await store.files.write(key, Buffer.from('bytes of a video'));
  await store.videos.create({ id, tenantId, options: { ...DEFAULT_EXTRACT }, owner: 'shared-owner-tag', sourceKey: key, sizeBytes: 16, filename: 'spare.mp4' });
  return id;
}

before(async () => {
  api = await startApi('keycast_test_api_tenants');
  A = await createTestKey(api.databaseUrl, 'tenant-a');
  B = await createTestKey(api.databaseUrl, 'tenant-b');
  const ready = await seedReadyVideo(A.tenantId);
  const person = async (faces: string[]) =>
    (await call(api.baseUrl, 'POST', '/people', { ...as(A), body: JSON.stringify({ faces }), headers: { ...A.headers, 'content-type': 'application/json' } }))
      .body.id as string;
  ids = {
    ...ready,
    pending: await seedVideoWithFile(A.tenantId),
    spare: await seedVideoWithFile(A.tenantId),
    person: await person([ready.face]),
    mergee: await person([]),
    sparePerson: await person([]),
    question: '',
  };
  const asked = await call(api.baseUrl, 'GET', `/videos/${ids.video}/questions`, as(A));
  assert.equal(asked.status, 200, JSON.stringify(asked.body));
  assert.ok(asked.body.items.length > 0, `A's video asks at least one question: ${JSON.stringify(asked.body)}`);
  ids.question = asked.body.items[0].id as string;
  doc = (await call(api.baseUrl, 'GET', '/openapi.json')).body;
});
after(async () => {
  await api?.close();
});

function operations(): string[] {
  return Object.entries<Record<string, unknown>>(doc.paths).flatMap(([path, item]) =>
    Object.keys(item)
      .filter((m) => ['get', 'post', 'put', 'patch', 'delete'].includes(m))
      .map((m) => `${m.toUpperCase()} ${path}`),
  );
}

/** `/videos/{id}` with `{id}` from `params`; a parameter without a value fails the test. */
function fill(path: string, params: Record<string, string | number>): string {
  return path.replace(/\{(\w+)\}/g, (_, name: string) => {
    assert.ok(name in params, `ROUTES gives no value for {${name}} of ${path}`);
    return encodeURIComponent(String(params[name]));
  });
}

const as = (who: TestKey) => ({ headers: who.headers });

test('ROUTES covers every operation of /openapi.json, and nothing else', () => {
  const ops = operations();
  assert.ok(ops.length >= 10, `${ops.length} operations`);
  for (const op of ops) assert.ok(ROUTES[op], `${op} is in /openapi.json but not in ROUTES: say how tenant B tries tenant A's data on it`);
  for (const op of Object.keys(ROUTES)) assert.ok(ops.includes(op), `ROUTES has ${op}, which /openapi.json does not`);
  // Open means documented without security: the only routes a tenant needs no key for.
  for (const op of ops) {
    const [method, path] = op.split(' ');
    const secured = (doc.paths[path][method.toLowerCase()].security ?? []).length > 0;
    assert.equal(secured, ROUTES[op].kind !== 'open', `${op}: security in /openapi.json vs ROUTES`);
  }
});

test("tenant B gets 404 NOT_FOUND on every route that takes tenant A's ids, exactly as for ids that do not exist; A gets its answer", async () => {
  let tried = 0;
  // DELETE last: A's own delete removes the spare video.
  const ops = operations().sort((x, y) => Number(x.startsWith('DELETE')) - Number(y.startsWith('DELETE')));
  for (const op of ops) {
    const route = ROUTES[op];
    assert.ok(route, `${op} is not in ROUTES`);
    if (route.kind !== 'by-id') continue;
    const [method, template] = op.split(' ');
    const variants: Ids[] = route.alsoPending ? [ids, { ...ids, video: ids.pending }] : [ids];
    for (const v of variants) {
      const params = route.params(v);
      const missingParams = route.params(variants.length > 1 && v.video === ids.pending ? { ...MISSING, video: MISSING.pending } : MISSING);
      const body = (who: TestKey) =>
        route.body ? { body: JSON.stringify(route.body(ids)), headers: { ...who.headers, 'content-type': 'application/json' } } : as(who);
      const byB = await call(api.baseUrl, method, fill(template, params), body(B));
      const missing = await call(api.baseUrl, method, fill(template, missingParams), body(B));
      assert.equal(byB.status, 404, `${op} ${JSON.stringify(params)} as B: ${JSON.stringify(byB.body)}`);
      assert.equal(missing.status, 404, `${op} with a missing id`);
      assert.deepEqual(Object.keys(byB.body), ['error']);
      assert.equal(byB.body.error.code, 'NOT_FOUND');
      // Same words as for a missing id, once the id itself is blanked out: nothing tells them apart.
      const blank = (m: string, p: Record<string, string | number>) => Object.values(p).reduce<string>((s, x) => s.split(String(x)).join('<id>'), m);
      assert.equal(blank(byB.body.error.message, params), blank(missing.body.error.message, missingParams), op);
      assert.equal(byB.headers.get('content-type'), missing.headers.get('content-type'));
      tried++;
    }
    if (method === 'DELETE' && template === '/videos/{id}') {
      const [row] = await sql(api.databaseUrl, 'SELECT 1 FROM videos WHERE id = $1', [ids.spare]);
      assert.ok(row, "B's DELETE removed nothing");
      assert.ok(existsSync(api.deps.store.files.path(api.deps.store.files.videoDir(ids.spare))), "B's DELETE left A's files");
    }
    // The same request with A's key is answered: the 404 above is isolation, not a broken request.
    const byA = await call(
      api.baseUrl,
      method,
      fill(template, route.params(ids)),
      route.body ? { body: JSON.stringify(route.body(ids)), headers: { ...A.headers, 'content-type': 'application/json' } } : as(A),
    );
    assert.equal(byA.status, route.ok, `${op} as A: ${typeof byA.body === 'string' ? byA.body.slice(0, 200) : JSON.stringify(byA.body)}`);
  }
  assert.ok(tried >= 10, `${tried} cross-tenant requests`);
  assert.equal((await sql(api.databaseUrl, 'SELECT 1 FROM videos WHERE id = $1', [ids.spare])).length, 0, "A's DELETE did delete");
  assert.equal(existsSync(api.deps.store.files.path(api.deps.store.files.videoDir(ids.spare))), false, "and removed A's files");
});

test("GET /videos lists only the caller's videos, whatever the filters", async () => {
  assert.equal(ROUTES['GET /videos'].kind, 'list');
  const mine = await call(api.baseUrl, 'GET', '/videos?limit=100', as(A));
  assert.equal(mine.status, 200);
  const aIds = mine.body.items.map((v: { id: string }) => v.id);
  assert.ok(aIds.includes(ids.video) && aIds.includes(ids.pending), 'A sees its videos');
  for (const q of ['/videos?limit=100', '/videos?limit=100&owner=shared-owner-tag', '/videos?limit=100&status=ready', '/videos?limit=100&status=queued']) {
    const theirs = await call(api.baseUrl, 'GET', q, as(B));
    assert.equal(theirs.status, 200, q);
    assert.deepEqual(
      theirs.body.items.filter((v: { id: string }) => aIds.includes(v.id)),
      [],
      `${q}: none of A's videos`,
    );
  }
  // A's cursor given to B pages through B's videos only (the cursor is a position, not a permission).
  const page = await call(api.baseUrl, 'GET', '/videos?limit=1', as(A));
  if (page.body.next_cursor) {
    const r = await call(api.baseUrl, 'GET', `/videos?limit=100&cursor=${encodeURIComponent(page.body.next_cursor)}`, as(B));
    assert.ok(r.status === 200 || r.status === 400);
    if (r.status === 200)
      assert.deepEqual(
        r.body.items.filter((v: { id: string }) => aIds.includes(v.id)),
        [],
      );
  }
});

test("POST /videos: the upload is the uploader's; the other tenant gets 404 on it and never lists it", async () => {
  assert.equal(ROUTES['POST /videos'].kind, 'create');
  const video = testVideo();
  const form = new FormData();
  form.append('capture_interval_sec', '2');
  form.append('file', new Blob([readFileSync(video.path)]), video.name);
  const up = await call(api.baseUrl, 'POST', '/videos', { body: form, ...as(B) });
  assert.equal(up.status, 202, JSON.stringify(up.body));
  const [row] = await sql<{ tenant_id: string }>(api.databaseUrl, 'SELECT tenant_id FROM videos WHERE id = $1', [up.body.id]);
  assert.equal(row.tenant_id, B.tenantId);
  assert.equal((await call(api.baseUrl, 'GET', `/videos/${up.body.id}`, as(B))).status, 200);
  const byA = await call(api.baseUrl, 'GET', `/videos/${up.body.id}`, as(A));
  assert.equal(byA.status, 404);
  assert.equal(byA.body.error.code, 'NOT_FOUND');
  const listA = await call(api.baseUrl, 'GET', '/videos?limit=100', as(A));
  assert.equal(
    listA.body.items.some((v: { id: string }) => v.id === up.body.id),
    false,
  );
});

test("webhook deliveries belong to the video's tenant", async () => {
  const { deliveries } = api.deps.store;
  assert.equal(
    await deliveries.record({
      videoId: ids.video,
      eventId: 'e1',
      event: 'video.ready',
      url: 'http://127.0.0.1:9/h',
      attempt: 1,
      statusCode: 204,
      error: null,
      durationMs: 3,
      delivered: true,
    }),
    true,
  );
  assert.equal((await deliveries.list(ids.video, { tenantId: A.tenantId })).length, 1);
  assert.deepEqual(await deliveries.list(ids.video, { tenantId: B.tenantId }), []);
});

test('videos uploaded before tenants existed (null tenant) are reached by no key', async () => {
  const legacy = await api.deps.store.videos.create({ options: { ...DEFAULT_EXTRACT }, sourceKey: 'videos/legacy/source', sizeBytes: 1 });
  assert.equal(legacy.tenantId, null);
  for (const who of [A, B]) {
    assert.equal((await call(api.baseUrl, 'GET', `/videos/${legacy.id}`, as(who))).status, 404);
    const list = await call(api.baseUrl, 'GET', '/videos?limit=100', as(who));
    assert.equal(
      list.body.items.some((v: { id: string }) => v.id === legacy.id),
      false,
    );
  }
});
