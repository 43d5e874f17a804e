import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { migrate, readMigrations, DEFAULT_MIGRATIONS_DIR } from '../../../libs/store/index.js';
import { freshDatabase, dropDatabase, dbUrl, sql, tempDir } from '../../e2e/support/services.js';

const DB = 'keycast_test_migrate';
let url: string;

before(async () => {
  url = await freshDatabase(DB);
});
after(async () => {
  await dropDatabase(DB);
  await dropDatabase(`${DB}_created`);
});

test('applies every migration once, with Prisma bookkeeping (sha256 checksum of the file)', async () => {
  const files = readMigrations();
  assert.ok(files.length >= 1);
  const first = await migrate(url);
  assert.deepEqual(
    first.applied,
    files.map((f) => f.name),
  );
  const rows = await sql<{ migration_name: string; checksum: string; finished_at: Date | null; applied_steps_count: number }>(
    url,
    'SELECT migration_name, checksum, finished_at, applied_steps_count FROM _prisma_migrations ORDER BY migration_name',
  );
  assert.equal(rows.length, files.length);
  const expected = createHash('sha256')
    .update(readFileSync(join(DEFAULT_MIGRATIONS_DIR, files[0].name, 'migration.sql')))
    .digest('hex');
  assert.equal(rows[0].checksum, expected);
  assert.equal(rows[0].checksum.length, 64);
  assert.ok(rows[0].finished_at instanceof Date);
  assert.equal(rows[0].applied_steps_count, 1);
  const tables = await sql<{ table_name: string }>(url, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1");
  assert.deepEqual(
    tables.map((t) => t.table_name),
    [
      '_prisma_migrations',
      'api_keys',
      'faces',
      'linkages',
      'people',
      'person_events',
      'person_faces',
      'person_rejections',
      'segments',
      'tenants',
      'videos',
      'webhook_deliveries',
    ],
  );

  const second = await migrate(url);
  assert.deepEqual(second.applied, []);
  assert.equal(second.alreadyApplied.length, files.length);
  assert.equal((await sql(url, 'SELECT * FROM _prisma_migrations')).length, files.length);
});

test('two runners starting at once: the advisory lock lets exactly one apply', async () => {
  const name = `${DB}_race`;
  const raceUrl = await freshDatabase(name);
  try {
    const [a, b] = await Promise.all([migrate(raceUrl), migrate(raceUrl)]);
    assert.equal(a.applied.length + b.applied.length, readMigrations().length);
    assert.equal((await sql(raceUrl, 'SELECT * FROM _prisma_migrations')).length, readMigrations().length);
  } finally {
    await dropDatabase(name);
  }
});

test('the tenants migration applies to a database that already holds videos: they stay, with no tenant', async () => {
  const name = `${DB}_existing`;
  const oldUrl = await freshDatabase(name);
  const { dir, cleanup } = tempDir('migr-old');
  try {
    // The database as it was before tenants: only the migrations older than 20261127100000_tenants.
    const older = readMigrations().filter((m) => m.name < '20261127100000_tenants');
    for (const m of older) {
      mkdirSync(join(dir, m.name));
      writeFileSync(join(dir, m.name, 'migration.sql'), m.sql);
    }
    await migrate(oldUrl, { dir });
    await sql(oldUrl, `INSERT INTO videos (id, options, source_key) VALUES ('11111111-1111-4111-8111-111111111111', '{}', 'videos/old/source')`);
    const r = await migrate(oldUrl);
    assert.ok(r.applied.includes('20261127100000_tenants'), r.applied.join(', '));
    const rows = await sql<{ id: string; tenant_id: string | null }>(oldUrl, 'SELECT id, tenant_id FROM videos');
    assert.deepEqual(rows, [{ id: '11111111-1111-4111-8111-111111111111', tenant_id: null }]);
    // New videos point at a tenant, and deleting the tenant takes its videos and keys with it.
    const [{ id: tenant }] = await sql<{ id: string }>(oldUrl, "INSERT INTO tenants (name) VALUES ('acme') RETURNING id");
    await sql(oldUrl, `INSERT INTO videos (options, source_key, tenant_id) VALUES ('{}', 'videos/new/source', $1)`, [tenant]);
    await sql(oldUrl, "INSERT INTO api_keys (tenant_id, prefix, key_hash) VALUES ($1, 'kc_abcde', 'h')", [tenant]);
    await assert.rejects(
      sql(oldUrl, "INSERT INTO api_keys (tenant_id, prefix, key_hash) VALUES ($1, 'kc_abcde', 'h')", [tenant]),
      /key_hash/,
      'a hash is unique',
    );
    await assert.rejects(
      sql(oldUrl, `INSERT INTO videos (options, source_key, tenant_id) VALUES ('{}', 'x', '22222222-2222-4222-8222-222222222222')`),
      /foreign key/,
    );
    await sql(oldUrl, 'DELETE FROM tenants WHERE id = $1', [tenant]);
    assert.equal((await sql(oldUrl, 'SELECT 1 FROM videos')).length, 1, 'only the tenant-less video is left');
    assert.equal((await sql(oldUrl, 'SELECT 1 FROM api_keys')).length, 0);
  } finally {
    cleanup();
    await dropDatabase(name);
  }
});

test('creates the database when it does not exist', async () => {
  await dropDatabase(`${DB}_created`);
  const r = await migrate(dbUrl(`${DB}_created`));
  assert.equal(r.applied.length, readMigrations().length);
});

test('a failing migration is rolled back whole and leaves no bookkeeping row', async () => {
  const { dir, cleanup } = tempDir('migr');
  try {
    mkdirSync(join(dir, '20000101000000_ok'));
    writeFileSync(join(dir, '20000101000000_ok', 'migration.sql'), 'CREATE TABLE t_ok (a int);');
    mkdirSync(join(dir, '20000102000000_bad'));
    writeFileSync(join(dir, '20000102000000_bad', 'migration.sql'), 'CREATE TABLE t_bad (a int);\nSELECT no_such_function();');
    const name = `${DB}_bad`;
    const badUrl = await freshDatabase(name);
    try {
      await assert.rejects(migrate(badUrl, { dir }), /20000102000000_bad failed/);
      const rows = await sql<{ migration_name: string }>(badUrl, 'SELECT migration_name FROM _prisma_migrations');
      assert.deepEqual(
        rows.map((r) => r.migration_name),
        ['20000101000000_ok'],
      );
      const t = await sql(badUrl, "SELECT 1 FROM information_schema.tables WHERE table_name = 't_bad'");
      assert.equal(t.length, 0);
    } finally {
      await dropDatabase(name);
    }
  } finally {
    cleanup();
  }
});
