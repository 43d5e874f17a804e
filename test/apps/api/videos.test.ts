import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_EXTRACT } from '../../../libs/config/index.js';
import { startApi, type RunningApi } from '../../e2e/support/api.js';
import { sql } from '../../e2e/support/services.js';
import { testVideo } from '../../e2e/support/media.js';

let api: RunningApi;
const video = testVideo();
const videoBytes = readFileSync(video.path);

// Loopback callbacks are refused unless allowed: this suite allows 127.0.0.1 explicitly.
before(async () => {
  api = await startApi('keycast_test_api_videos', { maxUploadBytes: 4 * 1024 * 1024, webhookAllowedHosts: ['127.0.0.1'] });
});
after(async () => {
  await api?.close();
});

function form(fields: Record<string, string>, file: { bytes: Uint8Array; name: string } | null = { bytes: videoBytes, name: video.name }): FormData {
  const f = new FormData();
  for (const [k, v] of Object.entries(fields)) f.append(k, v);
  if (file) f.append('file', new Blob([file.bytes]), file.name);
  return f;
}

const upload = (fields: Record<string, string>, file?: { bytes: Uint8Array; name: string } | null) => api.call('POST', '/videos', { body: form(fields, file) });

function storedFiles(): string[] {
  const root = join(api.config.storageDir, 'videos');
  if (!existsSync(root)) return [];
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath ?? (d as any).path, d.name));
}

test('POST /videos: 202 with id, links and Location; file stored; row queued with the effective options; one extract job', async () => {
  const r = await upload({ capture_interval_sec: '0.5', stop_sec: '3', callback_url: 'http://127.0.0.1:9/hook', owner: 'acme' });
  assert.equal(r.status, 202, JSON.stringify(r.body));
  assert.match(r.body.id, /^[0-9a-f-]{36}$/);
  assert.equal(r.body.status, 'queued');
  assert.equal(r.body.links.self, `/videos/${r.body.id}`);
  assert.equal(r.body.links.clusters, `/videos/${r.body.id}/clusters`);
  assert.equal(r.headers.get('location'), `/videos/${r.body.id}`);
  const [row] = await sql<any>(api.databaseUrl, 'SELECT status, options, size_bytes, callback_url, owner, filename, probe FROM videos WHERE id = $1', [
    r.body.id,
  ]);
  assert.equal(row.status, 'queued');
  assert.deepEqual(row.options, { ...DEFAULT_EXTRACT, capture_interval_sec: 0.5, stop_sec: 3 });
  assert.equal(Number(row.size_bytes), videoBytes.length);
  assert.equal(row.callback_url, 'http://127.0.0.1:9/hook');
  assert.equal(row.owner, 'acme');
  assert.equal(row.filename, video.name);
  assert.ok(row.probe.duration_s > 5);
  const stored = readFileSync(api.deps.store.files.path(api.deps.store.files.sourceKey(r.body.id, video.name)));
  assert.equal(Buffer.compare(stored, videoBytes), 0, 'stored bytes = uploaded bytes');
  const job = await api.deps.queues.extract.getJob(`extract-${r.body.id}`);
  assert.deepEqual(job?.data, { videoId: r.body.id });
  assert.equal((await api.deps.queues.extract.getJobCounts()).waiting, 1);
});

test('POST /videos: a file that is not a video → 415 UNSUPPORTED_MEDIA, nothing stored', async () => {
  const before = storedFiles().length;
  const r = await upload({}, { bytes: Buffer.from('definitely not a video\n'.repeat(50)), name: 'x.mp4' });
  assert.equal(r.status, 415);
  assert.equal(r.body.error.code, 'UNSUPPORTED_MEDIA');
  assert.equal(storedFiles().length, before);
});

test('POST /videos: empty file → 415 UNSUPPORTED_MEDIA', async () => {
  const r = await upload({}, { bytes: new Uint8Array(0), name: 'empty.mp4' });
  assert.equal(r.status, 415);
  assert.equal(r.body.error.code, 'UNSUPPORTED_MEDIA');
});

test('POST /videos: bad options → 400 with the option named; unknown option → UNKNOWN_OPTION', async () => {
  const cases: [Record<string, string>, string, RegExp][] = [
    [{ capture_interval_sec: '-1' }, 'INVALID_OPTION', /capture_interval_sec/],
    [{ frame_batch_size: '2.5' }, 'INVALID_OPTION', /frame_batch_size must be an integer/],
    [{ cloth_encoder: 'resnet99' }, 'INVALID_OPTION', /cloth_encoder must be one of/],
    [{ use_scene_transition: 'maybe' }, 'INVALID_OPTION', /use_scene_transition/],
    [{ capture_intervall_sec: '1' }, 'UNKNOWN_OPTION', /capture_intervall_sec/],
    [{ callback_url: 'not a url' }, 'INVALID_CALLBACK_URL', /callback_url/],
    [{ callback_url: 'ftp://example.com/x' }, 'INVALID_CALLBACK_URL', /http/],
    [{ callback_url: 'http://10.0.0.1/hook' }, 'INVALID_CALLBACK_URL', /private/],
  ];
  const before = storedFiles().length;
  for (const [fields, code, msg] of cases) {
    const r = await upload(fields);
    assert.equal(r.status, 400, JSON.stringify(fields));
    assert.equal(r.body.error.code, code, JSON.stringify(fields));
    assert.match(r.body.error.message, msg);
  }
  assert.equal(storedFiles().length, before, 'refused uploads leave no file');
});

