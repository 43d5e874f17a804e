import { createHash, randomBytes } from 'node:crypto';
import type { PrismaClient } from './client.js';

/** Every key starts with this: recognisable in logs, config files and secret scanners. */
export const API_KEY_PREFIX = 'kc_';
/** Characters of a key shown in listings (`kc_` + 5 of the random part): enough to tell keys apart, useless to an attacker. */
export const API_KEY_SHOWN_CHARS = 8;
/** last_used_at is written at most this often per key, so authentication costs no write per request. */
export const LAST_USED_RESOLUTION_MS = 60_000;

export interface TenantRecord {
  id: string;
  name: string;
  createdAt: Date;
}

/** A key as listings show it: never the key, never its hash. */
export interface ApiKeyInfo {
  id: string;
  tenantId: string;
  tenantName: string;
  name: string | null;
  prefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

/** A freshly created key: `key` is the only time the plaintext exists outside the client. */
export interface CreatedApiKey extends ApiKeyInfo {
  key: string;
}

/** Who a valid key speaks for. */
export interface KeyOwner {
  keyId: string;
  tenantId: string;
  tenantName: string;
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** `kc_` + 32 random bytes in base64url (43 characters). */
export function generateApiKey(): string {
  return API_KEY_PREFIX + randomBytes(32).toString('base64url');
}

/** True when `s` has the shape of a key (cheap check before any database lookup). */
export function looksLikeApiKey(s: string): boolean {
  return /^kc_[A-Za-z0-9_-]{43}$/.test(s);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type KeyRow = {
  id: string;
  tenantId: string;
  name: string | null;
  prefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  tenant: { name: string };
};

function toInfo(r: KeyRow): ApiKeyInfo {
  return {
    id: r.id,
    tenantId: r.tenantId,
    tenantName: r.tenant.name,
    name: r.name,
    prefix: r.prefix,
    createdAt: r.createdAt,
    lastUsedAt: r.lastUsedAt,
    revokedAt: r.revokedAt,
  };
}

const INFO_SELECT = {
  id: true,
  tenantId: true,
  name: true,
  prefix: true,
  createdAt: true,
  lastUsedAt: true,
  revokedAt: true,
  tenant: { select: { name: true } },
} as const;

export class ApiKeyRepository {
  constructor(private readonly db: PrismaClient) {}

  /** The tenant named `name`, created when missing (concurrent callers get the same row). */
  async ensureTenant(name: string): Promise<TenantRecord> {
    return this.db.tenant.upsert({ where: { name }, update: {}, create: { name } });
  }

  /** Deletes a tenant's row; its API keys go with it (ON DELETE CASCADE). Returns how many keys it had, null when it did not exist. */
  async deleteTenant(id: string): Promise<number | null> {
    return this.db.$transaction(async (tx) => {
      const keys = await tx.apiKey.count({ where: { tenantId: id } });
      const r = await tx.tenant.deleteMany({ where: { id } });
      return r.count > 0 ? keys : null;
    });
  }

  async findTenant(name: string): Promise<TenantRecord | null> {
    return this.db.tenant.findUnique({ where: { name } });
  }

  /** Creates a key for tenant `tenantName` (created if missing). The plaintext is returned here and stored nowhere. */
  async create(tenantName: string, { name = null }: { name?: string | null } = {}): Promise<CreatedApiKey> {
    const tenant = await this.ensureTenant(tenantName);
    const key = generateApiKey();
    const row = await this.db.apiKey.create({
      data: { tenantId: tenant.id, name, prefix: key.slice(0, API_KEY_SHOWN_CHARS), keyHash: hashApiKey(key) },
      select: INFO_SELECT,
    });
    return { ...toInfo(row), key };
  }

  /** Keys, oldest first, of one tenant (by name) or of all. */
  async list({ tenant }: { tenant?: string } = {}): Promise<ApiKeyInfo[]> {
    const rows = await this.db.apiKey.findMany({
      where: tenant !== undefined ? { tenant: { name: tenant } } : {},
      select: INFO_SELECT,
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    });
    return rows.map(toInfo);
  }

  async get(id: string): Promise<ApiKeyInfo | null> {
    if (!UUID.test(id)) return null;
    const row = await this.db.apiKey.findUnique({ where: { id }, select: INFO_SELECT });
    return row ? toInfo(row) : null;
  }

  /** Marks a key revoked; returns the key, null when no key has this id. Revoking twice keeps the first date. */
  async revoke(id: string): Promise<ApiKeyInfo | null> {
    if (!UUID.test(id)) return null;
    await this.db.apiKey.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: new Date() } });
    return this.get(id);
  }

  /**
   * The owner of a valid (known, unrevoked) key, or null. Looked up by hash: the plaintext is never
   * compared, so the lookup takes the same time whatever prefix an attacker guesses.
   */
  async authenticate(key: string): Promise<KeyOwner | null> {
    if (!looksLikeApiKey(key)) return null;
    // One plain statement: every request runs it (the same read through Prisma's query engine cost ~3x the CPU).
    const [row] = await this.db.$queryRaw<{ id: string; tenant_id: string; revoked: boolean; last_used_at: Date | null; tenant_name: string }[]>`
      SELECT k.id::text AS id, k.tenant_id::text AS tenant_id, k.revoked_at IS NOT NULL AS revoked, k.last_used_at, t.name AS tenant_name
      FROM api_keys k JOIN tenants t ON t.id = k.tenant_id WHERE k.key_hash = ${hashApiKey(key)}`;
    if (!row || row.revoked) return null;
    if (!row.last_used_at || Date.now() - row.last_used_at.getTime() >= LAST_USED_RESOLUTION_MS) await this.touch(row.id);
    return { keyId: row.id, tenantId: row.tenant_id, tenantName: row.tenant_name };
  }

  /**
   * The owner of an unrevoked key found by id: what a media token's key must still be (apps/api/media-token.ts), so
   * that revoking a key kills its tokens. Null for an unknown or revoked key.
   */
  async activeOwner(id: string): Promise<KeyOwner | null> {
    if (!UUID.test(id)) return null;
    const row = await this.db.apiKey.findUnique({
      where: { id },
      select: { id: true, tenantId: true, revokedAt: true, tenant: { select: { name: true } } },
    });
    if (!row || row.revokedAt) return null;
    return { keyId: row.id, tenantId: row.tenantId, tenantName: row.tenant.name };
  }

  /** Sets last_used_at unless another request did within the resolution (one conditional UPDATE). */
  async touch(id: string, now = new Date()): Promise<void> {
    const since = new Date(now.getTime() - LAST_USED_RESOLUTION_MS);
    await this.db.apiKey.updateMany({
      where: { id, OR: [{ lastUsedAt: null }, { lastUsedAt: { lte: since } }] },
      data: { lastUsedAt: now },
    });
  }
}
