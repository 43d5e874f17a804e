// Hostile input: traversal in file names, malformed multipart, wrong content types, odd numbers, arrays where scalars
// belong, unknown fields, callback URLs aimed inside. Property-based (fast-check) over the query of /clusters and the
// option fields of POST /videos: never a 500, always a 2xx or a 4xx the route documents, and nothing left behind.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import sharp from 'sharp';
import { DEFAULT_EXTRACT } from '../../../libs/config/index.js';
import type { FaceRecord } from '../../../libs/pipeline/types.js';
import { ClusterService } from '../../../libs/services/index.js';
import { ERROR_CODES, STATUS_OF } from '../../../apps/api/errors.js';
import { startApi, type RunningApi } from '../../e2e/support/api.js';
import { sql } from '../../e2e/support/services.js';
import { filesUnder } from '../../helpers/files.js';
import { multipartBody, type RawPart } from '../../helpers/multipart.js';
import { makeUploadMedia, type UploadMedia } from '../../helpers/upload-media.js';

let api: RunningApi;
let media: UploadMedia;
let readyId: string;
// The storage root sits one level below `outer`: anything written outside it shows up in `outer`.
const outer = mkdtempSync(join(tmpdir(), 'keycast-hostile-'));
const storageDir = join(outer, 'storage');
const RUNS = 150;

before(async () => {
  media = makeUploadMedia(outer);
  for (const f of filesUnder(outer)) rmSync(join(outer, f));
  api = await startApi('keycast_test_api_hostile', { storageDir, maxActiveJobsPerTenant: 0, rateLimitMax: 100_000, maxUploadBytes: 1024 * 1024 });
  // A ready video of this tenant with three synthetic people, so /clusters really clusters.
  const { store } = api.deps;
  let s = 11;
  const r = () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
  const centres = [0, 1, 2].map(() => ({
    face: Float32Array.from({ length: 128 }, () => r() * 2 - 1),
    cloth: Float32Array.from({ length: 128 }, () => r() * 2 - 1),
  }));
  const img = await sharp({ create: { width: 16, height: 16, channels: 3, background: { r: 90, g: 80, b: 160 } } })
    .jpeg()
    .toBuffer();
  const faces: FaceRecord[] = [];
  for (let i = 0; i < 18; i++) {
    const c = centres[i % 3];
    faces.push({
      frame: i * 10,
      k: 0,
      t: i,
      box: [1, 1, 10, 10],
      score: 0.9,
      face: c.face.map((x) => x + (r() - 0.5) * 0.1),
      cloth: c.cloth.map((x) => x + (r() - 0.5) * 0.1),
      thumbnail: img,
      body: img,
    });
  }
  const v = await store.videos.create({
    tenantId: api.auth.tenantId,
    options: { ...DEFAULT_EXTRACT },
    sourceKey: 'videos/synthetic/source',
    sizeBytes: 1,
    filename: 'synthetic.mp4',
  });
  readyId = v.id;
  await store.segments.ensure(v.id, [{ idx: 0, startS: 0, endS: 18 }]);
  await store.writeFaceBatch(v.id, 0, faces, { frames: faces.length, faces: faces.length, t: 18, fraction: 1 });
  await new ClusterService(store).storeDefaultLinkage(v.id);
  await store.videos.markReady(v.id, { faceCount: faces.length, frameCount: faces.length, timings: {} });
});
after(async () => {
  await api?.close();
  rmSync(outer, { recursive: true, force: true });
});

type Inject = { statusCode: number; headers: Record<string, unknown>; body: string; json(): any };

function postRaw(body: Buffer | string, contentType: string | undefined, headers: Record<string, string> = {}): Promise<Inject> {
  return api.app.inject({
    method: 'POST',
    url: '/videos',
    headers: { ...api.auth.headers, ...(contentType ? { 'content-type': contentType } : {}), ...headers },
    payload: body,
  });
}
function upload(parts: RawPart[]): Promise<Inject> {
  const { body, contentType } = multipartBody(parts);
  return postRaw(body, contentType);
}
const video = (filename = 'clip.mp4'): RawPart => ({ name: 'file', value: media.mp4, filename });
/** Files of uploads (the synthetic video's thumbnails aside). */
const uploads = () => filesUnder(storageDir).filter((f) => !f.startsWith(`videos/${readyId}/`));
const videoRows = async () => Number((await sql<{ n: string }>(api.databaseUrl, 'SELECT count(*) AS n FROM videos'))[0].n);

