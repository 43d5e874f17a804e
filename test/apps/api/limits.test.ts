// Limits: accepted containers, codecs and duration (ffprobe, before a job is queued), request rate per key (Redis,
// shared by replicas), active jobs per tenant, body and query sizes, server timeouts. Every refusal leaves nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { startApi, type RunningApi } from '../../e2e/support/api.js';
import { createTestKey } from '../../e2e/support/auth.js';
import { sql, tempDir, uniquePrefix, waitFor } from '../../e2e/support/services.js';
import { filesUnder } from '../../helpers/files.js';
import { multipartBody, type RawPart } from '../../helpers/multipart.js';
import { makeUploadMedia, type UploadMedia } from '../../helpers/upload-media.js';

let api: RunningApi;
let media: UploadMedia;
const scratch = tempDir('limits-media');

before(async () => {
  media = makeUploadMedia(scratch.dir);
  api = await startApi('keycast_test_api_limits', { maxVideoSeconds: 10 });
});
after(async () => {
  await api?.close();
  scratch.cleanup();
});

type Inject = { statusCode: number; headers: Record<string, unknown>; json(): any };

function upload(target: RunningApi, parts: RawPart[], headers: Record<string, string> = target.auth.headers): Promise<Inject> {
  const { body, contentType } = multipartBody(parts);
  return target.app.inject({ method: 'POST', url: '/videos', headers: { ...headers, 'content-type': contentType }, payload: body });
}
const fileOf = (bytes: Uint8Array, filename = 'clip.mp4'): RawPart => ({ name: 'file', value: bytes, filename });
const stored = (target: RunningApi) => filesUnder(target.config.storageDir);
const rows = async (target: RunningApi) => Number((await sql<{ n: string }>(target.databaseUrl, 'SELECT count(*) AS n FROM videos'))[0].n);

