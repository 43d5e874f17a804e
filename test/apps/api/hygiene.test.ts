// Headers and hygiene: security headers on every answer (a looser policy only under /docs), CORS off unless origins are
// configured, request ids in answers and structured logs, no stack trace or path in any error, secrets from the
// environment only (production refuses to start without one).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { loadServiceConfig } from '../../../libs/config/node.js';
import { buildApp } from '../../../apps/api/app.js';
import { createApiDeps } from '../../../apps/api/deps.js';
import { startApi, type RunningApi } from '../../e2e/support/api.js';
import { REPO_ROOT, testConfig, uniquePrefix } from '../../e2e/support/services.js';
import { multipartBody } from '../../helpers/multipart.js';

let api: RunningApi;
const logged: Record<string, any>[] = [];
let logging: { app: FastifyInstance; close(): Promise<void> };

before(async () => {
  api = await startApi('keycast_test_api_hygiene');
  // The same API with its JSON log captured, and one route that fails unexpectedly (an error carrying a path and a stack).
  const deps = createApiDeps(testConfig({ ...api.config, queuePrefix: uniquePrefix('hygiene') }));
  const stream = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split('\n')) if (l) logged.push(JSON.parse(l));
      cb();
    },
  });
  const app = await buildApp(deps, { logger: { level: 'info', stream } });
  app.get('/boom', async () => {
    throw new Error(`ENOENT: no such file or directory, open '${REPO_ROOT}/var/storage/videos/secret/source.mp4'`);
  });
  await app.ready();
  logging = {
    app,
    close: async () => {
      await app.close();
      await deps.close();
    },
  };
});
after(async () => {
  await logging?.close();
  await api?.close();
});

type Inject = { statusCode: number; headers: Record<string, string | string[] | undefined>; body: string; json(): any };
const get = (app: FastifyInstance, url: string, headers: Record<string, string> = {}) => app.inject({ method: 'GET', url, headers }) as Promise<Inject>;

const HELMET = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'SAMEORIGIN',
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'x-dns-prefetch-control': 'off',
  'x-download-options': 'noopen',
  'x-permitted-cross-domain-policies': 'none',
  'origin-agent-cluster': '?1',
};

test('security headers on every kind of answer (200, 400, 401, 404, the OpenAPI document); no X-Powered-By', async () => {
  const answers = await Promise.all([
    get(api.app, '/health'),
    get(api.app, '/videos', api.auth.headers),
    get(api.app, '/videos'),
    get(api.app, '/nowhere', api.auth.headers),
    get(api.app, '/videos?limit=0', api.auth.headers),
    get(api.app, '/openapi.json'),
  ]);
  assert.deepEqual(
    answers.map((r) => r.statusCode),
    [200, 200, 401, 404, 400, 200],
  );
  for (const r of answers) {
    for (const [h, v] of Object.entries(HELMET)) assert.equal(r.headers[h], v, `${r.statusCode}: ${h}`);
    assert.equal(r.headers['content-security-policy'], "default-src 'none';base-uri 'none';form-action 'none';frame-ancestors 'none'");
    assert.equal(r.headers['x-powered-by'], undefined);
  }
});

