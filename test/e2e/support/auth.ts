// API keys for tests: a tenant and a key of it, created through the store's repository (as `keycast apikey create` does).
import { createPrismaClient, ApiKeyRepository } from '../../../libs/store/index.js';

export interface TestKey {
  tenantId: string;
  /** The plaintext key (`kc_…`). */
  key: string;
  /** Spread into a request's headers: `{ headers: { ...k.headers } }`. */
  headers: { authorization: string };
}

/**
 * Creates tenant `tenant` (reused when it exists) and a new key of it on an already-migrated database.
 * Each call gives a new key; two calls with one tenant name give two keys of the same tenant.
 */
export async function createTestKey(databaseUrl: string, tenant: string): Promise<TestKey> {
  const db = createPrismaClient(databaseUrl, { max: 1 });
  try {
    const created = await new ApiKeyRepository(db).create(tenant, { name: 'test' });
    return { tenantId: created.tenantId, key: created.key, headers: { authorization: `Bearer ${created.key}` } };
  } finally {
    await db.$disconnect();
  }
}
