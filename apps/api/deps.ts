import type { ServiceConfig } from '../../libs/config/index.js';
import { Queues } from '../../libs/queue/index.js';
import { ClusterService, ErasureService, PersonService, personWebhookNotifier } from '../../libs/services/index.js';
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
  /** People and corrections (constraints of every clustering; person.updated webhooks). */
  people: PersonService;
}

export function createApiDeps(config: ServiceConfig, { onQueueError }: { onQueueError?: (err: Error) => void } = {}): ApiDeps & { close(): Promise<void> } {
  const store = createStore({ databaseUrl: config.databaseUrl, storageDir: config.storageDir });
  const queues = new Queues({
    redisUrl: config.redisUrl,
    prefix: config.queuePrefix,
    webhookMaxAttempts: config.webhookMaxAttempts,
    webhookBackoffMs: config.webhookBackoffMs,
    onError: onQueueError,
  });
  const clusters = new ClusterService(store);
  const notify = personWebhookNotifier(store, queues, (err) => process.stderr.write(`keycast api: person.updated webhook not queued: ${err.message}\n`));
  return {
    config,
    store,
    queues,
    clusters,
    erasure: new ErasureService(store, queues, clusters),
    people: new PersonService(store, { clusters, notify }),
    async close() {
      await queues.close();
      await store.close();
    },
  };
}
