import { setTimeout as sleep } from 'node:timers/promises';
import type { Queues } from '../queue/index.js';
import { isWriteConflict, type Store, type TenantScope } from '../store/index.js';
import { ErasureBroadcast } from './erasure-broadcast.js';

/** What a deletion removed: faces are biometric data, so an erasure says what it erased. */
export interface ErasureReport {
  videos: number;
  /** Face rows, each with its two vectors (face and clothing). */
  faces: number;
  /** Files in storage (uploads, face thumbnails, body crops) and their bytes. */
  files: number;
  bytes: number;
  /** Queue jobs removed from Redis (waiting, delayed, finished); a running job stops on its own. */
  jobs: number;
}

export interface TenantErasureReport extends ErasureReport {
  tenant: string;
  api_keys: number;
}

const empty = (): ErasureReport => ({ videos: 0, faces: 0, files: 0, bytes: 0, jobs: 0 });

function add(into: ErasureReport, r: ErasureReport): void {
  into.videos += r.videos;
  into.faces += r.faces;
  into.files += r.files;
  into.bytes += r.bytes;
  into.jobs += r.jobs;
}

/**
 * Tries at a video's deletion when PostgreSQL aborts it as a write conflict: its cascade (faces → confirmed and
 * rejected faces of people) can deadlock with concurrent people edits, and PostgreSQL then rolls one side back
 * (seen once in 7 rounds of test/apps/api/people-races.test.ts-style load). The deletion is one statement in its own
 * transaction, rolled back whole, with nothing done outside the database before it, so running it again is safe and
 * an erasure is not left to the client to retry. Backoff doubles from 20 ms, jittered so that the two sides of a
 * deadlock do not meet again in step: 5 tries wait at most about 0.45 s in all.
 */
export const DELETE_ATTEMPTS = 5;
const DELETE_BACKOFF_MS = 20;

async function retryingWriteConflicts<T>(run: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (e) {
      if (attempt >= DELETE_ATTEMPTS || !isWriteConflict(e)) throw e;
      await sleep(DELETE_BACKOFF_MS * 2 ** (attempt - 1) * (0.5 + Math.random()));
    }
  }
}

/**
 * The lifecycle of biometric data: deleting a video removes it everywhere it lives — its rows (faces with their
 * vectors, linkages, segments, deliveries: ON DELETE CASCADE), its files (upload, thumbnails, body crops), its queue
 * jobs and payloads in Redis, and what every process holds of it in memory (fingerprints, cuts and kept pair
 * distances in ClusterService, search descriptors in FaceLibrary, people's exemplars in PeopleGalleries): this
 * process's at once, every other API and worker process's through the erasure broadcast. A tenant's purge and the
 * retention period are the same deletion, video by video.
 */
export class ErasureService {
  constructor(
    private readonly store: Store,
    private readonly queues: Queues,
    /** The process's broadcast (its memory forgets too); without one (the CLI) the deletion is still announced to the others. */
    private readonly erasures = new ErasureBroadcast(queues),
  ) {}

  /** Deletes one video (within `scope` when given); null when there is no such video. */
  async deleteVideo(videoId: string, scope?: TenantScope): Promise<ErasureReport | null> {
    const video = await this.store.videos.get(videoId, scope);
    if (!video) return null;
    const faces = await this.store.faces.count(videoId);
    const usage = await this.store.files.videoUsage(videoId);
    // The row first: from then on no request and no worker can reach the video, so nothing re-creates what follows.
    const existed = await retryingWriteConflicts(() => this.store.deleteVideo(videoId, scope));
    if (!existed) return null;
    await this.erasures.erased({ tenant: video.tenantId, videos: [videoId] });
    const jobs = await this.queues.removeVideoJobs(videoId, Math.max(video.segmentCount, 1));
    return { videos: 1, faces, files: usage.files, bytes: usage.bytes, jobs };
  }

  /** Deletes a tenant with all its videos and API keys; null when there is no tenant of that name. */
  async deleteTenant(name: string): Promise<TenantErasureReport | null> {
    const tenant = await this.store.apiKeys.findTenant(name);
    if (!tenant) return null;
    const total = empty();
    for (const id of await this.store.videos.ids({ tenantId: tenant.id })) {
      const r = await this.deleteVideo(id);
      if (r) add(total, r);
    }
    const keys = await this.store.apiKeys.deleteTenant(tenant.id);
    // Its people went with it: no process keeps their gallery.
    await this.erasures.erased({ tenant: tenant.id, videos: [] });
    return { tenant: name, api_keys: keys ?? 0, ...total };
  }

  /** Retention: deletes every video created more than `days` days before `now`. */
  async deleteOlderThan(days: number, now = new Date()): Promise<ErasureReport> {
    const total = empty();
    if (!(days > 0)) return total;
    const before = new Date(now.getTime() - days * 86_400_000);
    for (const id of await this.store.videos.ids({ createdBefore: before })) {
      const r = await this.deleteVideo(id);
      if (r) add(total, r);
    }
    return total;
  }
}
