import type { ServiceConfig } from '../../libs/config/node.js';
import { Queues } from '../../libs/queue/index.js';
import { createFacePool, type FacePool } from '../../libs/pipeline/index.js';
import {
  AppearanceService,
  ClusterService,
  ErasureBroadcast,
  ErasureService,
  FaceLibrary,
  PeopleGalleries,
  PersonService,
  personWebhookNotifier,
  QuestionService,
} from '../../libs/services/index.js';
import { createStore, type Store } from '../../libs/store/index.js';
import { createLogger, type Logger } from '../../libs/logger/index.js';

/** What the API needs from the outside world; tests build it against their own database, Redis prefix and storage. */
export interface ApiDeps {
  config: ServiceConfig;
  /** The process's one logger: Fastify's (each request's lines carry its request id) and what the deps log outside a request. */
  log: Logger;
  store: Store;
  queues: Queues;
  /** Re-clustering of stored videos (cached linkages, cuts). */
  clusters: ClusterService;
  /** Deletions of biometric data everywhere it lives (videos, tenants). */
  erasure: ErasureService;
  /** What this process forgets when any process erases (and what it tells the others when it does). */
  erasures: ErasureBroadcast;
  /** People and corrections (constraints of every clustering; person.updated webhooks). */
  people: PersonService;
  /** The tenants' stored face descriptors, for search by photo. */
  library: FaceLibrary;
  /** The tenants' people as recognition sees them (cluster suggestions, search matches). */
  galleries: PeopleGalleries;
  /** Questions about a cut and their answers as people edits (GET /videos/:id/questions). */
  questions: QuestionService;
  /** Where each person appears (GET /people/:id/appearances). */
  appearances: AppearanceService;
  /**
   * Face detection for uploaded photos: one inference thread (detection never blocks the event loop),
   * started on the first search, so an API that is never asked to search never loads the models.
   */
  faceDetector(): Promise<FacePool>;
}

export function createApiDeps(
  config: ServiceConfig,
  {
    onQueueError,
    log = createLogger({ level: config.logLevel, component: 'api' }),
    listen = true,
  }: {
    onQueueError?: (err: Error) => void;
    log?: Logger;
    /** Hear other processes' erasures (false only where nothing is served: the OpenAPI document's build). */
    listen?: boolean;
  } = {},
): ApiDeps & { close(): Promise<void> } {
  const store = createStore({ databaseUrl: config.databaseUrl, storageDir: config.storageDir });
  const queues = new Queues({
    redisUrl: config.redisUrl,
    prefix: config.queuePrefix,
    webhookMaxAttempts: config.webhookMaxAttempts,
    webhookBackoffMs: config.webhookBackoffMs,
    onError: onQueueError,
    log,
  });
  const clusters = new ClusterService(store, undefined, undefined, config.treeMemoryBytes);
  const notify = personWebhookNotifier(store, queues, (err) => log.warn({ err: err.message }, 'person.updated webhook not queued'));
  const library = new FaceLibrary(store);
  const galleries = new PeopleGalleries(store);
  const erasures = new ErasureBroadcast(queues, { clusters, library, galleries }, log);
  // Subscribed at start: an erasure anywhere leaves this process's memory at once.
  const heard = listen ? erasures.listen() : null;
  const people = new PersonService(store, { clusters, notify, erasures });
  let detector: Promise<FacePool> | null = null;
  return {
    config,
    log,
    store,
    queues,
    clusters,
    erasure: new ErasureService(store, queues, erasures),
    erasures,
    people,
    questions: new QuestionService(store, people),
    library,
    galleries,
    appearances: new AppearanceService(store, clusters),
    faceDetector: () => {
      detector ??= createFacePool({ size: 1 });
      detector.catch(() => {
        detector = null;
      });
      return detector;
    },
    async close() {
      if (detector) await (await detector.catch(() => null))?.close();
      await heard?.close();
      await queues.close();
      await store.close();
    },
  };
}