test('containers, codecs, non-videos: 415 with a code of its own, before any job; nothing stored', async () => {
  const cases: [string, Buffer, string, number, string, RegExp][] = [
    ['text', media.text, 'notes.mp4', 415, 'UNSUPPORTED_MEDIA', /not a/],
    ['png still', media.png, 'still.png', 415, 'UNSUPPORTED_MEDIA', /png/],
    ['gif', media.gif, 'anim.gif', 415, 'UNSUPPORTED_MEDIA', /gif/],
    ['wav audio', media.wav, 'sound.wav', 415, 'UNSUPPORTED_MEDIA', /wav/],
    ['audio-only mp4', media.m4a, 'sound.m4a', 415, 'UNSUPPORTED_MEDIA', /no video stream/],
    ['empty file', Buffer.alloc(0), 'empty.mp4', 415, 'UNSUPPORTED_MEDIA', /empty/],
    ['h264 elementary stream', media.h264, 'raw.h264', 415, 'UNSUPPORTED_CONTAINER', /container h264/],
    ['HLS playlist naming a link-local URL and a local file', media.hls, 'list.m3u8', 415, 'UNSUPPORTED_CONTAINER', /container hls/],
    ['uncompressed video in AVI', media.rawAvi, 'raw.avi', 415, 'UNSUPPORTED_CODEC', /codec rawvideo/],
    ['mp4 cut in half', media.truncatedMp4, 'cut.mp4', 422, 'TRUNCATED_VIDEO', /truncated/],
  ];
  const rowsBefore = await rows(api);
  const waiting = (await api.deps.queues.extract.getJobCounts()).waiting;
  for (const [what, bytes, name, status, code, message] of cases) {
    const r = await upload(api, [fileOf(bytes, name)]);
    assert.equal(r.statusCode, status, `${what}: ${JSON.stringify(r.json())}`);
    assert.equal(r.json().error.code, code, what);
    assert.match(r.json().error.message, message, what);
    assert.doesNotMatch(r.json().error.message, /\/tmp\/|keycast-api-|videos\//, `${what}: no storage path in the message`);
  }
  assert.deepEqual(stored(api), [], 'no refused upload left a file');
  assert.equal(await rows(api), rowsBefore, 'no row');
  assert.equal((await api.deps.queues.extract.getJobCounts()).waiting, waiting, 'no job');
});

test('accepted containers: mp4 and Matroska → 202; a container outside ALLOWED_CONTAINERS → 415 UNSUPPORTED_CONTAINER', async () => {
  for (const [bytes, name] of [
    [media.mp4, 'a.mp4'],
    [media.mkv, 'a.mkv'],
  ] as const) {
    const r = await upload(api, [fileOf(bytes, name)]);
    assert.equal(r.statusCode, 202, JSON.stringify(r.json()));
  }
  const mp4Only = await startApi('keycast_test_api_limits_mp4only', { allowedContainers: ['mov', 'mp4'], allowedVideoCodecs: ['hevc'] });
  try {
    const mkv = await upload(mp4Only, [fileOf(media.mkv, 'a.mkv')]);
    assert.equal(mkv.statusCode, 415);
    assert.equal(mkv.json().error.code, 'UNSUPPORTED_CONTAINER');
    assert.match(mkv.json().error.message, /matroska/);
    const h264 = await upload(mp4Only, [fileOf(media.mp4, 'a.mp4')]);
    assert.equal(h264.statusCode, 415);
    assert.equal(h264.json().error.code, 'UNSUPPORTED_CODEC');
    assert.match(h264.json().error.message, /h264.*accepted: hevc/);
    assert.deepEqual(stored(mp4Only), []);
    assert.equal(await rows(mp4Only), 0);
  } finally {
    await mp4Only.close();
  }
});

test('MAX_VIDEO_SECONDS: a 2 s video over a 1 s limit → 422 VIDEO_TOO_LONG, nothing stored', async () => {
  const short = await startApi('keycast_test_api_limits_duration', { maxVideoSeconds: 1 });
  try {
    const r = await upload(short, [fileOf(media.mp4)]);
    assert.equal(r.statusCode, 422);
    assert.equal(r.json().error.code, 'VIDEO_TOO_LONG');
    assert.match(r.json().error.message, /2\.0 s.*limit of 1 s/);
    assert.deepEqual(stored(short), []);
    assert.equal(await rows(short), 0);
    assert.equal((await short.deps.queues.extract.getJobCounts()).waiting, 0);
  } finally {
    await short.close();
  }
});

test('rate limit per key, counted in Redis: 429 RATE_LIMITED with Retry-After; other keys and /health unaffected; a second replica shares the count', async () => {
  const queuePrefix = uniquePrefix('ratelimit');
  const limits = { rateLimitMax: 3, rateLimitWindowMs: 60_000, queuePrefix };
  const a = await startApi('keycast_test_api_limits_rate', limits);
  const b = await startApi('keycast_test_api_limits_rate', { ...limits, databaseUrl: a.databaseUrl });
  try {
    const other = await createTestKey(a.databaseUrl, 'other');
    const get = (t: RunningApi, headers: Record<string, string>, url = '/videos') => t.app.inject({ method: 'GET', url, headers }) as Promise<Inject>;
    const seen: number[] = [];
    for (let i = 0; i < 3; i++) seen.push((await get(a, a.auth.headers)).statusCode);
    assert.deepEqual(seen, [200, 200, 200]);
    const limited = await get(a, a.auth.headers);
    assert.equal(limited.statusCode, 429);
    assert.deepEqual(Object.keys(limited.json()), ['error']);
    assert.equal(limited.json().error.code, 'RATE_LIMITED');
    assert.match(limited.json().error.message, /3 requests per 60 s/);
    const retryAfter = Number(limited.headers['retry-after']);
    assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60, `Retry-After ${String(limited.headers['retry-after'])}`);
    assert.equal(limited.headers['x-ratelimit-remaining'], '0');
    // The same key on the other replica: the count is in Redis, not in one process.
    const viaB = await get(b, a.auth.headers);
    assert.equal(viaB.statusCode, 429, 'replica B sees the key over its limit');
    // Another key of another tenant, and the probes, still pass.
    assert.equal((await get(a, other.headers)).statusCode, 200);
    for (let i = 0; i < 6; i++) assert.equal((await get(a, {}, '/health')).statusCode, 200);
    // Requests without a key are counted per address, before authentication: a flood of bad keys is limited too.
    const anon: number[] = [];
    for (let i = 0; i < 4; i++) anon.push((await get(a, {})).statusCode);
    assert.deepEqual(anon, [401, 401, 401, 429]);
    const keys = await a.deps.queues.connection.keys(`${queuePrefix}:ratelimit:*`);
    assert.ok(keys.length >= 3, `rate-limit counters live in Redis under the deployment's prefix (${keys.length})`);
    await a.deps.queues.connection.del(...keys);
  } finally {
    await b.close();
    await a.close();
  }
});

test('MAX_ACTIVE_JOBS_PER_TENANT: a tenant with 2 videos queued gets 429 TOO_MANY_JOBS (nothing stored); other tenants do not; a finished video frees a slot', async () => {
  const q = await startApi('keycast_test_api_limits_jobs', { maxActiveJobsPerTenant: 2 });
  try {
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      const r = await upload(q, [fileOf(media.mp4)]);
      assert.equal(r.statusCode, 202);
      ids.push(r.json().id);
    }
    const filesBefore = stored(q);
    const third = await upload(q, [fileOf(media.mp4)]);
    assert.equal(third.statusCode, 429);
    assert.equal(third.json().error.code, 'TOO_MANY_JOBS');
    assert.match(third.json().error.message, /2 of your videos .*limit 2/);
    assert.deepEqual(stored(q), filesBefore, 'the refused upload left no file');
    assert.equal(await rows(q), 2);
    const other = await createTestKey(q.databaseUrl, 'other-tenant');
    assert.equal((await upload(q, [fileOf(media.mp4)], other.headers)).statusCode, 202);
    await q.deps.store.videos.markReady(ids[0], { faceCount: 0, frameCount: 0, timings: {} });
    assert.equal((await upload(q, [fileOf(media.mp4)])).statusCode, 202, 'a ready video no longer counts');
  } finally {
    await q.close();
  }
});