/** The statuses the OpenAPI document lists for an operation. */
function documented(path: string, method: string): Set<number> {
  const doc = api.app.swagger() as unknown as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
  return new Set(Object.keys(doc.paths[path][method].responses).map(Number));
}

/** A 2xx, or a documented 4xx carrying a known code whose status it is, in exactly the error shape. Never a 5xx. */
function assertDocumentedAnswer(r: Inject, statuses: Set<number>, what: string): void {
  assert.ok(r.statusCode < 500, `${what}: ${r.statusCode} ${r.body.slice(0, 300)}`);
  assert.ok(statuses.has(r.statusCode), `${what}: status ${r.statusCode} is not documented (${[...statuses].join(', ')})`);
  if (r.statusCode >= 400) {
    const b = r.json();
    assert.deepEqual(Object.keys(b), ['error'], what);
    assert.deepEqual(Object.keys(b.error).sort(), ['code', 'message'], what);
    assert.ok((ERROR_CODES as readonly string[]).includes(b.error.code), `${what}: unknown code ${b.error.code}`);
    assert.equal(STATUS_OF[b.error.code as keyof typeof STATUS_OF], r.statusCode, `${what}: ${b.error.code} answered with ${r.statusCode}`);
  }
}

test('path traversal in the file name: the stored name never comes from the client; the name is kept as sanitized display text only', async () => {
  const cases: [string, string | null, string][] = [
    ['../../../../etc/passwd.mp4', 'passwd.mp4', 'source.mp4'],
    ['..\\..\\..\\windows\\system32\\evil.mp4', 'evil.mp4', 'source.mp4'],
    ['/etc/cron.d/x.mp4', 'x.mp4', 'source.mp4'],
    ['....//....//escape.mp4', 'escape.mp4', 'source.mp4'],
    ['%2e%2e%2f%2e%2e%2fencoded.mp4', '%2e%2e%2f%2e%2e%2fencoded.mp4', 'source.mp4'],
    ['..', null, 'source'],
    ['clip\u0000.mp4\u0000.sh', 'clip.mp4.sh', 'source.sh'],
    // A line break ends the part header: the rest can never become a header of ours, nor part of the name.
    ['line\r\nX-Injected: 1.mp4', 'line', 'source'],
    ['\u202egnp.exe.mp4', 'gnp.exe.mp4', 'source.mp4'],
    ['clip.MP4;rm -rf', 'clip.MP4;rm -rf', 'source.mp4rmrf'],
    [`${'a'.repeat(1000)}.mp4`, `${'a'.repeat(251)}.mp4`, 'source.mp4'],
  ];
  for (const [name, display, stored] of cases) {
    const r = await upload([video(name)]);
    assert.equal(r.statusCode, 202, `${JSON.stringify(name)}: ${r.body}`);
    const id = r.json().id;
    const [row] = await sql<{ filename: string | null; source_key: string }>(api.databaseUrl, 'SELECT filename, source_key FROM videos WHERE id = $1', [id]);
    assert.equal(row.filename, display, JSON.stringify(name));
    assert.equal(row.source_key, `videos/${id}/${stored}`, JSON.stringify(name));
    assert.deepEqual(filesUnder(join(storageDir, 'videos', id)), [stored]);
  }
  assert.deepEqual(
    filesUnder(outer).filter((f) => !f.startsWith('storage/videos/')),
    [],
    'nothing written outside the storage root',
  );
});

