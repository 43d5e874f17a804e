// API keys on a real server: who gets 401, which routes stay open, last_used_at, revoked and deleted tenants.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { createHash } from 'node:crypto';
import { startApi, call, type RunningApi } from '../../e2e/support/api.js';
import { createTestKey } from '../../e2e/support/auth.js';
import { sql } from '../../e2e/support/services.js';

let api: RunningApi;
let doc: any;

before(async () => {
  api = await startApi('keycast_test_api_auth');
  doc = (await call(api.baseUrl, 'GET', '/openapi.json')).body;
});
after(async () => {
  await api?.close();
});

/** Asserts the 401 answer: status, the error shape with UNAUTHORIZED, the Bearer challenge. */
function assertUnauthorized(r: { status: number; body: any; headers: Headers }, what: string) {
  assert.equal(r.status, 401, `${what}: ${JSON.stringify(r.body)}`);
  assert.deepEqual(Object.keys(r.body), ['error'], what);
  assert.equal(r.body.error.code, 'UNAUTHORIZED', what);
  assert.equal(typeof r.body.error.message, 'string', what);
  assert.match(r.headers.get('www-authenticate') ?? '', /^Bearer\b/, what);
}

/** A request with a raw path, as a client that does not normalise URLs sends it. */
function rawGet(path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const u = new URL(api.baseUrl);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: u.hostname, port: u.port, path, method: 'GET', headers }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Every operation of the OpenAPI document with a concrete path (ids that exist nowhere: auth comes first). */
function operations(): { method: string; path: string; secured: boolean }[] {
  const ops: { method: string; path: string; secured: boolean }[] = [];
  for (const [path, item] of Object.entries<any>(doc.paths)) {
    for (const [method, op] of Object.entries<any>(item)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      const concrete = path.replace('{id}', path.startsWith('/faces') ? '1' : '00000000-0000-4000-8000-000000000000');
      ops.push({ method: method.toUpperCase(), path: concrete, secured: Array.isArray(op.security) && op.security.length > 0 });
    }
  }
  return ops;
}

test('every protected operation of the OpenAPI document answers 401 without a key; the open ones are exactly /health and /ready', async () => {
  const ops = operations();
  assert.ok(ops.length >= 10, `${ops.length} operations`);
  const open = ops
    .filter((o) => !o.secured)
    .map((o) => `${o.method} ${o.path}`)
    .sort();
  assert.deepEqual(open, ['GET /health', 'GET /ready']);
  for (const o of ops.filter((x) => x.secured)) assertUnauthorized(await call(api.baseUrl, o.method, o.path), `${o.method} ${o.path}`);
});

test('missing, malformed, unknown and revoked keys → 401 UNAUTHORIZED with a Bearer challenge', async () => {
  const fresh = await createTestKey(api.databaseUrl, 'auth-cases');
  const unknown = `kc_${Buffer.alloc(32, 7).toString('base64url')}`;
  const cases: [string, Record<string, string>][] = [
    ['no header', {}],
    ['empty header', { authorization: '' }],
    ['Basic scheme', { authorization: `Basic ${Buffer.from(`user:${fresh.key}`).toString('base64')}` }],
    ['the key without a scheme', { authorization: fresh.key }],
    ['Bearer and nothing', { authorization: 'Bearer' }],
    ['Bearer and spaces', { authorization: 'Bearer    ' }],
    ['two tokens', { authorization: `Bearer ${fresh.key} ${fresh.key}` }],
    ['a key of the wrong shape', { authorization: 'Bearer kc_short' }],
    ['a key one character off', { authorization: `Bearer ${fresh.key.slice(0, -1)}${fresh.key.endsWith('A') ? 'B' : 'A'}` }],
    ['an unknown key of the right shape', { authorization: `Bearer ${unknown}` }],
    ['the sha256 of the key instead of the key', { authorization: `Bearer ${createHash('sha256').update(fresh.key).digest('hex')}` }],
  ];
  for (const [what, headers] of cases) assertUnauthorized(await call(api.baseUrl, 'GET', '/videos', { headers }), what);
  const noHeader = await call(api.baseUrl, 'GET', '/videos');
  assert.equal(noHeader.headers.get('www-authenticate'), 'Bearer realm="keycast"', 'no token sent: a plain challenge');
  const bad = await call(api.baseUrl, 'GET', '/videos', { headers: { authorization: `Bearer ${unknown}` } });
  assert.match(bad.headers.get('www-authenticate') ?? '', /error="invalid_token"/);

  // The same key is fine, with the scheme in any case (RFC 7235: schemes are case-insensitive) …
  assert.equal((await call(api.baseUrl, 'GET', '/videos', { headers: fresh.headers })).status, 200);
  assert.equal((await call(api.baseUrl, 'GET', '/videos', { headers: { authorization: `bearer ${fresh.key}` } })).status, 200);
  // … until it is revoked: the next request is refused, and revoking touches no other key.
  const [{ id }] = await sql<{ id: string }>(api.databaseUrl, 'SELECT k.id FROM api_keys k WHERE k.key_hash = $1', [
    createHash('sha256').update(fresh.key).digest('hex'),
  ]);
  assert.ok(await api.deps.store.apiKeys.revoke(id));
  assertUnauthorized(await call(api.baseUrl, 'GET', '/videos', { headers: fresh.headers }), 'revoked key');
  assert.equal((await api.call('GET', '/videos')).status, 200, 'another key still works');
});

