import type { PrismaClient } from './client.js';
import type { TenantScope } from './videos.js';

export interface DeliveryAttempt {
  videoId: string;
  eventId: string;
  event: string;
  url: string;
  attempt: number;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  delivered: boolean;
}

export interface DeliveryRecord extends Omit<DeliveryAttempt, 'delivered'> {
  id: number;
  /** The id answers show (a random UUID): the serial `id` counts every tenant's deliveries. */
  publicId: string;
  createdAt: Date;
  deliveredAt: Date | null;
}

export class DeliveryRepository {
  constructor(private readonly db: PrismaClient) {}

  /** Records one attempt; returns false when the video no longer exists (deleted while the webhook was pending). */
  async record(a: DeliveryAttempt): Promise<boolean> {
    const exists = await this.db.video.count({ where: { id: a.videoId } });
    if (!exists) return false;
    const { delivered, ...rest } = a;
    await this.db.webhookDelivery.create({ data: { ...rest, error: rest.error?.slice(0, 2000) ?? null, deliveredAt: delivered ? new Date() : null } });
    return true;
  }

  /** Attempts for a video, oldest first; with `scope`, none unless the video is the tenant's (deliveries belong to their video's tenant). */
  async list(videoId: string, scope?: TenantScope): Promise<DeliveryRecord[]> {
    const rows = await this.db.webhookDelivery.findMany({
      where: { videoId, ...(scope ? { video: { tenantId: scope.tenantId } } : {}) },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    });
    return rows.map((r) => ({ ...r, id: Number(r.id), durationMs: r.durationMs ?? 0 }));
  }
}
