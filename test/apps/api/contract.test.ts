// The API contract (issue 10): what an upload is refused for before it is queued (credentials in callback URLs,
// option combinations the probed video cannot satisfy), and nothing of a refusal is kept.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_EXTRACT } from '../../../libs/config/index.js';
import { startApi, type RunningApi } from '../../e2e/support/api.js';
import { sql } from '../../e2e/support/services.js';
import { createLogger } from '../../../libs/logger/index.js';
import { filesUnder } from '../../helpers/files.js';
import { multipartBody, type RawPart } from '../../helpers/multipart.js';
import { makeUploadMedia, type UploadMedia } from '../../helpers/upload-media.js';

let api: RunningApi;
let media: UploadMedia;
const outer = mkdtempSync(join(tmpdir(), 'keycast-contract-'));
const storageDir = join(outer, 'storage');

before(async () => {
  media = makeUploadMedia(mkdtempSync(join(outer, 'media-')));
  api = await startApi('keycast_test_api_contract', { storageDir, maxActiveJobsPerTenant: 0, rateLimitMax: 100_000, webhookAllowedHosts: ['127.0.0.1'] });
});
after(async () => {
  await api?.close();
  rmSync(outer, { recursive: true, force: true });
});

type Inject = { statusCode: number; headers: Record<string, unknown>; body: string; json(): any };
function upload(parts: RawPart[]): Promise<Inject> {
  const { body, contentType } = multipartBody(parts);
  return api.app.inject({ method: 'POST', url: '/videos', headers: { ...api.auth.headers, 'content-type': contentType }, payload: body });
}
const video = (): RawPart => ({ name: 'file', value: media.mp4, filename: 'clip.mp4' });
const videoRows = async () => Number((await sql<{ n: string }>(api.databaseUrl, 'SELECT count(*) AS n FROM videos'))[0].n);
const stored = () => filesUnder(storageDir);

test('callback_url with credentials (user:password@, user@) → 400 INVALID_CALLBACK_URL saying why; nothing stored, echoed or queued', async () => {
  const rows = await videoRows();
  const files = stored();
  for (const url of ['http://user:secret-pw@127.0.0.1:9/hook', 'https://token@127.0.0.1/hook', 'http://:secret-pw@127.0.0.1/']) {
    const r = await upload([{ name: 'callback_url', value: url }, video()]);
    assert.equal(r.statusCode, 400, `${url}: ${r.body}`);
    assert.equal(r.json().error.code, 'INVALID_CALLBACK_URL');
    assert.match(r.json().error.message, /credentials/);
    assert.ok(!r.body.includes('secret-pw'), 'the password is not echoed');
  }
  assert.equal(await videoRows(), rows);
  assert.deepEqual(stored(), files);
  const jobs = await api.deps.queues.counts();
  assert.equal(jobs.extract.waiting ?? 0, 0);
  // Without credentials the same receiver is accepted.
  const ok = await upload([{ name: 'callback_url', value: 'http://127.0.0.1:9/hook' }, video()]);
  assert.equal(ok.statusCode, 202, ok.body);
});