test('a key of a deleted tenant → 401 (its keys and videos go with it)', async () => {
  const gone = await createTestKey(api.databaseUrl, 'to-be-deleted');
  assert.equal((await call(api.baseUrl, 'GET', '/videos', { headers: gone.headers })).status, 200);
  await sql(api.databaseUrl, 'DELETE FROM tenants WHERE id = $1', [gone.tenantId]);
  assertUnauthorized(await call(api.baseUrl, 'GET', '/videos', { headers: gone.headers }), 'deleted tenant');
  assert.equal((await sql(api.databaseUrl, 'SELECT 1 FROM api_keys WHERE tenant_id = $1', [gone.tenantId])).length, 0);
});

test('open routes answer without a key, and ignore a bad one', async () => {
  const bad = { authorization: 'Bearer kc_nope' };
  for (const headers of [{}, bad]) {
    assert.equal((await call(api.baseUrl, 'GET', '/health', { headers })).status, 200);
    assert.equal((await call(api.baseUrl, 'GET', '/ready', { headers })).status, 200);
    assert.equal((await call(api.baseUrl, 'GET', '/openapi.json', { headers })).status, 200);
    const ui = await fetch(`${api.baseUrl}/docs/`, { headers });
    assert.equal(ui.status, 200);
    assert.match(await ui.text(), /swagger/i);
    const redirect = await fetch(`${api.baseUrl}/docs`, { headers, redirect: 'manual' });
    assert.ok(redirect.status === 200 || redirect.status === 302, `/docs → ${redirect.status}`);
  }
});

test('no spelling of a protected path gets through an open route; unknown routes need a key too', async () => {
  for (const path of [
    '/docs/../videos',
    '/docs/%2e%2e/videos',
    '/health/../videos',
    '//videos',
    '/videos/',
    '/VIDEOS',
    '/docs/..%2fvideos',
    '/openapi.json/../videos',
  ]) {
    const r = await rawGet(path);
    assert.equal(r.status, 401, `${path} → ${r.status}`);
    assert.doesNotMatch(r.body, /"items"/, `${path} must not list videos`);
  }
  assertUnauthorized(await call(api.baseUrl, 'GET', '/no-such-route'), 'unknown route');
  assert.equal((await api.call('GET', '/no-such-route')).status, 404, 'with a key: 404 as before');
});

test('HEAD of a protected route needs a key; a CORS-style OPTIONS carries no data', async () => {
  const head = await fetch(`${api.baseUrl}/videos`, { method: 'HEAD' });
  assert.equal(head.status, 401);
  const opt = await fetch(`${api.baseUrl}/videos`, { method: 'OPTIONS' });
  assert.notEqual(opt.status, 200, 'no OPTIONS route serves data');
  assert.doesNotMatch(await opt.text(), /"items"/);
});

test('last_used_at: set by the first request, written at most once a minute', async () => {
  const k = await createTestKey(api.databaseUrl, 'usage');
  const hash = createHash('sha256').update(k.key).digest('hex');
  const lastUsed = async () =>
    (await sql<{ last_used_at: Date | null }>(api.databaseUrl, 'SELECT last_used_at FROM api_keys WHERE key_hash = $1', [hash]))[0].last_used_at;
  assert.equal(await lastUsed(), null);
  assert.equal((await call(api.baseUrl, 'GET', '/videos', { headers: k.headers })).status, 200);
  const first = await lastUsed();
  assert.ok(first instanceof Date);
  for (let i = 0; i < 3; i++) assert.equal((await call(api.baseUrl, 'GET', '/videos', { headers: k.headers })).status, 200);
  assert.equal((await lastUsed())!.getTime(), first.getTime(), 'no write within the minute');
  // An hour later (moved back in the database), the next request records itself again.
  await sql(api.databaseUrl, "UPDATE api_keys SET last_used_at = now() - interval '1 hour' WHERE key_hash = $1", [hash]);
  const old = (await lastUsed())!.getTime();
  assert.equal((await call(api.baseUrl, 'GET', '/videos', { headers: k.headers })).status, 200);
  assert.ok((await lastUsed())!.getTime() > old + 59 * 60_000);
});

test('keys are stored hashed: the plaintext is nowhere in the database', async () => {
  const k = await createTestKey(api.databaseUrl, 'hashing');
  const rows = await sql(api.databaseUrl, 'SELECT * FROM api_keys');
  const tenants = await sql(api.databaseUrl, 'SELECT * FROM tenants');
  const dump = JSON.stringify([rows, tenants]);
  assert.equal(dump.includes(k.key), false);
  assert.equal(dump.includes(k.key.slice(3)), false, 'nor its random part');
  const mine = rows.find((r: any) => r.key_hash === createHash('sha256').update(k.key).digest('hex')) as any;
  assert.ok(mine, 'stored as sha256 hex of the whole key');
  assert.equal(mine.prefix, k.key.slice(0, 8));
  assert.match(k.key, /^kc_[A-Za-z0-9_-]{43}$/, 'kc_ + 32 random bytes in base64url');
});
