import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import pg from 'pg';
import type { Logger } from '../logger/index.js';

/** prisma/migrations/ of this repository. */
export const DEFAULT_MIGRATIONS_DIR = resolve(new URL('../../prisma/migrations', import.meta.url).pathname);

/** The key Prisma's own `migrate deploy` locks: the two runners exclude each other. */
const PRISMA_ADVISORY_LOCK_KEY = 72707369;

export interface MigrationFile {
  name: string;
  sql: string;
  /** sha256 hex of the file's bytes, as Prisma records it. */
  checksum: string;
}

export interface MigrateResult {
  applied: string[];
  alreadyApplied: string[];
  /** Applied earlier, but the file changed since (Prisma warns about these too). */
  modified: string[];
}

/** Lists `<dir>/<timestamp>_<name>/migration.sql` in name order (= timestamp order). */
export function readMigrations(dir = DEFAULT_MIGRATIONS_DIR): MigrationFile[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => statSync(join(dir, name)).isDirectory() && existsSync(join(dir, name, 'migration.sql')))
    .sort()
    .map((name) => {
      const bytes = readFileSync(join(dir, name, 'migration.sql'));
      return { name, sql: bytes.toString('utf8'), checksum: createHash('sha256').update(bytes).digest('hex') };
    });
}

const BOOKKEEPING_DDL = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id" VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum" VARCHAR(64) NOT NULL,
  "finished_at" TIMESTAMPTZ,
  "migration_name" VARCHAR(255) NOT NULL,
  "logs" TEXT,
  "rolled_back_at" TIMESTAMPTZ,
  "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

/** Creates the database named in `url` when it does not exist (as `prisma migrate deploy` does). */
export async function ensureDatabase(url: string): Promise<boolean> {
  const u = new URL(url);
  const name = decodeURIComponent(u.pathname.replace(/^\//, ''));
  if (!name) return false;
  const probe = new pg.Client({ connectionString: url });
  try {
    await probe.connect();
    return false;
  } catch (e) {
    if ((e as { code?: string }).code !== '3D000') throw e; // 3D000: invalid_catalog_name
  } finally {
    await probe.end().catch(() => {});
  }
  u.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: u.toString() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
  } catch (e) {
    if ((e as { code?: string }).code !== '42P04') throw e; // created by a concurrent starter
  } finally {
    await admin.end();
  }
  return true;
}

/**
 * Applies the SQL migrations not yet applied, with Prisma's `_prisma_migrations` bookkeeping, so that
 * this runner and `prisma migrate deploy` can take turns on one database.
 *
 * Each migration runs in its own transaction together with its bookkeeping row: it is applied whole
 * or not at all. A session advisory lock (Prisma's key) serialises concurrent starters: the second
 * waits, then finds everything applied. Throws when a migration is recorded as started but never
 * finished (a failed `prisma migrate deploy`): that needs a human, as with Prisma (P3009).
 */
/** `log`: the process's logger (applied migrations at info, a migration changed since it was applied at warn); none: silent. */
export async function migrate(
  databaseUrl: string,
  { dir = DEFAULT_MIGRATIONS_DIR, log }: { dir?: string; log?: Pick<Logger, 'info' | 'warn'> } = {},
): Promise<MigrateResult> {
  await ensureDatabase(databaseUrl);
  const files = readMigrations(dir);
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const result: MigrateResult = { applied: [], alreadyApplied: [], modified: [] };
  try {
    await client.query('SELECT pg_advisory_lock($1)', [PRISMA_ADVISORY_LOCK_KEY]);
    await client.query(BOOKKEEPING_DDL);
    const { rows } = await client.query<{ migration_name: string; checksum: string; finished_at: Date | null; rolled_back_at: Date | null }>(
      'SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations" ORDER BY started_at',
    );
    const failed = rows.filter((r) => r.finished_at === null && r.rolled_back_at === null);
    if (failed.length > 0) {
      throw new Error(`migration ${failed[0].migration_name} started but did not finish; resolve it (prisma migrate resolve) before starting`);
    }
    const done = new Map(rows.filter((r) => r.finished_at !== null && r.rolled_back_at === null).map((r) => [r.migration_name, r.checksum]));
    for (const m of files) {
      const recorded = done.get(m.name);
      if (recorded !== undefined) {
        result.alreadyApplied.push(m.name);
        if (recorded !== m.checksum) {
          result.modified.push(m.name);
          log?.warn({ migration: m.name }, 'migration modified after it was applied');
        }
        continue;
      }
      const id = randomUUID();
      await client.query('BEGIN');
      try {
        await client.query('INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count) VALUES ($1, $2, $3, now(), 0)', [
          id,
          m.checksum,
          m.name,
        ]);
        await client.query(m.sql);
        await client.query('UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1', [id]);
        await client.query('COMMIT');
      } catch (e) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${m.name} failed: ${(e as Error).message}`, { cause: e });
      }
      result.applied.push(m.name);
      log?.info({ migration: m.name }, 'applied migration');
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [PRISMA_ADVISORY_LOCK_KEY]).catch(() => {});
    await client.end();
  }
  return result;
}
