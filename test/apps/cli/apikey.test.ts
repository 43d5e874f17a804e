// `keycast apikey create|list|revoke` as an operator runs it: the real CLI process on DATABASE_URL,
// checked against the database and a real API server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { keycast } from '../../helpers/cli.js';
import { startApi, call, type RunningApi } from '../../e2e/support/api.js';
import { dropDatabase, dbUrl, sql } from '../../e2e/support/services.js';

const DB = 'keycast_test_cli_apikey';
const env = { DATABASE_URL: dbUrl(DB) };
const cli = (...args: string[]) => keycast(['apikey', ...args], { env, timeoutMs: 60_000 });
let api: RunningApi | undefined;

before(async () => {
  await dropDatabase(DB);
});
after(async () => {
  await api?.close();
  await dropDatabase(DB);
});

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

test('create on an empty database: migrates, prints the key once with its id and prefix; only the hash is stored', async () => {
  const r = await cli('create', '--tenant', 'acme', '--name', 'ci');
  assert.equal(r.status, 0, r.stderr);
  const key = r.stdout.split('\n')[0];
  assert.match(key, /^kc_[A-Za-z0-9_-]{43}$/);
  const id = /^id:\s+(\S+)$/m.exec(r.stdout)?.[1];
  assert.match(id ?? '', /^[0-9a-f-]{36}$/);
  assert.match(r.stdout, new RegExp(`^prefix:\\s+${key.slice(0, 8)}$`, 'm'));
  assert.match(r.stdout, /^tenant:\s+acme$/m);
  assert.match(r.stdout, /only time/);
  const keys = await sql<any>(env.DATABASE_URL, 'SELECT * FROM api_keys');
  assert.equal(keys.length, 1);
  assert.equal(keys[0].id, id);
  assert.equal(keys[0].key_hash, sha256(key));
  assert.equal(keys[0].prefix, key.slice(0, 8));
  assert.equal(keys[0].name, 'ci');
  const everything = JSON.stringify([keys, await sql(env.DATABASE_URL, 'SELECT * FROM tenants')]);
  assert.equal(everything.includes(key), false, 'the plaintext key is not in the database');
  assert.equal(everything.includes(key.slice(8)), false, 'nor its hidden part');
  const migrations = await sql<{ migration_name: string }>(env.DATABASE_URL, 'SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL');
  assert.ok(migrations.some((m) => m.migration_name.endsWith('_tenants')));
});

test('the created key works against the API until `apikey revoke`; list shows prefixes, never keys', async () => {
  api = await startApi(DB, { databaseUrl: env.DATABASE_URL });
  const made = await cli('create', '--tenant', 'globex', '--json');
  assert.equal(made.status, 0, made.stderr);
  const k = JSON.parse(made.stdout);
  assert.equal(k.tenant, 'globex');
  assert.equal(k.revoked_at, null);
  const headers = { authorization: `Bearer ${k.key}` };
  assert.equal((await call(api.baseUrl, 'GET', '/videos', { headers })).status, 200);

  const list = await cli('list');
  assert.equal(list.status, 0, list.stderr);
  assert.match(list.stdout, /^ID\s+TENANT\s+NAME\s+PREFIX/);
  assert.ok(list.stdout.includes(k.id) && list.stdout.includes(k.prefix));
  assert.equal(list.stdout.includes(k.key), false, 'list never prints a key');
  const json = JSON.parse((await cli('list', '--json')).stdout);
  assert.ok(json.length >= 3, "acme, globex and startApi's test key");
  for (const row of json) assert.equal('key' in row || 'key_hash' in row, false);
  const onlyGlobex = JSON.parse((await cli('list', '--tenant', 'globex', '--json')).stdout);
  assert.deepEqual(
    onlyGlobex.map((x: { id: string }) => x.id),
    [k.id],
  );
  assert.match((await cli('list', '--tenant', 'nobody')).stdout, /no keys for tenant nobody/);

  const rev = await cli('revoke', k.id);
  assert.equal(rev.status, 0, rev.stderr);
  assert.match(rev.stdout, new RegExp(`^revoked ${k.id} `));
  const refused = await call(api.baseUrl, 'GET', '/videos', { headers });
  assert.equal(refused.status, 401);
  assert.equal(refused.body.error.code, 'UNAUTHORIZED');
  const after = JSON.parse((await cli('list', '--tenant', 'globex', '--json')).stdout)[0];
  assert.notEqual(after.revoked_at, null);
  assert.notEqual(after.last_used_at, null, 'the request before revocation was recorded');
  // Revoking again keeps the first date.
  const again = JSON.parse((await cli('revoke', k.id, '--json')).stdout);
  assert.equal(again.revoked_at, after.revoked_at);
});

test('bad use: typed one-line errors and exit codes', async () => {
  const cases: [string[], number, string][] = [
    [['create'], 2, 'INVALID_OPTION'],
    [['create', '--tenant', ''], 2, 'INVALID_OPTION'],
    [['create', '--tenant', 'x'.repeat(101)], 2, 'INVALID_OPTION'],
    [['create', '--tenant', 'a', '--frobnicate'], 2, 'UNKNOWN_OPTION'],
    [['revoke'], 2, 'INVALID_OPTION'],
    [['revoke', '00000000-0000-4000-8000-000000000000'], 1, 'NOT_FOUND'],
    [['revoke', 'not-an-id'], 1, 'NOT_FOUND'],
    [['rotate'], 2, 'INVALID_OPTION'],
    [[], 2, 'INVALID_OPTION'],
  ];
  for (const [args, status, code] of cases) {
    const r = await cli(...args);
    assert.equal(r.status, status, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr.trim(), new RegExp(`^keycast: ${code}: \\S`), args.join(' '));
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  }
  const down = await keycast(['apikey', 'list'], { env: { DATABASE_URL: 'postgresql://postgres@127.0.0.1:1/nothing' }, timeoutMs: 60_000 });
  assert.equal(down.status, 1);
  assert.match(down.stderr.trim(), /^keycast: UNAVAILABLE: database 127\.0\.0\.1:1\/nothing not usable/);
});

test('usage text lists the apikey commands', async () => {
  const r = await keycast(['--help']);
  assert.equal(r.status, 0);
  for (const c of ['apikey create --tenant NAME', 'apikey list', 'apikey revoke ID']) assert.ok(r.stdout.includes(c), c);
});
