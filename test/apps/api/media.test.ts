// The stored video over HTTP range requests, and the media tokens that let <video>/<img> load it: a real server and
// database, a real file in storage.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseByteRange } from '../../../apps/api/byte-range.js';
import { createHmac } from 'node:crypto';
import { mintMediaToken, verifyMediaToken, MEDIA_TOKEN_TTL_S } from '../../../apps/api/media-token.js';
import { ApiKeyRepository, hashApiKey } from '../../../libs/store/index.js';
import { startApi, call, type RunningApi } from '../../e2e/support/api.js';
import { createTestKey, type TestKey } from '../../e2e/support/auth.js';

let api: RunningApi;
let other: TestKey;
let videoId: string;
const file = randomBytes(10_000);

before(async () => {
  api = await startApi('keycast_test_api_media');
  other = await createTestKey(api.databaseUrl, 'other-tenant');
  const v = await api.deps.store.videos.create({
    tenantId: api.auth.tenantId,
    options: {} as never,
    filename: 'clip.mp4',
    sourceKey: 'videos/pending/source.mp4',
    sizeBytes: file.length,
  });
  videoId = v.id;
  const key = api.deps.store.files.sourceKey(v.id, 'clip.mp4');
  await api.deps.store.db.video.update({ where: { id: v.id }, data: { sourceKey: key } });
  const path = api.deps.store.files.path(key);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, file);
});
after(async () => {
  await api?.close();
});

async function media(headers: Record<string, string> = {}, query = '') {
  const res = await fetch(`${api.baseUrl}/videos/${videoId}/media${query}`, { headers: { ...api.auth.headers, ...headers } });
  return { res, body: Buffer.from(await res.arrayBuffer()) };
}

async function token(headers = api.auth.headers): Promise<string> {
  const r = await call(api.baseUrl, 'POST', '/media-tokens', { headers });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.equal(r.headers.get('cache-control'), 'no-store');
  assert.equal(r.body.ttl_s, MEDIA_TOKEN_TTL_S);
  assert.ok(Math.abs(Date.parse(r.body.expires_at) - Date.now() - MEDIA_TOKEN_TTL_S * 1000) < 5000);
  return r.body.token;
}

test('a media token is valid only in the base64url spelling minted: padding, +/ or stray low bits of its signature → refused', () => {
  const secret = 'a-secret-of-enough-length-for-tests';
  const who = { tenantId: '00000000-0000-4000-8000-000000000001', keyId: '00000000-0000-4000-8000-000000000002' };
  const { token: t } = mintMediaToken(who, secret);
  assert.ok(verifyMediaToken(t, secret, 'media'), 'the minted spelling is valid');
  const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  // 32 bytes in 43 characters: the last character's two low bits are padding a lenient decoder ignores.
  const straybits = t.slice(0, -1) + B64URL[B64URL.indexOf(t.slice(-1)) ^ 1];
  const respellings = [`${t}=`, t.replace(/-/g, '+').replace(/_/g, '/'), straybits].filter((x) => x !== t);
  assert.ok(respellings.length >= 2);
  for (const bad of respellings) assert.equal(verifyMediaToken(bad, secret, 'media'), null, bad);
});

test('POST /media-tokens takes no fields: none or {} → 201; unknown fields, bad text, null or multipart → 400 INVALID_OPTION', async () => {
  const post = (body: string | undefined, contentType?: string) =>
    fetch(`${api.baseUrl}/media-tokens`, { method: 'POST', headers: { ...api.auth.headers, ...(contentType ? { 'content-type': contentType } : {}) }, body });
  assert.equal((await post(undefined)).status, 201);
  assert.equal((await post('{}', 'application/json')).status, 201);
  const multipart = '--b\r\nContent-Disposition: form-data; name="ttl_s"\r\n\r\n5\r\n--b--\r\n';
  for (const [body, type] of [
    ['{"zz":1}', 'application/json'],
    ['{"ttl_s":"\\u0000"}', 'application/json'],
    ['{"video_id":"\\ud800"}', 'application/json'],
    ['null', 'application/json'],
    [multipart, 'multipart/form-data; boundary=b'],
  ] as const) {
    const r = await post(body, type);
    assert.equal(r.status, 400, body);
    assert.equal(((await r.json()) as { error: { code: string } }).error.code, 'INVALID_OPTION', body);
  }
});

test('parseByteRange: one range, suffixes, clipping; several ranges or another unit are ignored; the rest is unsatisfiable', () => {
  assert.equal(parseByteRange(undefined, 100), null);
  assert.deepEqual(parseByteRange('bytes=0-9', 100), { start: 0, end: 9 });
  assert.deepEqual(parseByteRange('bytes=90-', 100), { start: 90, end: 99 });
  assert.deepEqual(parseByteRange('bytes=90-500', 100), { start: 90, end: 99 });
  assert.deepEqual(parseByteRange('bytes=-10', 100), { start: 90, end: 99 });
  assert.deepEqual(parseByteRange('bytes=-500', 100), { start: 0, end: 99 });
  assert.equal(parseByteRange('bytes=0-1, 5-6', 100), null);
  assert.equal(parseByteRange('items=0-1', 100), null);
  for (const bad of ['bytes=100-', 'bytes=5-2', 'bytes=-0', 'bytes=abc', 'bytes=-', 'bytes=', 'bytes=1-2-3'])
    assert.equal(parseByteRange(bad, 100), 'unsatisfiable', bad);
  assert.equal(parseByteRange('bytes=0-', 0), 'unsatisfiable');
});