test('BODY_LIMIT_BYTES bounds non-multipart bodies (413); uploads are bounded by MAX_UPLOAD_BYTES only', async () => {
  const small = await startApi('keycast_test_api_limits_body', { bodyLimitBytes: 1024 });
  try {
    const json = await small.app.inject({
      method: 'POST',
      url: '/videos',
      headers: { ...small.auth.headers, 'content-type': 'application/json' },
      payload: JSON.stringify({ pad: 'x'.repeat(4096) }),
    });
    assert.equal(json.statusCode, 413);
    assert.equal(json.json().error.code, 'PAYLOAD_TOO_LARGE');
    assert.match(json.json().error.message, /body larger than the limit of 1024 bytes/);
    assert.ok(media.mp4.length > 1024);
    assert.equal((await upload(small, [fileOf(media.mp4)])).statusCode, 202);
  } finally {
    await small.close();
  }
});

test('MAX_QUERY_BYTES: a longer query string → 414 URI_TOO_LONG, one at the limit is read; an over-long path parameter → 414 too', async () => {
  const max = api.config.maxQueryBytes;
  const at = `limit=5&owner=${'o'.repeat(max - 'limit=5&owner='.length)}`;
  assert.equal(at.length, max);
  const ok = await api.app.inject({ method: 'GET', url: `/videos?${at}`, headers: api.auth.headers });
  assert.equal(ok.statusCode, 400, 'at the limit the query is read (and its owner, over 200 characters, refused by the schema)');
  assert.equal(ok.json().error.code, 'INVALID_OPTION');
  const over = await api.app.inject({ method: 'GET', url: `/videos?${at}x`, headers: api.auth.headers });
  assert.equal(over.statusCode, 414);
  assert.equal(over.json().error.code, 'URI_TOO_LONG');
  const pathParam = await api.app.inject({ method: 'GET', url: `/videos/${'a'.repeat(5000)}`, headers: api.auth.headers });
  assert.equal(pathParam.statusCode, 414, 'a path parameter longer than 100 characters');
  assert.equal(pathParam.json().error.code, 'URI_TOO_LONG');
});

test('server timeouts come from the configuration', () => {
  const s = api.app.server;
  assert.equal(s.timeout, api.config.idleTimeoutMs);
  assert.equal(s.requestTimeout, api.config.requestTimeoutMs);
  assert.equal(s.keepAliveTimeout, api.config.keepAliveTimeoutMs);
  assert.deepEqual([api.config.idleTimeoutMs, api.config.requestTimeoutMs, api.config.keepAliveTimeoutMs], [60_000, 3_600_000, 72_000]);
});

test('IDLE_TIMEOUT_MS: an upload that stalls mid-file is cut off and its partial file removed', async () => {
  const idle = await startApi('keycast_test_api_limits_idle', { idleTimeoutMs: 400 });
  try {
    const { body, contentType } = multipartBody([fileOf(media.mkv, 'stall.mkv')]);
    const port = (idle.app.server.address() as AddressInfo).port;
    const sock = connect(port, '127.0.0.1');
    await new Promise<void>((r) => sock.once('connect', () => r()));
    const closed = new Promise<string>((r) => {
      let answer = '';
      sock.on('data', (c) => {
        answer += c.toString();
      });
      sock.on('close', () => r(answer));
    });
    const head = [
      `POST /videos HTTP/1.1`,
      `Host: 127.0.0.1:${port}`,
      `Authorization: ${idle.auth.headers.authorization}`,
      `Content-Type: ${contentType}`,
      `Content-Length: ${body.length}`,
      '',
      '',
    ].join('\r\n');
    sock.write(head);
    sock.write(body.subarray(0, Math.floor(body.length / 2)));
    // The server streams the first half to a .part file, then hears nothing more.
    await waitFor(async () => filesUnder(idle.config.storageDir).some((f) => f.endsWith('.part')), { what: 'the partial upload on disk', timeoutMs: 10_000 });
    const answer = await closed;
    assert.doesNotMatch(answer, /^HTTP\/1\.1 2/, 'no success answer');
    await waitFor(async () => filesUnder(idle.config.storageDir).length === 0, { what: 'the partial file removed', timeoutMs: 10_000 });
    assert.equal(await rows(idle), 0);
  } finally {
    await idle.close();
  }
});

test('limits documented: every limited route lists 414 and 429 in the OpenAPI document; POST /videos lists 413 and 415', async () => {
  const doc = api.app.swagger() as unknown as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
  let routes = 0;
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      if (path === '/health' || path === '/ready') continue;
      routes++;
      for (const s of ['414', '429']) assert.ok(op.responses[s], `${method.toUpperCase()} ${path} documents ${s}`);
    }
  }
  assert.ok(routes >= 7, `${routes} routes`);
  for (const s of ['413', '415', '422', '429']) assert.ok(doc.paths['/videos'].post.responses[s], `POST /videos documents ${s}`);
});