test('malformed multipart → 400 with a code; wrong content types → 415; nothing stored, no row, no job', async () => {
  const rowsBefore = await videoRows();
  const filesBefore = uploads();
  const good = multipartBody([video()]);
  const cases: [string, Buffer | string, string | undefined, number, string][] = [
    ['multipart without a boundary', good.body, 'multipart/form-data', 400, 'INVALID_MULTIPART'],
    ['a boundary the body does not use', good.body, 'multipart/form-data; boundary=not-the-one', 400, 'INVALID_MULTIPART'],
    ['no closing boundary', multipartBody([video()], { end: false }).body, good.contentType, 400, 'INVALID_MULTIPART'],
    ['body cut in the middle of the file', good.body.subarray(0, Math.floor(good.body.length / 2)), good.contentType, 400, 'INVALID_MULTIPART'],
    ['garbage body', Buffer.from('\x00\xff garbage '.repeat(100), 'latin1'), good.contentType, 400, 'INVALID_MULTIPART'],
    ['empty body', '', good.contentType, 400, 'MISSING_FILE'],
    ['no file part', multipartBody([{ name: 'stop_sec', value: '1' }]).body, good.contentType, 400, 'MISSING_FILE'],
    ['two file parts', multipartBody([video('a.mp4'), video('b.mp4')]).body, good.contentType, 400, 'TOO_MANY_FILES'],
    ['the file in another field', multipartBody([{ ...video(), name: 'video' }]).body, good.contentType, 400, 'INVALID_OPTION'],
    [
      'a field given twice',
      multipartBody([{ name: 'stop_sec', value: '1' }, { name: 'stop_sec', value: '2' }, video()]).body,
      good.contentType,
      400,
      'INVALID_OPTION',
    ],
    ['an unknown field', multipartBody([{ name: 'stop_seconds', value: '1' }, video()]).body, good.contentType, 400, 'UNKNOWN_OPTION'],
    ['__proto__ as a field name', multipartBody([{ name: '__proto__', value: '1' }, video()]).body, good.contentType, 400, 'INVALID_OPTION'],
    [
      'a JSON field where text belongs',
      multipartBody([{ name: 'stop_sec', value: '{"$gt":0}', contentType: 'application/json' }, video()]).body,
      good.contentType,
      400,
      'INVALID_OPTION',
    ],
    ['a field over 64 KiB', multipartBody([{ name: 'owner', value: 'o'.repeat(70 * 1024) }, video()]).body, good.contentType, 400, 'INVALID_OPTION'],
    [
      '100 fields',
      multipartBody([...Array.from({ length: 100 }, (_, i) => ({ name: `f${i}`, value: 'x' })), video()]).body,
      good.contentType,
      400,
      'INVALID_MULTIPART',
    ],
    // JSON gives a video by `url` (ingest-url.test.ts); bytes in it are refused.
    ['JSON with a file', JSON.stringify({ file: 'AAAA', stop_sec: 1 }), 'application/json', 400, 'INVALID_OPTION'],
    ['text/plain', 'hello', 'text/plain', 415, 'UNSUPPORTED_CONTENT_TYPE'],
    ['url-encoded form', 'file=AAAA&stop_sec=1', 'application/x-www-form-urlencoded', 415, 'UNSUPPORTED_CONTENT_TYPE'],
    ['raw video bytes', media.mp4, 'video/mp4', 415, 'UNSUPPORTED_CONTENT_TYPE'],
    ['no content type', media.mp4, undefined, 415, 'UNSUPPORTED_CONTENT_TYPE'],
  ];
  const statuses = documented('/videos', 'post');
  for (const [what, body, type, status, code] of cases) {
    const r = await postRaw(body, type);
    assert.equal(r.statusCode, status, `${what}: ${r.body.slice(0, 300)}`);
    assert.equal(r.json().error.code, code, what);
    assertDocumentedAnswer(r, statuses, what);
  }
  assert.deepEqual(uploads(), filesBefore, 'no refused upload left a file (nor a .part)');
  assert.equal(await videoRows(), rowsBefore);
});

test('numbers: negative, huge, NaN, Infinity, hex, empty → 400 INVALID_OPTION naming the option', async () => {
  for (const [name, value] of [
    ['capture_interval_sec', '-1'],
    ['capture_interval_sec', 'NaN'],
    ['capture_interval_sec', 'Infinity'],
    ['capture_interval_sec', '1e309'],
    ['capture_interval_sec', '0'],
    ['stop_sec', '-0.5'],
    ['face_cnt', '1e300'],
    ['face_cnt', '2.5'],
    ['frame_batch_size', '99999999999999999999'],
    ['resizing_resolution', '-1'],
    ['min_face_score', '1.0000001'],
    ['scene_threshold', ' '],
    ['skip_sec', 'Infinity'],
    ['max_faces_per_frame', '0x10000'],
  ]) {
    const r = await upload([{ name, value }, video()]);
    assert.equal(r.statusCode, 400, `${name}=${value}: ${r.body}`);
    assert.equal(r.json().error.code, 'INVALID_OPTION', `${name}=${value}`);
    assert.match(r.json().error.message, new RegExp(name), `${name}=${value}`);
  }
  for (const q of [
    'sim=NaN',
    'sim=Infinity',
    'sim=-Infinity',
    'sim=1e309',
    'sim=-1',
    'sim=-0.0001',
    'min_csize=1e300',
    'min_csize=-5',
    'iterations=1e9',
    'face_threshold=Infinity',
    'cloth_threshold=NaN',
    'face_cloth_weights=1e309,1',
    'face_cloth_weights=NaN,1',
    'face_cloth_weights=-1,1',
    'sim=',
  ]) {
    const r = await api.app.inject({ method: 'GET', url: `/videos/${readyId}/clusters?${q}`, headers: api.auth.headers });
    assert.equal(r.statusCode, 400, `${q}: ${r.body}`);
    assert.equal(r.json().error.code, 'INVALID_OPTION', q);
  }
});