test("the whole file: 200, Accept-Ranges, private caching, the container's type", async () => {
  const { res, body } = await media();
  assert.equal(res.status, 200);
  assert.ok(body.equals(file));
  assert.equal(res.headers.get('accept-ranges'), 'bytes');
  assert.equal(res.headers.get('content-type'), 'video/mp4');
  assert.equal(res.headers.get('content-length'), String(file.length));
  assert.match(res.headers.get('cache-control') ?? '', /^private\b/);
  assert.match(res.headers.get('vary') ?? '', /authorization/i);
  assert.ok(res.headers.get('etag'));
});

test('one range: 206 with the exact bytes and Content-Range; suffix and open ranges; several ranges: the whole file', async () => {
  for (const [range, start, end] of [
    ['bytes=0-99', 0, 99],
    ['bytes=9000-', 9000, 9999],
    ['bytes=-10', 9990, 9999],
    ['bytes=9990-20000', 9990, 9999],
  ] as const) {
    const { res, body } = await media({ range });
    assert.equal(res.status, 206, range);
    assert.equal(res.headers.get('content-range'), `bytes ${start}-${end}/${file.length}`, range);
    assert.equal(res.headers.get('content-length'), String(end - start + 1), range);
    assert.ok(body.equals(file.subarray(start, end + 1)), range);
    assert.match(res.headers.get('cache-control') ?? '', /^private\b/);
  }
  const { res, body } = await media({ range: 'bytes=0-1,5-6' });
  assert.equal(res.status, 200);
  assert.equal(body.length, file.length);
});

test('a range outside the file or malformed: 416 RANGE_NOT_SATISFIABLE with Content-Range bytes */size', async () => {
  for (const range of ['bytes=10000-', 'bytes=20000-30000', 'bytes=5-2', 'bytes=x-y']) {
    const { res, body } = await media({ range });
    assert.equal(res.status, 416, range);
    assert.equal(res.headers.get('content-range'), `bytes */${file.length}`);
    assert.equal(JSON.parse(body.toString()).error.code, 'RANGE_NOT_SATISFIABLE');
  }
});

test('a media token opens the media routes of its tenant only, and nothing else', async () => {
  const t = await token();
  const noKey = (path: string, headers: Record<string, string> = {}) => fetch(`${api.baseUrl}${path}`, { headers });
  const r = await noKey(`/videos/${videoId}/media?token=${encodeURIComponent(t)}`, { range: 'bytes=0-9' });
  assert.equal(r.status, 206);
  assert.ok(Buffer.from(await r.arrayBuffer()).equals(file.subarray(0, 10)));
  // Not a key: the other routes refuse it (and their query strings do not even take it).
  assert.equal((await noKey(`/videos/${videoId}?token=${encodeURIComponent(t)}`)).status, 401);
  assert.equal((await noKey(`/videos?token=${encodeURIComponent(t)}`)).status, 401);
  assert.equal((await fetch(`${api.baseUrl}/media-tokens?token=${encodeURIComponent(t)}`, { method: 'POST' })).status, 401);
  // Another tenant's token sees no such video.
  const theirs = await token(other.headers);
  assert.equal((await noKey(`/videos/${videoId}/media?token=${encodeURIComponent(theirs)}`)).status, 404);
  // Tampered, expired, malformed, or of the old format: 401 with the Bearer challenge.
  const tampered = t.slice(0, -2) + (t.endsWith('AA') ? 'BB' : 'AA');
  const keys = new ApiKeyRepository(api.deps.store.db);
  const mine = (await keys.list({ tenant: 'test' }))[0];
  const me = { tenantId: api.auth.tenantId, keyId: mine.id };
  const expired = mintMediaToken(me, api.config.mediaTokenSecret, { nowMs: Date.now() - (MEDIA_TOKEN_TTL_S + 1) * 1000 }).token;
  for (const bad of [tampered, expired, 'm1.nope', `m1.${mine.id}.99999999999.x`, t.replace(/^m2/, 'm3')]) {
    const res = await noKey(`/videos/${videoId}/media?token=${encodeURIComponent(bad)}`);
    assert.equal(res.status, 401, bad);
    assert.match(res.headers.get('www-authenticate') ?? '', /invalid_token/);
  }
  const spare = await createTestKey(api.databaseUrl, 'test');
  const spareToken = await token(spare.headers);
  const spareId = (await keys.list({ tenant: 'test' })).find((k) => k.prefix === spare.key.slice(0, 8))!.id;
  assert.equal((await noKey(`/videos/${videoId}/media?token=${encodeURIComponent(spareToken)}`)).status, 200);
  await keys.revoke(spareId);
  assert.equal((await noKey(`/videos/${videoId}/media?token=${encodeURIComponent(spareToken)}`)).status, 401, "a revoked key's tokens die with it");
});

