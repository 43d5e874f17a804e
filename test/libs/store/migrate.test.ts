import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { migrate, readMigrations, DEFAULT_MIGRATIONS_DIR } from '../../../libs/store/index.js';
import { freshDatabase, dropDatabase, dbUrl, sql, tempDir } from '../../e2e/support/services.js';

const DB = 'keycast_test_migrate';
let url: string;

before(async () => { url = await freshDatabase(DB); });
after(async () => { await dropDatabase(DB); await dropDatabase(`${DB}_created`); });

test('applies every migration once, with Prisma bookkeeping (sha256 checksum of the file)', async () => {
  const files = readMigrations();
  assert.ok(files.length >= 1);
  const first = await migrate(url);
  assert.deepEqual(first.applied, files.map((f) => f.name));
  const rows = await sql<{ migration_name: string; checksum: string; finished_at: Date | null; applied_steps_count: number }>(url,
    'SELECT migration_name, checksum, finished_at, applied_steps_count FROM _prisma_migrations ORDER BY migration_name');
  assert.equal(rows.length, files.length);
  const expected = createHash('sha256').update(readFileSync(join(DEFAULT_MIGRATIONS_DIR, files[0].name, 'migration.sql'))).digest('hex');
  assert.equal(rows[0].checksum, expected);
  assert.equal(rows[0].checksum.length, 64);
  assert.ok(rows[0].finished_at instanceof Date);
  assert.equal(rows[0].applied_steps_count, 1);
  const tables = await sql<{ table_name: string }>(url, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1");
  assert.deepEqual(tables.map((t) => t.table_name), ['_prisma_migrations', 'faces', 'linkages', 'segments', 'videos', 'webhook_deliveries']);

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
      assert.deepEqual(rows.map((r) => r.migration_name), ['20000101000000_ok']);
      const t = await sql(badUrl, "SELECT 1 FROM information_schema.tables WHERE table_name = 't_bad'");
      assert.equal(t.length, 0);
    } finally {
      await dropDatabase(name);
    }
  } finally {
    cleanup();
  }
});
