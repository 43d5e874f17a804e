// A real API server on a free port, over its own database, Redis prefix and storage directory.
import type { AddressInfo } from 'node:net';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { ServiceConfig } from '../../../libs/config/node.js';
import { migrate } from '../../../libs/store/index.js';
import { buildApp } from '../../../apps/api/app.js';
import { createApiDeps, type ApiDeps } from '../../../apps/api/deps.js';
import { createTestKey, type TestKey } from './auth.js';
import { dropDatabase, freshDatabase, tempDir, testConfig, uniquePrefix, PG_ADMIN_URL, TEST_REDIS_URL } from './services.js';

export interface RunningApi {
  app: FastifyInstance;
  deps: ApiDeps;
  config: ServiceConfig;
  baseUrl: string;
  databaseUrl: string;
  /** A key of tenant `test` (created at start): what `call` sends. */
  auth: TestKey;
  /** `call` on this server with `auth`'s key (an explicit `authorization` header in `init` wins). */
  call(method: string, path: string, init?: RequestInit): Promise<{ status: number; body: any; headers: Headers }>;
  close(): Promise<void>;
}

export async function startApi(
  dbName: string,
  over: Partial<ServiceConfig> = {},
  { keepDatabase = false, adminUrl = PG_ADMIN_URL, log }: { keepDatabase?: boolean; adminUrl?: string; log?: FastifyBaseLogger } = {},
): Promise<RunningApi> {
  const databaseUrl = over.databaseUrl ?? (await freshDatabase(dbName, adminUrl));
  await migrate(databaseUrl);
  const storage = over.storageDir ? null : tempDir('api');
  const config = testConfig({ databaseUrl, redisUrl: TEST_REDIS_URL, storageDir: storage?.dir, queuePrefix: uniquePrefix('api'), ...over });
  const deps = createApiDeps(config);
  const app = await buildApp(deps, log ? { log } : { logger: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const baseUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const auth = await createTestKey(databaseUrl, 'test');
  return {
    app,
    deps,
    config,
    baseUrl,
    databaseUrl,
    auth,
    call: (method, path, init = {}) =>
      call(baseUrl, method, path, { ...init, headers: { ...auth.headers, ...(init.headers as Record<string, string> | undefined) } }),
    async close() {
      await app.close();
      if (deps.queues.connection.status === 'ready') await deps.queues.obliterate().catch(() => {});
      await deps.close();
      if (!keepDatabase && !over.databaseUrl) await dropDatabase(dbName, adminUrl);
      storage?.cleanup();
    },
  };
}

/** fetch + JSON, for assertions on status and body. */
export async function call(baseUrl: string, method: string, path: string, init: RequestInit = {}): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(baseUrl + path, { method, ...init });
  const text = await res.text();
  let body: unknown = text;
  if ((res.headers.get('content-type') ?? '').includes('json') && text) body = JSON.parse(text);
  return { status: res.status, body, headers: res.headers };
}