test('/docs works under its own policy: the page loads only same-origin scripts and styles, each served, and no inline script', async () => {
  const page = await get(api.app, '/docs/');
  assert.equal(page.statusCode, 200);
  const csp = String(page.headers['content-security-policy']);
  assert.match(csp, /script-src 'self'(;|$)/);
  assert.match(csp, /style-src 'self' 'unsafe-inline'/);
  assert.match(csp, /img-src 'self' data:/);
  assert.doesNotMatch(csp, /script-src[^;]*unsafe-inline/);
  const scripts = [...page.body.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
  assert.ok(scripts.length >= 3);
  for (const [, attrs, inline] of scripts) {
    assert.match(attrs, /src="\.\/static\//, 'scripts are same-origin files');
    assert.equal(inline.trim(), '', 'no inline script (the policy would block it)');
  }
  const assets = [...page.body.matchAll(/(?:src|href)="\.\/(static\/[^"]+)"/g)].map((m) => m[1]);
  assert.ok(assets.length >= 5);
  for (const a of assets) {
    const r = await get(api.app, `/docs/${a}`);
    assert.equal(r.statusCode, 200, a);
    assert.equal(r.headers['content-security-policy'], csp, `${a} carries the docs policy`);
  }
  const init = await get(api.app, '/docs/static/swagger-initializer.js');
  assert.match(init.body, /json/, 'the initializer loads the document from the same origin');
  const spec = await get(api.app, '/docs/json');
  assert.equal(spec.statusCode, 200);
  assert.equal(spec.json().info.title, 'keycast');
});

test('CORS is off by default: no Access-Control-* header for any origin, preflights included', async () => {
  const origin = { origin: 'https://evil.example' };
  const r = await get(api.app, '/videos', { ...api.auth.headers, ...origin });
  assert.equal(r.statusCode, 200);
  const pre = (await api.app.inject({
    method: 'OPTIONS',
    url: '/videos',
    headers: { ...origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' },
  })) as Inject;
  for (const x of [r, pre]) for (const h of Object.keys(x.headers)) assert.ok(!h.startsWith('access-control-'), `${x.statusCode}: ${h}`);
});

test('CORS_ORIGINS: the listed origins are allowed (preflight without a key), others not', async () => {
  const cors = await startApi('keycast_test_api_hygiene_cors', { corsOrigins: ['https://app.example'] });
  try {
    const ok = await get(cors.app, '/videos', { ...cors.auth.headers, origin: 'https://app.example' });
    assert.equal(ok.statusCode, 200);
    assert.equal(ok.headers['access-control-allow-origin'], 'https://app.example');
    assert.match(String(ok.headers['access-control-expose-headers']), /retry-after/);
    assert.match(String(ok.headers.vary), /Origin/);
    const other = await get(cors.app, '/videos', { ...cors.auth.headers, origin: 'https://evil.example' });
    assert.equal(other.headers['access-control-allow-origin'], undefined);
    const pre = (await cors.app.inject({
      method: 'OPTIONS',
      url: '/videos',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
    })) as Inject;
    assert.equal(pre.statusCode, 204);
    assert.equal(pre.headers['access-control-allow-origin'], 'https://app.example');
    assert.match(String(pre.headers['access-control-allow-headers']), /authorization/);
    assert.match(String(pre.headers['access-control-allow-methods']), /POST/);
  } finally {
    await cors.close();
  }
});

test('request ids: every answer has one; a safe x-request-id is kept, an unsafe one replaced; logs are JSON lines carrying it', async () => {
  const fresh = await get(logging.app, '/health');
  assert.match(String(fresh.headers['x-request-id']), /^[0-9a-f-]{36}$/);
  const kept = await get(logging.app, '/health', { 'x-request-id': 'lb-7f3a.42:abc' });
  assert.equal(kept.headers['x-request-id'], 'lb-7f3a.42:abc');
  for (const bad of ['has space', 'x'.repeat(200), 'a"b', 'é']) {
    const r = await get(logging.app, '/health', { 'x-request-id': bad });
    assert.match(String(r.headers['x-request-id']), /^[0-9a-f-]{36}$/, JSON.stringify(bad));
  }
  const lines = logged.filter((l) => l.reqId === 'lb-7f3a.42:abc');
  assert.deepEqual(
    lines.map((l) => l.msg),
    ['incoming request', 'request completed'],
  );
  assert.equal(lines[1].res.statusCode, 200);
  for (const l of lines) for (const k of ['level', 'time', 'pid', 'hostname']) assert.ok(k in l, k);
});

test('an unexpected failure: 500 INTERNAL with the request id only (no message, stack or path); the log has the rest', async () => {
  const r = await get(logging.app, '/boom', { ...api.auth.headers, 'x-request-id': 'boom-1' });
  assert.equal(r.statusCode, 500);
  assert.deepEqual(r.json(), { error: { code: 'INTERNAL', message: 'internal error (request id boom-1)' } });
  assert.equal(r.headers['x-request-id'], 'boom-1');
  const line = logged.find((l) => l.reqId === 'boom-1' && l.level === 50);
  assert.ok(line, 'the error is logged with its request id');
  assert.match(line.err.stack, /ENOENT[\s\S]*at /, 'the log keeps the stack');
});

test('no stack trace or internal path in any client error', async () => {
  const big = multipartBody([{ name: 'file', value: Buffer.from('text, not video\n'.repeat(30)), filename: 'x.mp4' }]);
  const cut = multipartBody([{ name: 'file', value: Buffer.alloc(4000, 1), filename: 'y.mp4' }], { end: false });
  const answers: Inject[] = await Promise.all([
    get(api.app, '/videos/not-a-uuid', api.auth.headers),
    get(api.app, '/videos/%E0%A4%A', api.auth.headers),
    get(api.app, '/faces/abc/thumbnail', api.auth.headers),
    get(api.app, '/videos?cursor=eyJ4IjoxfQ', api.auth.headers),
    api.app.inject({
      method: 'POST',
      url: '/videos',
      headers: { ...api.auth.headers, 'content-type': 'application/json' },
      payload: '{"a":',
    }) as Promise<Inject>,
    api.app.inject({ method: 'POST', url: '/videos', headers: { ...api.auth.headers, 'content-type': big.contentType }, payload: big.body }) as Promise<Inject>,
    api.app.inject({ method: 'POST', url: '/videos', headers: { ...api.auth.headers, 'content-type': cut.contentType }, payload: cut.body }) as Promise<Inject>,
  ]);
  assert.deepEqual(
    answers.map((r) => r.statusCode),
    [400, 400, 400, 400, 400, 415, 400],
  );
  for (const r of answers) {
    assert.deepEqual(Object.keys(r.json()), ['error']);
    for (const leak of [/\n\s+at /, /node_modules/, /\/tmp\//, new RegExp(REPO_ROOT.replace(/[/.]/g, '\\$&')), /keycast-api-/, /\.ts:\d+/]) {
      assert.doesNotMatch(r.body, leak, `${r.statusCode} ${r.body}`);
    }
  }
});

test('MEDIA_TOKEN_SECRET: required by the API in production (not by the worker), at least 32 characters, no placeholder; unset elsewhere: one random secret per process', () => {
  const prod = { NODE_ENV: 'production', WEBHOOK_SECRET: 'f'.repeat(64) };
  const real = 'e'.repeat(64);
  assert.equal(loadServiceConfig({ ...prod, MEDIA_TOKEN_SECRET: real }, { api: true }).mediaTokenSecret, real);
  assert.throws(() => loadServiceConfig(prod, { api: true }), /MEDIA_TOKEN_SECRET must be set when NODE_ENV=production/);
  assert.ok(loadServiceConfig(prod).mediaTokenSecret.length >= 32, 'the worker does not need it');
  for (const [secret, why] of [
    ['CHANGE_ME_media_token_secret_0123456789', /placeholder/],
    ['short', /at least 32/],
  ] as const)
    assert.throws(() => loadServiceConfig({ ...prod, MEDIA_TOKEN_SECRET: secret }, { api: true }), why, secret);
  const dev = loadServiceConfig({}, { api: true }).mediaTokenSecret;
  assert.match(dev, /^[0-9a-f]{64}$/);
  assert.equal(loadServiceConfig({}).mediaTokenSecret, dev, 'one per process: every app built in it verifies the others');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    ...prod,
    DATABASE_URL: 'postgresql://nobody@127.0.0.1:1/none',
    REDIS_URL: 'redis://127.0.0.1:1',
  };
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'apps/api/main.ts'], { cwd: REPO_ROOT, env, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr.trim(), /^keycast-api: configuration error: MEDIA_TOKEN_SECRET must be set when NODE_ENV=production[^\n]*$/);
});

test('secrets from the environment only: NODE_ENV=production without a real WEBHOOK_SECRET refuses to start', () => {
  assert.equal(loadServiceConfig({}).webhookSecret, 'dev-secret-change-me', 'development keeps a default');
  const real = 'f'.repeat(64);
  assert.equal(loadServiceConfig({ NODE_ENV: 'production', WEBHOOK_SECRET: real }).webhookSecret, real);
  for (const [secret, why] of [
    [undefined, /must be set/],
    ['', /must be set/],
    ['dev-secret-change-me', /placeholder/],
    ['CHANGE_ME_webhook_secret_1234567', /placeholder/],
    ['short', /at least 16/],
  ] as const) {
    assert.throws(() => loadServiceConfig({ NODE_ENV: 'production', ...(secret === undefined ? {} : { WEBHOOK_SECRET: secret }) }), why, String(secret));
  }
  for (const program of ['apps/api/main.ts', 'apps/worker/main.ts']) {
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'production',
      DATABASE_URL: 'postgresql://nobody@127.0.0.1:1/none',
      REDIS_URL: 'redis://127.0.0.1:1',
    };
    const r = spawnSync(process.execPath, ['--import', 'tsx', program], { cwd: REPO_ROOT, env, encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 1, `${program}: ${r.stderr}`);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, `${program}: one line, no stack: ${r.stderr}`);
    assert.match(lines[0], /^keycast-(api|worker): configuration error: WEBHOOK_SECRET must be set when NODE_ENV=production/);
  }
});