/** A token of the m2 layout signed with any key: what an attacker who read some secret could make. */
function forge(hmacKey: string, parts: { tenantId: string; keyId: string; scope: string; exp: number }): string {
  const sig = createHmac('sha256', hmacKey).update(`keycast-media-token.m2.${parts.tenantId}.${parts.keyId}.${parts.scope}.${parts.exp}`).digest('base64url');
  return `m2.${parts.tenantId}.${parts.keyId}.${parts.scope}.${parts.exp}.${sig}`;
}

test('media tokens cannot be forged from a database read, live at most their TTL, and are bound to tenant, key and scope', async () => {
  const keys = new ApiKeyRepository(api.deps.store.db);
  const mine = (await keys.list({ tenant: 'test' }))[0];
  const theirs = (await keys.list({ tenant: 'other-tenant' }))[0];
  const row = await api.deps.store.db.apiKey.findUniqueOrThrow({ where: { id: mine.id }, select: { keyHash: true } });
  assert.equal(row.keyHash, hashApiKey(api.auth.key));
  const soon = Math.floor(Date.now() / 1000) + 600;
  const status = async (tok: string) => (await fetch(`${api.baseUrl}/videos/${videoId}/media?token=${encodeURIComponent(tok)}`)).status;
  const me = { tenantId: api.auth.tenantId, keyId: mine.id };
  // The control: the same claims signed with the service's secret open the video, so each refusal below is the change's.
  assert.equal(await status(forge(api.config.mediaTokenSecret, { ...me, scope: 'media', exp: soon })), 200);
  // Everything a database reader has: the key's stored hash (what m1 tokens were signed with), the old format with it.
  assert.equal(await status(forge(row.keyHash, { ...me, scope: 'media', exp: soon })), 401, 'signed with api_keys.key_hash');
  const m1sig = createHmac('sha256', row.keyHash).update(`keycast-media.m1.${mine.id}.${soon}`).digest('base64url');
  assert.equal(await status(`m1.${mine.id}.${soon}.${m1sig}`), 401, 'an m1 token signed with the key hash');
  // A life beyond the TTL was not minted here, even when signed with the real secret.
  assert.equal(await status(forge(api.config.mediaTokenSecret, { ...me, scope: 'media', exp: 999999999999 })), 401, 'exp=999999999999');
  const tooLong = Math.floor(Date.now() / 1000) + MEDIA_TOKEN_TTL_S + 600;
  assert.equal(await status(forge(api.config.mediaTokenSecret, { ...me, scope: 'media', exp: tooLong })), 401, 'exp beyond now + TTL');
  assert.ok(
    mintMediaToken(me, api.config.mediaTokenSecret, { ttlS: 10 ** 9 }).expiresAt.getTime() <= Date.now() + MEDIA_TOKEN_TTL_S * 1000 + 1000,
    'minting caps the TTL',
  );
  // Bound to its scope and tenant: another scope, or my key claimed for another tenant (or theirs for mine), is refused.
  assert.equal(await status(forge(api.config.mediaTokenSecret, { ...me, scope: 'admin', exp: soon })), 401, 'another scope');
  assert.equal(
    await status(forge(api.config.mediaTokenSecret, { tenantId: theirs.tenantId, keyId: mine.id, scope: 'media', exp: soon })),
    401,
    'my key, their tenant',
  );
  assert.equal(
    await status(forge(api.config.mediaTokenSecret, { tenantId: api.auth.tenantId, keyId: theirs.id, scope: 'media', exp: soon })),
    401,
    'their key, my tenant',
  );
  // Their genuine token works for them only: my video is not theirs.
  assert.equal(await status(forge(api.config.mediaTokenSecret, { tenantId: theirs.tenantId, keyId: theirs.id, scope: 'media', exp: soon })), 404);
});

test('the OpenAPI document describes the media route, the token route and the mediaToken scheme', async () => {
  const doc = (await call(api.baseUrl, 'GET', '/openapi.json')).body;
  assert.equal(doc.components.securitySchemes.mediaToken.in, 'query');
  assert.equal(doc.components.securitySchemes.mediaToken.name, 'token');
  const get = doc.paths['/videos/{id}/media'].get;
  assert.ok(get.responses['206'] && get.responses['416']);
  assert.ok(get.parameters.some((p: any) => p.name === 'token' && p.in === 'query'));
  assert.ok(doc.paths['/faces/{id}/thumbnail'].get.parameters.some((p: any) => p.name === 'token'));
  assert.ok(doc.paths['/media-tokens'].post.responses['201']);
  // Generated clients send the bearer key, never the key in a URL: the token is no operation's required scheme.
  assert.deepEqual(get.security, [{ bearerAuth: [] }]);
});