test('arrays where scalars belong, and unknown query parameters → 400 INVALID_OPTION', async () => {
  for (const q of [
    'sim=0.4&sim=0.5',
    'method=average&method=single',
    'merge=true&merge=false',
    'sim[]=0.4',
    'sim[0]=0.4',
    'simm=0.4',
    '__proto__=1',
    'constructor=1',
    'sim=0.4&sim',
  ]) {
    const r = await api.app.inject({ method: 'GET', url: `/videos/${readyId}/clusters?${q}`, headers: api.auth.headers });
    assert.equal(r.statusCode, 400, `${q}: ${r.body}`);
    assert.equal(r.json().error.code, 'INVALID_OPTION', q);
  }
  const list = await api.app.inject({ method: 'GET', url: '/videos?limit=1&limit=2', headers: api.auth.headers });
  assert.equal(list.statusCode, 400);
  const ok = await api.app.inject({ method: 'GET', url: `/videos/${readyId}/clusters?sim=0.5`, headers: api.auth.headers });
  assert.equal(ok.statusCode, 200);
});

test('callback_url aimed inside (private, loopback, link-local, metadata, odd spellings) or not http(s) → 400 INVALID_CALLBACK_URL, nothing stored', async () => {
  const filesBefore = uploads();
  for (const url of [
    'http://127.0.0.1:8080/hook',
    'http://localhost/hook',
    'http://[::1]/hook',
    'http://2130706433/hook',
    'http://0x7f.1/hook',
    'http://0.0.0.0/',
    'http://10.0.0.5/',
    'http://172.16.3.4/',
    'http://192.168.1.1/',
    'http://169.254.169.254/latest/meta-data/',
    'http://[fe80::1]/',
    'http://[fd12::1]/',
    'http://[::ffff:127.0.0.1]/',
    'http://100.64.0.1/',
    'http://224.0.0.1/',
    'http://nonexistent-host.invalid/hook',
    'ftp://example.com/x',
    'file:///etc/passwd',
    'gopher://127.0.0.1:6379/_INFO',
    'javascript:alert(1)',
    'data:text/plain,hi',
    'not a url',
    `http://example.com/${'x'.repeat(3000)}`,
  ]) {
    const r = await upload([{ name: 'callback_url', value: url }, video()]);
    assert.equal(r.statusCode, 400, `${url}: ${r.body.slice(0, 200)}`);
    assert.equal(r.json().error.code, 'INVALID_CALLBACK_URL', url);
  }
  assert.deepEqual(uploads(), filesBefore);
});

test('property: any query on GET /videos/:id/clusters → 200 or a documented 4xx, never a 500', async (t) => {
  const statuses = documented('/videos/{id}/clusters', 'get');
  const known = [
    'sim',
    'min_csize',
    'method',
    'merge',
    'face_threshold',
    'cloth_threshold',
    'iterations',
    'face_cloth_weights',
    'faces_per_cluster',
    'faces_limit',
  ];
  const name = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...known) },
    { weight: 1, arbitrary: fc.constantFrom('__proto__', 'constructor', 'toString', '', 'sim[]', 'sim[0]', 'SIM', 'tile', 'cluster') },
    { weight: 2, arbitrary: fc.string({ maxLength: 10 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 6 }) },
  );
  const value = fc.oneof(
    { weight: 3, arbitrary: fc.double().map(String) },
    { weight: 2, arbitrary: fc.double({ min: 0, max: 1, noNaN: true }).map(String) },
    { weight: 2, arbitrary: fc.integer().map(String) },
    { weight: 1, arbitrary: fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }).map(String) },
    {
      weight: 3,
      arbitrary: fc.constantFrom(
        'NaN',
        'Infinity',
        '-Infinity',
        '1e309',
        '-1',
        '0',
        '1',
        '0.4',
        '1e-400',
        '0x10',
        '',
        ' ',
        'true',
        'false',
        'null',
        '[]',
        '{}',
        '1,1',
        '0,0',
        '-1,2',
        '1e308,1',
        '1,0.5',
        'average',
        'single',
        'complete',
        'ward',
        '%00',
        '\u0000',
      ),
    },
    { weight: 2, arbitrary: fc.tuple(fc.double(), fc.double()).map(([a, b]) => `${a},${b}`) },
    { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
    { weight: 1, arbitrary: fc.string({ minLength: 500, maxLength: 2500 }) },
  );
  const outcomes = new Map<number, number>();
  await fc.assert(
    fc.asyncProperty(fc.array(fc.tuple(name, value), { maxLength: 6 }), async (pairs) => {
      const qs = new URLSearchParams();
      for (const [k, v] of pairs) qs.append(k, v);
      const r = (await api.app.inject({ method: 'GET', url: `/videos/${readyId}/clusters?${qs.toString()}`, headers: api.auth.headers })) as Inject;
      outcomes.set(r.statusCode, (outcomes.get(r.statusCode) ?? 0) + 1);
      assertDocumentedAnswer(r, statuses, `?${qs.toString().slice(0, 300)}`);
      if (r.statusCode === 200) assert.ok(Array.isArray(r.json().clusters));
    }),
    { numRuns: RUNS, seed: Number(process.env.FC_SEED ?? 20261127) },
  );
  t.diagnostic(`${RUNS} queries, answers by status: ${JSON.stringify(Object.fromEntries(outcomes))}`);
  assert.ok((outcomes.get(200) ?? 0) > 0 && (outcomes.get(400) ?? 0) > 0, `both answers seen: ${JSON.stringify([...outcomes])}`);
});