test('option combinations the video cannot satisfy are refused before queueing: skip_sec >= stop_sec, skip_sec at or past the duration', async () => {
  const rows = await videoRows();
  const files = stored();
  const cases: [RawPart[], RegExp][] = [
    [
      [
        { name: 'skip_sec', value: '5' },
        { name: 'stop_sec', value: '2' },
      ],
      /stop_sec \(2\) must be greater than skip_sec \(5\)/,
    ],
    [
      [
        { name: 'skip_sec', value: '3' },
        { name: 'stop_sec', value: '3' },
      ],
      /stop_sec \(3\) must be greater than skip_sec \(3\)/,
    ],
    // The test video lasts 2 s: known only once it is probed.
    [[{ name: 'skip_sec', value: '100' }], /skip_sec \(100\) must be less than the video's duration \(2\.000 s\)/],
    [[{ name: 'skip_sec', value: '2' }], /skip_sec \(2\) must be less than the video's duration/],
  ];
  for (const [fields, message] of cases) {
    const r = await upload([...fields, video()]);
    assert.equal(r.statusCode, 400, `${JSON.stringify(fields)}: ${r.body}`);
    assert.equal(r.json().error.code, 'INVALID_OPTION');
    assert.match(r.json().error.message, message);
  }
  assert.equal(await videoRows(), rows, 'no row');
  assert.deepEqual(stored(), files, 'no file');
  const ok = await upload([{ name: 'skip_sec', value: '1' }, { name: 'stop_sec', value: '50' }, video()]);
  assert.equal(ok.statusCode, 202, 'a range inside the video (stop_sec past the end = to the end) is fine');
});

test('GET /videos/:id/deliveries shows each webhook attempt, oldest first: status or error, duration, delivered', async () => {
  const { store } = api.deps;
  const v = await store.videos.create({
    tenantId: api.auth.tenantId,
    options: { ...DEFAULT_EXTRACT },
    sourceKey: 'videos/d/source.mp4',
    sizeBytes: 1,
    callbackUrl: 'http://127.0.0.1:9/hook',
  });
  const empty = await api.call('GET', `/videos/${v.id}/deliveries`);
  assert.equal(empty.status, 200);
  assert.deepEqual(empty.body.items, []);
  const base = { videoId: v.id, eventId: 'webhook-x-video_ready', event: 'video.ready', url: 'http://127.0.0.1:9/hook' };
  await store.deliveries.record({ ...base, attempt: 1, statusCode: 500, error: 'HTTP 500', durationMs: 12.34, delivered: false });
  await store.deliveries.record({ ...base, attempt: 2, statusCode: null, error: 'timeout: no answer within 5000 ms', durationMs: 5000, delivered: false });
  await store.deliveries.record({ ...base, attempt: 3, statusCode: 204, error: null, durationMs: 3.21, delivered: true });
  const r = await api.call('GET', `/videos/${v.id}/deliveries`);
  assert.equal(r.status, 200);
  assert.deepEqual(
    r.body.items.map((d: any) => [d.event_id, d.event, d.attempt, d.status_code, d.error, d.delivered, d.duration_ms]),
    [
      ['webhook-x-video_ready', 'video.ready', 1, 500, 'HTTP 500', false, 12.3],
      ['webhook-x-video_ready', 'video.ready', 2, null, 'timeout: no answer within 5000 ms', false, 5000],
      ['webhook-x-video_ready', 'video.ready', 3, 204, null, true, 3.2],
    ],
  );
  for (const d of r.body.items) assert.ok(!Number.isNaN(Date.parse(d.created_at)));
  assert.equal((await api.call('GET', `/videos/${randomUUID()}/deliveries`)).status, 404);
});

test('answers the HTTP parser gives (headers or path over 16 KiB) are in the one error shape: 431 HEADERS_TOO_LARGE', async () => {
  for (const init of [
    { url: `${api.baseUrl}/videos`, headers: { ...api.auth.headers, 'x-big': 'a'.repeat(20_000) } },
    { url: `${api.baseUrl}/videos/${'a'.repeat(20_000)}`, headers: api.auth.headers },
  ]) {
    const r = await fetch(init.url, { headers: init.headers });
    assert.equal(r.status, 431);
    assert.match(r.headers.get('content-type') ?? '', /^application\/json/);
    const body = (await r.json()) as { error: { code: string; message: string } };
    assert.deepEqual(Object.keys(body), ['error']);
    assert.equal(body.error.code, 'HEADERS_TOO_LARGE');
    assert.match(body.error.message, /16 KiB/);
  }
  const unknown = await api.call('OPTIONS', '/nope');
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body.error.code, 'NOT_FOUND');
});

test('validation messages say what the parameter must be and what was sent; unknown names get the closest known one', async () => {
  const id = randomUUID();
  const cases: [string, string][] = [
    [`/videos/${id}/clusters?sim=abc`, 'sim must be a number in [0, 1] or "auto", got "abc"'],
    [`/videos/${id}/clusters?simm=0.5`, 'unknown parameter "simm": did you mean sim?'],
    [`/videos/${id}/clusters?min_csize=2.5`, 'min_csize must be an integer >= 1, got "2.5"'],
    [`/videos/${id}/clusters?merge=yes`, 'merge must be true or false, got "yes"'],
    ['/videos/xyz', 'id must be a UUID (8-4-4-4-12 hexadecimal digits), got "xyz"'],
    ['/videos?limit=0', 'limit must be an integer in [1, 100], got "0"'],
    ['/videos?status=done', 'status must be one of downloading, queued, processing, ready, failed, got "done"'],
    [`/videos/${id}/faces?cluster=main`, 'cluster must be a cluster id (0, 1, …) or "unclustered", got "main"'],
  ];
  for (const [path, message] of cases) {
    const r = await api.call('GET', path);
    assert.equal(r.status, 400, path);
    assert.equal(r.body.error.message, message, path);
    assert.doesNotMatch(r.body.error.message, /anyOf|schema|querystring|params\./, path);
  }
});

test('query integers are finite decimals: infinities, 1e309, hex, binary and padded spellings → 400 INVALID_OPTION, never 500 or a default', async () => {
  const id = randomUUID();
  const routes = [
    '/videos?limit=',
    '/people?limit=',
    `/people/${id}/history?limit=`,
    `/videos/${id}/clusters?faces_per_cluster=`,
    `/videos/${id}/clusters?faces_limit=`,
    `/videos/${id}/faces?limit=`,
    `/videos/${id}/questions?limit=`,
  ];
  for (const route of routes) {
    for (const value of ['Infinity', '-Infinity', '1e309', '0x10', '0b1', ' 1', '1 ']) {
      const r = await api.call('GET', route + encodeURIComponent(value));
      assert.equal(r.status, 400, `${route}${value}`);
      assert.equal(r.body.error.code, 'INVALID_OPTION', `${route}${value}`);
      assert.match(r.body.error.message, /must be an integer/, `${route}${value}`);
    }
  }
  assert.equal((await api.call('GET', '/videos?limit=Infinity')).body.error.message, 'limit must be an integer in [1, 100], got "Infinity"');
  assert.equal((await api.call('GET', '/videos?limit=5')).status, 200);
  // Routes without parameters refuse any, as the others do.
  for (const path of [`/videos/${id}/deliveries?zz=1`, `/videos/${id}/deliveries?limit=NaN`, `/people/${id}/appearances?zz=1`]) {
    const r = await api.call('GET', path);
    assert.equal(r.status, 400, path);
    assert.equal(r.body.error.code, 'INVALID_OPTION', path);
    assert.match(r.body.error.message, /unknown parameter/, path);
  }
});

test('one boolean rule everywhere (true or false), upload and query alike; an upload field the form lacks names the closest one', async () => {
  const one = await upload([{ name: 'use_scene_transition', value: '1' }, video()]);
  assert.equal(one.statusCode, 400);
  assert.equal(one.json().error.message, 'use_scene_transition must be true or false, got "1"');
  const q = await api.call('GET', `/videos/${randomUUID()}/clusters?cannot_link=1`);
  assert.equal(q.status, 400);
  assert.equal(q.body.error.message, 'cannot_link must be true or false, got "1"');
  assert.equal((await upload([{ name: 'use_scene_transition', value: 'true' }, video()])).statusCode, 202);
  const near = await upload([{ name: 'capture-interval-sec', value: '2' }, video()]);
  assert.equal(near.statusCode, 400);
  assert.equal(near.json().error.code, 'UNKNOWN_OPTION');
  assert.equal(near.json().error.message, 'unknown field "capture-interval-sec": did you mean capture_interval_sec?');
  const typo = await upload([{ name: 'callback_ur', value: 'http://127.0.0.1:9/' }, video()]);
  assert.match(typo.json().error.message, /did you mean callback_url\?/);
  const clustering = await upload([{ name: 'sim', value: '0.5' }, video()]);
  assert.equal(clustering.json().error.code, 'UNKNOWN_OPTION');
  assert.match(clustering.json().error.message, /sim is a clustering option: pass it to GET \/videos\/:id\/clusters/);
  const far = await upload([{ name: 'zzzzzzzz', value: '1' }, video()]);
  assert.match(far.json().error.message, /known ones are file, url, callback_url, owner, capture_interval_sec/);
});

test('figures named for what they are: one progress field, sampled_frames vs media.frame_count, started_at kept across a retry, wall-clock timings that add up, no internal linkage field', async () => {
  const { store } = api.deps;
  const probe = { path: 'x.mp4', duration_s: 4, fps: 25, width: 64, height: 48, rotation: 0, codec: 'h264', frame_count: 100 };
  const v = await store.videos.create({ tenantId: api.auth.tenantId, options: { ...DEFAULT_EXTRACT }, sourceKey: 'videos/f/source.mp4', sizeBytes: 1, probe });
  await sql(api.databaseUrl, "UPDATE videos SET created_at = now() - interval '2 seconds' WHERE id = $1", [v.id]);
  await store.videos.markProcessing(v.id, 1, probe);
  const started = (await store.videos.get(v.id))!.startedAt!;
  await new Promise((r) => setTimeout(r, 50));
  await store.videos.markFailed(v.id, 'DECODE_FAILED', 'killed');
  await store.videos.markProcessing(v.id, 1, probe); // the retry
  assert.equal((await store.videos.get(v.id))!.startedAt!.getTime(), started.getTime(), 'a retry keeps started_at');
  await store.segments.ensure(v.id, [{ idx: 0, startS: 0, endS: 4 }]);
  await store.segments.markDone(v.id, 0, { frames: 4, faces: 0, timings: { extract_ms: 900, decode_ms: 400, detect_ms: 2500, cloth_ms: 10 } });
  const { finalizeVideo } = await import('../../../apps/worker/finalize.js');
  await finalizeVideo(
    { ...api.deps, log: createLogger({ component: 'test', level: 'silent' }), pool: () => Promise.reject(new Error('unused')), close: async () => {} },
    v.id,
  );
  const r = await api.call('GET', `/videos/${v.id}`);
  assert.equal(r.status, 200);
  const body = r.body;
  assert.equal(body.progress, 1);
  assert.equal('progress_percent' in body, false);
  assert.equal('frame_count' in body, false, 'no ambiguous frame_count at the top level');
  assert.equal(body.sampled_frames, 4);
  assert.equal(body.media.frame_count, 100);
  assert.equal(body.started_at, started.toISOString());
  const t = body.timings;
  assert.equal(t.total_ms, t.queue_ms + t.processing_ms, JSON.stringify(t));
  assert.ok(t.queue_ms >= 1900, 'queue time is upload to first start');
  assert.equal(t.detect_ms, 2500, 'work figures are sums over segments (documented as such)');
});
