import { KeycastError, loadServiceConfig } from '../../../libs/config/node.js';
import { parseCommandArgs } from '../args.js';

export const TENANT_USAGE = `keycast tenant delete NAME [--json]
  Purges tenant NAME: every video with its faces, vectors, thumbnails and queue jobs, then its API keys
  and the tenant; prints what was removed. Uses DATABASE_URL, STORAGE_DIR, REDIS_URL and QUEUE_PREFIX
  (the same as the API's DELETE /admin/tenants/NAME).`;

export async function tenantCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const { positionals, flags } = parseCommandArgs(rest, {}, { json: { type: 'boolean' } });
  if (sub !== 'delete') throw new KeycastError('INVALID_OPTION', sub ? `unknown tenant command "${sub}" (delete)` : 'tenant needs a command: delete NAME');
  if (positionals.length !== 1) throw new KeycastError('INVALID_OPTION', 'tenant delete takes one tenant NAME');
  const config = loadServiceConfig();
  const { migrate, createStore } = await import('../../../libs/store/index.js');
  const { Queues } = await import('../../../libs/queue/index.js');
  const { ErasureBroadcast, ErasureService } = await import('../../../libs/services/index.js');
  const { createLogger } = await import('../../../libs/logger/index.js');
  await migrate(config.databaseUrl);
  const store = createStore({ databaseUrl: config.databaseUrl, storageDir: config.storageDir, poolSize: 2 });
  const queues = new Queues({ redisUrl: config.redisUrl, prefix: config.queuePrefix, webhookMaxAttempts: config.webhookMaxAttempts, onError: () => {} });
  try {
    // A warning (the erasure not broadcast to running processes) goes to stderr: stdout is the report.
    const erasures = new ErasureBroadcast(queues, {}, createLogger({ component: 'cli', destination: process.stderr }));
    const report = await new ErasureService(store, queues, erasures).deleteTenant(positionals[0]);
    if (!report) throw new KeycastError('NOT_FOUND', `no tenant ${positionals[0]}`);
    const out =
      flags.json === true
        ? JSON.stringify(report)
        : `deleted tenant ${report.tenant}: ${report.videos} videos, ${report.faces} faces (with their vectors), ${report.files} files (${report.bytes} bytes), ${report.jobs} queue jobs, ${report.api_keys} API keys`;
    process.stdout.write(`${out}\n`);
    return 0;
  } finally {
    await queues.close(2000);
    await store.close();
  }
}