test('property: any option fields on POST /videos → 202 or a documented 4xx, never a 500; every 202 left exactly its file, every refusal none', async (t) => {
  const statuses = documented('/videos', 'post');
  const known = [
    'capture_interval_sec',
    'use_scene_transition',
    'scene_threshold',
    'skip_sec',
    'stop_sec',
    'face_cnt',
    'frame_batch_size',
    'resizing_resolution',
    'resizing_ratio',
    'max_faces_per_frame',
    'min_face_score',
    'cloth_encoder',
    'owner',
    'callback_url',
  ];
  const name = fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(...known) },
    { weight: 1, arbitrary: fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', 'sim', 'file[]', 'FILE') },
    { weight: 2, arbitrary: fc.string({ minLength: 1, maxLength: 10 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 6 }) },
  );
  const value = fc.oneof(
    { weight: 3, arbitrary: fc.double().map(String) },
    { weight: 3, arbitrary: fc.double({ min: 0, max: 1, noNaN: true }).map(String) },
    { weight: 2, arbitrary: fc.integer({ min: -5, max: 5000 }).map(String) },
    { weight: 1, arbitrary: fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }).map(String) },
    {
      weight: 3,
      arbitrary: fc.constantFrom(
        'NaN',
        'Infinity',
        '-Infinity',
        '1e309',
        '-1',
        '0',
        '1',
        '0.5',
        '0x10',
        '',
        ' ',
        'true',
        'false',
        '1',
        'null',
        'cnn',
        'histogram',
        'resnet',
        'http://127.0.0.1:9/x',
        'http://10.0.0.1/',
        'http://[::1]/',
        'ftp://example.com/',
        'javascript:alert(1)',
        'not a url',
      ),
    },
    { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 16 }) },
  );
  let accepted = 0;
  const rowsBefore = await videoRows();
  const filesBefore = uploads().length;
  const outcomes = new Map<number, number>();
  await fc.assert(
    fc.asyncProperty(fc.array(fc.tuple(name, value), { maxLength: 5 }), async (fields) => {
      const r = await upload([...fields.map(([n, v]) => ({ name: n, value: v })), video()]);
      outcomes.set(r.statusCode, (outcomes.get(r.statusCode) ?? 0) + 1);
      assertDocumentedAnswer(r, statuses, JSON.stringify(fields).slice(0, 300));
      if (r.statusCode === 202) {
        accepted++;
        assert.deepEqual(filesUnder(join(storageDir, 'videos', r.json().id)), ['source.mp4']);
      }
    }),
    { numRuns: RUNS, seed: Number(process.env.FC_SEED ?? 20261127) },
  );
  t.diagnostic(`${RUNS} uploads, answers by status: ${JSON.stringify(Object.fromEntries(outcomes))}`);
  assert.ok(accepted > 0 && (outcomes.get(400) ?? 0) > 0, `both answers seen: ${JSON.stringify([...outcomes])}`);
  assert.equal(uploads().length - filesBefore, accepted, 'one file per accepted upload, none per refusal');
  assert.equal((await videoRows()) - rowsBefore, accepted, 'one row per accepted upload');
});
