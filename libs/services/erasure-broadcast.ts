import { randomUUID } from 'node:crypto';
import { createLogger, type Logger } from '../logger/index.js';
import type { Queues, Subscription } from '../queue/index.js';
import type { ClusterService } from './cluster.service.js';
import type { FaceLibrary } from './face-library.service.js';
import type { PeopleGalleries } from './people-gallery.service.js';

/** The pub/sub channel (under the queue prefix) every API and worker process hears erasures on. */
export const ERASURE_CHANNEL = 'erasure';

/**
 * What was erased, as every process must forget it: ids only, never a face. `videos`: deleted videos (their
 * fingerprints, cuts, kept pair distances and search descriptors). `tenant`: the tenant whose people gallery held
 * exemplars of them or of a deleted person (a deleted video's faces leave its people too); null for videos from
 * before tenants.
 */
export interface Erased {
  tenant: string | null;
  videos: string[];
}

/** What a process holds in memory of faces; each is optional (the worker holds clusterings only, the CLI nothing). */
export interface FaceMemory {
  clusters?: ClusterService;
  library?: FaceLibrary;
  galleries?: PeopleGalleries;
}

/** The one rule of what an erasure drops from a process's memory; returns how many of the videos it held. */
function forget(memory: FaceMemory, e: Erased): number {
  let held = 0;
  for (const v of e.videos) {
    if (memory.clusters?.holds(v) || memory.library?.holds(v)) held++;
    memory.clusters?.erase(v);
    memory.library?.erase(v);
  }
  if (e.tenant !== null) memory.galleries?.forget(e.tenant);
  return held;
}

/** A message as sent: who sent it (a process drops its own echo: it forgot at once) and what was erased. */
interface Message extends Erased {
  from: string;
}

/** A message heard from Redis, checked whole: anything else on the channel is ignored. */
function parse(m: unknown): Message | null {
  if (typeof m !== 'object' || m === null) return null;
  const { from, tenant, videos } = m as Record<string, unknown>;
  if (typeof from !== 'string' || !(tenant === null || typeof tenant === 'string')) return null;
  if (!Array.isArray(videos) || !videos.every((v): v is string => typeof v === 'string')) return null;
  return { from, tenant, videos };
}

/**
 * Faces are biometric data: an erasure reaches every process at once, not only the one that ran it. The process
 * that deletes forgets at once and publishes what it erased on Redis (pub/sub under the queue prefix); every API and
 * worker process hears it (`listen`, at start) and forgets the same. Pub/sub is not durable, so this only speeds up
 * what holds anyway: a process that was down held nothing, FaceLibrary and PeopleGalleries still reconcile with
 * PostgreSQL on every read, and kept pair distances go when idle. Publishing never fails a deletion (the rows are
 * gone already): with Redis down it logs a warning.
 */
export class ErasureBroadcast {
  private readonly id = randomUUID();

  constructor(
    private readonly queues: Queues,
    private readonly memory: FaceMemory = {},
    private readonly log: Logger = createLogger({ component: 'erasure' }),
  ) {}

  /** Forgets `e` here, then tells every other process; never throws. Call it once the database deletion is committed. */
  async erased(e: Erased): Promise<void> {
    forget(this.memory, e);
    try {
      await this.queues.publish(ERASURE_CHANNEL, { from: this.id, ...e } satisfies Message);
    } catch (err) {
      // Ids and counts only: never a face, and the error's own message (Queues' wording or the Redis client's).
      this.log.warn({ videos: e.videos.length, err: (err as Error).message }, 'erasure not broadcast: other processes drop it when idle or on their next read');
    }
  }

  /** Starts hearing other processes' erasures (close the subscription at shutdown). */
  listen(): Subscription {
    return this.queues.subscribe(ERASURE_CHANNEL, (m) => {
      const e = parse(m);
      if (!e || e.from === this.id) return;
      const held = forget(this.memory, e);
      // Counts only (never a face): how an operator, or an end-to-end test, sees a process let go of a deleted video.
      this.log.debug({ videos: e.videos.length, held }, 'erasure heard');
    });
  }
}