test('POST /videos: no file → 400 MISSING_FILE (JSON without a url too), a text body → 415 UNSUPPORTED_CONTENT_TYPE, two files → 400 TOO_MANY_FILES', async () => {
  const none = await upload({ stop_sec: '1' }, null);
  assert.equal(none.status, 400);
  assert.equal(none.body.error.code, 'MISSING_FILE');
  assert.match(none.body.error.message, /file/);
  const json = await api.call('POST', '/videos', { body: '{}', headers: { 'content-type': 'application/json' } });
  assert.equal(json.status, 400);
  assert.equal(json.body.error.code, 'MISSING_FILE');
  assert.match(json.body.error.message, /url/);
  const text = await api.call('POST', '/videos', { body: 'a video', headers: { 'content-type': 'text/plain' } });
  assert.equal(text.status, 415);
  assert.equal(text.body.error.code, 'UNSUPPORTED_CONTENT_TYPE');
  const two = form({});
  two.append('file', new Blob([videoBytes]), 'again.mp4');
  const r2 = await api.call('POST', '/videos', { body: two });
  assert.equal(r2.status, 400);
  assert.equal(r2.body.error.code, 'TOO_MANY_FILES');
});

test('POST /videos: larger than MAX_UPLOAD_BYTES → 413 PAYLOAD_TOO_LARGE, the partial file removed', async () => {
  const before = storedFiles().length;
  const big = new Uint8Array(6 * 1024 * 1024);
  big.set(videoBytes.subarray(0, Math.min(videoBytes.length, big.length)));
  const r = await upload({}, { bytes: big, name: 'big.mp4' });
  assert.equal(r.status, 413);
  assert.equal(r.body.error.code, 'PAYLOAD_TOO_LARGE');
  assert.match(r.body.error.message, /4194304/);
  assert.equal(storedFiles().length, before);
  assert.equal(storedFiles().filter((f) => f.endsWith('.part')).length, 0);
});

test('GET /videos: newest first, cursor pages cover every video once; filters; bad limit/cursor → 400', async () => {
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) {
    const v = await api.deps.store.videos.create({
      tenantId: api.auth.tenantId,
      options: { ...DEFAULT_EXTRACT },
      sourceKey: `videos/x${i}/source`,
      sizeBytes: i,
      owner: 'pager',
    });
    ids.push(v.id);
  }
  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const q: string = `/videos?limit=2&owner=pager${cursor ? `&cursor=${cursor}` : ''}`;
    const r = await api.call('GET', q);
    assert.equal(r.status, 200);
    assert.ok(r.body.items.length <= 2);
    for (const v of r.body.items) assert.equal(v.owner, 'pager');
    seen.push(...r.body.items.map((v: { id: string }) => v.id));
    cursor = r.body.next_cursor;
  } while (cursor);
  assert.deepEqual(seen, [...ids].reverse());
  const queued = await api.call('GET', '/videos?status=queued&limit=100');
  assert.ok(queued.body.items.length >= 5);
  assert.ok(queued.body.items.every((v: { status: string }) => v.status === 'queued'));
  for (const bad of ['/videos?limit=0', '/videos?limit=101', '/videos?limit=abc', '/videos?cursor=notacursor', '/videos?status=done', '/videos?colour=red']) {
    const r = await api.call('GET', bad);
    assert.equal(r.status, 400, bad);
    assert.equal(r.body.error.code, 'INVALID_OPTION', bad);
    assert.equal(typeof r.body.error.message, 'string');
  }
});

test('GET /videos/:id: the video; unknown id → 404 NOT_FOUND; not a UUID → 400', async () => {
  const v = await api.deps.store.videos.create({
    tenantId: api.auth.tenantId,
    options: { ...DEFAULT_EXTRACT },
    sourceKey: 'videos/y/source',
    sizeBytes: 10,
    filename: 'y.mp4',
  });
  const r = await api.call('GET', `/videos/${v.id}`);
  assert.equal(r.status, 200);
  assert.equal(r.body.id, v.id);
  assert.equal(r.body.status, 'queued');
  assert.equal(r.body.progress, 0);
  assert.equal('progress_percent' in r.body, false, 'one progress field');
  assert.equal(r.body.sampled_frames, 0);
  assert.equal(r.body.face_count, 0);
  assert.equal(r.body.error, null);
  assert.equal(r.body.filename, 'y.mp4');
  const missing = await api.call('GET', '/videos/00000000-0000-4000-8000-000000000000');
  assert.equal(missing.status, 404);
  assert.deepEqual(Object.keys(missing.body), ['error']);
  assert.equal(missing.body.error.code, 'NOT_FOUND');
  const bad = await api.call('GET', '/videos/42');
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error.code, 'INVALID_OPTION');
  assert.match(bad.body.error.message, /^id must be a UUID/);
});

test('DELETE /videos/:id: 204, rows and files gone; again → 404', async () => {
  const up = await upload({ stop_sec: '1' });
  assert.equal(up.status, 202);
  const dir = api.deps.store.files.path(`videos/${up.body.id}`);
  assert.ok(existsSync(dir));
  const del = await api.call('DELETE', `/videos/${up.body.id}`);
  assert.equal(del.status, 204);
  assert.equal(del.body, '');
  assert.equal(existsSync(dir), false);
  assert.equal((await sql(api.databaseUrl, 'SELECT 1 FROM videos WHERE id = $1', [up.body.id])).length, 0);
  assert.equal((await api.call('GET', `/videos/${up.body.id}`)).status, 404);
  const again = await api.call('DELETE', `/videos/${up.body.id}`);
  assert.equal(again.status, 404);
  assert.equal(again.body.error.code, 'NOT_FOUND');
});

test('unknown route → 404 in the same error shape', async () => {
  const r = await api.call('GET', '/nope');
  assert.equal(r.status, 404);
  assert.equal(r.body.error.code, 'NOT_FOUND');
});
