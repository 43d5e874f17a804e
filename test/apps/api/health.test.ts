import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startApi, call, type RunningApi } from '../../e2e/support/api.js';

let api: RunningApi;
let broken: RunningApi;

before(async () => {
  api = await startApi('keycast_test_api_health');
  // Same database, but a Redis nobody listens on.
  broken = await startApi('keycast_test_api_health', { databaseUrl: api.databaseUrl, redisUrl: 'redis://127.0.0.1:1' });
});
after(async () => {
  await broken?.close();
  await api?.close();
});

test('GET /health: 200 ok', async () => {
  const r = await call(api.baseUrl, 'GET', '/health');
  assert.equal(r.status, 200);
  assert.deepEqual(r.body, { status: 'ok' });
});

test('GET /ready: 200 when PostgreSQL and Redis answer', async () => {
  const r = await call(api.baseUrl, 'GET', '/ready');
  assert.equal(r.status, 200);
  assert.equal(r.body.status, 'ready');
  assert.equal(r.body.checks.database.ok, true);
  assert.equal(r.body.checks.redis.ok, true);
});

test('GET /ready: 503 naming Redis when Redis is unreachable (liveness still 200)', async () => {
  const r = await call(broken.baseUrl, 'GET', '/ready');
  assert.equal(r.status, 503);
  assert.equal(r.body.status, 'unavailable');
  assert.equal(r.body.error.code, 'UNAVAILABLE');
  assert.match(r.body.error.message, /redis/);
  assert.equal(r.body.checks.database.ok, true);
  assert.equal(r.body.checks.redis.ok, false);
  assert.equal(typeof r.body.checks.redis.error, 'string');
  assert.equal((await call(broken.baseUrl, 'GET', '/health')).status, 200);
});
