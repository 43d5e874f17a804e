import { loadServiceConfig } from '../../libs/config/node.js';
import { buildApp } from './app.js';
import { createApiDeps } from './deps.js';

/**
 * The OpenAPI document, built from the app without listening and without touching PostgreSQL or
 * Redis (their clients connect lazily and are closed unused).
 */
export async function openApiDocument(): Promise<Record<string, unknown>> {
  const deps = createApiDeps({ ...loadServiceConfig({}), redisUrl: 'redis://127.0.0.1:1', logLevel: 'silent' }, { onQueueError: () => {}, listen: false });
  deps.queues.connection.disconnect();
  try {
    const app = await buildApp(deps, { logger: false });
    await app.ready();
    const doc = app.swagger() as unknown as Record<string, unknown>;
    await app.close();
    return doc;
  } finally {
    await deps.store.close();
  }
}
