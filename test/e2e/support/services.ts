// Real PostgreSQL and Redis for tests: one fresh database per test file, one queue prefix per run.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';

export const REPO_ROOT = resolve(new URL('../../..', import.meta.url).pathname);
export const SHARED_DATA = resolve(REPO_ROOT, '../shared/data');
export const PG_ADMIN_URL = process.env.TEST_PG_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Several checkouts may test on one server at once: KEYCAST_TEST_DB_SUFFIX keeps their databases apart. */
function scoped(name: string): string {
  return `${name}${process.env.KEYCAST_TEST_DB_SUFFIX ?? ''}`;
}

export function dbUrl(name: string, adminUrl = PG_ADMIN_URL): string {
  const u = new URL(adminUrl);
  u.pathname = `/${scoped(name)}`;
  return u.toString();
}

/** Drops and recreates database `name`; returns its URL. */
export async function freshDatabase(name: string, adminUrl = PG_ADMIN_URL): Promise<string> {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    await c.query(`DROP DATABASE IF EXISTS "${scoped(name)}" WITH (FORCE)`);
    await c.query(`CREATE DATABASE "${scoped(name)}"`);
  } finally {
    await c.end();
  }
  return dbUrl(name, adminUrl);
}

export async function dropDatabase(name: string, adminUrl = PG_ADMIN_URL): Promise<void> {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    await c.query(`DROP DATABASE IF EXISTS "${scoped(name)}" WITH (FORCE)`);
  } finally {
    await c.end();
  }
}

/** A queue prefix nobody else uses: tests never see each other's jobs. */
export function uniquePrefix(label: string): string {
  return `kctest-${label}-${randomBytes(4).toString('hex')}`;
}

export function tempDir(label: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `keycast-${label}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** One query on a database, for assertions. */
export async function sql<T extends pg.QueryResultRow = Record<string, unknown>>(url: string, text: string, params: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<T>(text, params)).rows;
  } finally {
    await c.end();
  }
}

import { loadServiceConfig, type ServiceConfig } from '../../../libs/config/node.js';

/** A service configuration for tests: defaults from the environment loader, then the given overrides. */
export function testConfig(over: Partial<ServiceConfig>): ServiceConfig {
  return { ...loadServiceConfig({}), logLevel: process.env.TEST_LOG_LEVEL ?? 'silent', webhookBackoffMs: 200, workerLockMs: 5000, ...over };
}

/** Polls `fn` until it returns a truthy value (returned) or `timeoutMs` passes (throws with `what`). */
export async function waitFor<T>(
  fn: () => Promise<T | null | undefined | false>,
  { timeoutMs = 60_000, intervalMs = 100, what = 'condition' } = {},
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
