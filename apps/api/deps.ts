import type { ServiceConfig } from '../../libs/config/index.js';
import { Queues } from '../../libs/queue/index.js';
import { ClusterService, ErasureService } from '../../libs/services/index.js';
import { createStore, type Store } from '../../libs/store/index.js';

/** What the API needs from the outside world; tests build it against their own database, Redis prefix and storage. */
export interface ApiDeps {
  config: ServiceConfig;
  store: Store;
  queues: Queues;
  /** Re-clustering of stored videos (cached linkages, cuts). */
  clusters: ClusterService;
  /** Deletions of biometric data everywhere it lives (videos, tenants). */
  erasure: ErasureService;
}

export function createApiDeps(config: ServiceConfig, { onQueueError }: { onQueueError?: (err: Error) => void } = {}): ApiDeps & { close(): Promise<void> } {
  const store = createStore({ databaseUrl: config.databaseUrl, storageDir: config.storageDir });
  const queues = new Queues({ redisUrl: config.redisUrl, prefix: config.queuePrefix, webhookMaxAttempts: config.webhookMaxAttempts, webhookBackoffMs: config.webhookBackoffMs, onError: onQueueError });
  const clusters = new ClusterService(store);
  return {
    config,
    store,
    queues,
    clusters,
    erasure: new ErasureService(store, queues, clusters),
    async close() {
      await queues.close();
      await store.close();
    },
  };
}
