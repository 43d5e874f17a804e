import type { ServiceConfig } from '../../libs/config/node.js';
import { createFacePool, type FacePool } from '../../libs/pipeline/index.js';
import { Queues } from '../../libs/queue/index.js';
import { ClusterService, ErasureBroadcast } from '../../libs/services/index.js';
import { createStore, type Store } from '../../libs/store/index.js';
import { createLogger, type Logger } from '../../libs/logger/index.js';

/** What the processors share: one store, one set of producers, one pool of inference threads. */
export interface WorkerDeps {
  config: ServiceConfig;
  store: Store;
  queues: Queues;
  /** Linkages of stored videos (the default one is computed when a video is ready). */
  clusters: ClusterService;
  /** Erasures: what this process forgets when any process erases (the linkage jobs' fingerprints, cuts, pair distances), and announces its own. */
  erasures: ErasureBroadcast;
  /** The face pool, started on first use (models load once per process). */
  pool(): Promise<FacePool>;
  log: Logger;
  close(): Promise<void>;
}

export function createWorkerDeps(config: ServiceConfig, opts: { poolSize?: number; log?: Logger } = {}): WorkerDeps {
  const store = createStore({ databaseUrl: config.databaseUrl, storageDir: config.storageDir, poolSize: 4 });
  const log = opts.log ?? createLogger({ level: config.logLevel, component: 'worker' });
  const queues = new Queues({
    log,
    redisUrl: config.redisUrl,
    prefix: config.queuePrefix,
    webhookMaxAttempts: config.webhookMaxAttempts,
    webhookBackoffMs: config.webhookBackoffMs,
  });
  const clusters = new ClusterService(store, undefined, undefined, config.treeMemoryBytes);
  const erasures = new ErasureBroadcast(queues, { clusters }, log);
  // Subscribed at start: a video deleted through any API replica leaves this worker's memory at once.
  const heard = erasures.listen();
  let pool: Promise<FacePool> | null = null;
  return {
    config,
    store,
    queues,
    clusters,
    erasures,
    log,
    pool: () => {
      pool ??= createFacePool({ size: opts.poolSize });
      pool.catch(() => {
        pool = null;
      });
      return pool;
    },
    async close() {
      if (pool) await (await pool.catch(() => null))?.close();
      await heard.close();
      await queues.close();
      await store.close();
    },
  };
}
