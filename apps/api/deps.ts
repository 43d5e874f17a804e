import type { ServiceConfig } from '../../libs/config/index.js';
import { Queues } from '../../libs/queue/index.js';
import { ClusterService } from '../../libs/services/index.js';
import { createStore, type Store } from '../../libs/store/index.js';

/** What the API needs from the outside world; tests build it against their own database, Redis prefix and storage. */
export interface ApiDeps {
  config: ServiceConfig;
  store: Store;
  queues: Queues;
  /** Re-clustering of stored videos (cached linkages, cuts). */
  clusters: ClusterService;
}

export function createApiDeps(config: ServiceConfig, { onQueueError }: { onQueueError?: (err: Error) => void } = {}): ApiDeps & { close(): Promise<void> } {
  const store = createStore({ databaseUrl: config.databaseUrl, storageDir: config.storageDir });
  const queues = new Queues({ redisUrl: config.redisUrl, prefix: config.queuePrefix, webhookMaxAttempts: config.webhookMaxAttempts, webhookBackoffMs: config.webhookBackoffMs, onError: onQueueError });
  return {
    config,
    store,
    queues,
    clusters: new ClusterService(store),
    async close() {
      await queues.close();
      await store.close();
    },
  };
}
