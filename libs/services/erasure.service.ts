import type { Queues } from '../queue/index.js';
import type { Store, TenantScope } from '../store/index.js';
import type { ClusterService } from './cluster.service.js';
import type { FaceLibrary } from './face-library.service.js';

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
 * The lifecycle of biometric data: deleting a video removes it everywhere it lives — its rows (faces with their
 * vectors, linkages, segments, deliveries: ON DELETE CASCADE), its files (upload, thumbnails, body crops), its queue
 * jobs and payloads in Redis, and this process's in-memory fingerprints (ClusterService) and face descriptors (FaceLibrary). A tenant's purge and the
 * retention period are the same deletion, video by video.
 */
export class ErasureService {
  constructor(
    private readonly store: Store,
    private readonly queues: Queues,
    private readonly clusters?: ClusterService,
    private readonly library?: FaceLibrary,
  ) {}

  /** Deletes one video (within `scope` when given); null when there is no such video. */
  async deleteVideo(videoId: string, scope?: TenantScope): Promise<ErasureReport | null> {
    const video = await this.store.videos.get(videoId, scope);
    if (!video) return null;
    const faces = await this.store.faces.count(videoId);
    const usage = await this.store.files.videoUsage(videoId);
    // The row first: from then on no request and no worker can reach the video, so nothing re-creates what follows.
    const existed = await this.store.deleteVideo(videoId, scope);
    if (!existed) return null;
    this.clusters?.forget(videoId);
    this.library?.forget(videoId);
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
