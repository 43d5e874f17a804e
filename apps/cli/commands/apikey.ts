import { KeycastError, loadServiceConfig } from '../../../libs/config/node.js';
import type { ApiKeyInfo } from '../../../libs/store/index.js';
import { parseCommandArgs } from '../args.js';

export const APIKEY_USAGE = `keycast apikey create --tenant NAME [--name LABEL] [--json]
  Creates an API key of tenant NAME (the tenant is created if new) and prints it: it is shown this
  once and stored only as a hash. Clients send it as \`Authorization: Bearer <key>\`.
keycast apikey list [--tenant NAME] [--json]
  Lists keys (id, tenant, label, prefix, dates), never the keys themselves.
keycast apikey revoke ID [--json]
  Revokes key ID: its requests get 401 from then on.
  All three use DATABASE_URL and apply pending migrations first.`;

const MAX_TENANT = 100;
const MAX_LABEL = 200;

function text(flag: string, v: string | boolean | undefined, max: number): string | undefined {
  if (v === undefined) return undefined;
  const s = String(v).trim();
  // eslint-disable-next-line no-control-regex -- control characters are exactly what this refuses
  if (s === '' || s.length > max || /[\u0000-\u001f\u007f]/.test(s)) {
    throw new KeycastError('INVALID_OPTION', `--${flag} must be 1 to ${max} printable characters`);
  }
  return s;
}

const iso = (d: Date | null) => (d ? d.toISOString() : '-');

function json(k: ApiKeyInfo & { key?: string }) {
  return {
    id: k.id,
    tenant: k.tenantName,
    tenant_id: k.tenantId,
    name: k.name,
    prefix: k.prefix,
    created_at: iso(k.createdAt),
    last_used_at: k.lastUsedAt && iso(k.lastUsedAt),
    revoked_at: k.revokedAt && iso(k.revokedAt),
    ...(k.key ? { key: k.key } : {}),
  };
}

function table(keys: ApiKeyInfo[]): string {
  const head = ['ID', 'TENANT', 'NAME', 'PREFIX', 'CREATED', 'LAST USED', 'REVOKED'];
  const rows = keys.map((k) => [k.id, k.tenantName, k.name ?? '-', `${k.prefix}…`, iso(k.createdAt), iso(k.lastUsedAt), iso(k.revokedAt)]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [head, ...rows]
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** Opens the store on DATABASE_URL after applying pending migrations; a database that does not answer is UNAVAILABLE. */
async function openKeys() {
  const { migrate, createPrismaClient, ApiKeyRepository } = await import('../../../libs/store/index.js');
  const { databaseUrl } = loadServiceConfig();
  try {
    await migrate(databaseUrl);
  } catch (e) {
    const where = new URL(databaseUrl);
    throw new KeycastError('UNAVAILABLE', `database ${where.host}${where.pathname} not usable: ${(e as Error).message}`);
  }
  const db = createPrismaClient(databaseUrl, { max: 1 });
  return { keys: new ApiKeyRepository(db), close: () => db.$disconnect() };
}

export async function apikeyCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const { positionals, flags } = parseCommandArgs(rest, {}, { tenant: { type: 'string' }, name: { type: 'string' }, json: { type: 'boolean' } });
  const asJson = flags.json === true;
  const out = (s: string) => process.stdout.write(`${s}\n`);
  if (sub === 'create') {
    if (positionals.length > 0) throw new KeycastError('INVALID_OPTION', `unexpected argument: ${positionals[0]}`);
    const tenant = text('tenant', flags.tenant, MAX_TENANT);
    if (!tenant) throw new KeycastError('INVALID_OPTION', 'apikey create needs --tenant NAME');
    const name = text('name', flags.name, MAX_LABEL) ?? null;
    const { keys, close } = await openKeys();
    try {
      const k = await keys.create(tenant, { name });
      if (asJson) out(JSON.stringify(json(k)));
      else
        out(
          `${k.key}\n\nid:     ${k.id}\nprefix: ${k.prefix}\ntenant: ${k.tenantName}\nname:   ${k.name ?? '-'}\n\nThis is the only time the key is shown: it is stored as a hash. Send it as \`Authorization: Bearer <key>\`.`,
        );
    } finally {
      await close();
    }
    return 0;
  }
  if (sub === 'list') {
    if (positionals.length > 0) throw new KeycastError('INVALID_OPTION', `unexpected argument: ${positionals[0]}`);
    if (flags.name !== undefined) throw new KeycastError('INVALID_OPTION', '--name applies to apikey create');
    const tenant = text('tenant', flags.tenant, MAX_TENANT);
    const { keys, close } = await openKeys();
    try {
      const list = await keys.list({ tenant });
      if (asJson) out(JSON.stringify(list.map((k) => json(k))));
      else out(list.length ? table(list) : `no keys${tenant ? ` for tenant ${tenant}` : ''}`);
    } finally {
      await close();
    }
    return 0;
  }
  if (sub === 'revoke') {
    if (positionals.length !== 1) throw new KeycastError('INVALID_OPTION', 'apikey revoke takes one key ID (see keycast apikey list)');
    if (flags.tenant !== undefined || flags.name !== undefined) throw new KeycastError('INVALID_OPTION', 'apikey revoke takes only a key ID');
    const { keys, close } = await openKeys();
    try {
      const k = await keys.revoke(positionals[0]);
      if (!k) throw new KeycastError('NOT_FOUND', `no API key ${positionals[0]}`);
      if (asJson) out(JSON.stringify(json(k)));
      else out(`revoked ${k.id} (${k.prefix}…, tenant ${k.tenantName}) at ${iso(k.revokedAt)}`);
    } finally {
      await close();
    }
    return 0;
  }
  throw new KeycastError('INVALID_OPTION', sub ? `unknown apikey command "${sub}" (create, list, revoke)` : 'apikey needs a command: create, list or revoke');
}
