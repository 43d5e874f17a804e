import type { PrismaClient } from './client.js';

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

  async list(videoId: string): Promise<DeliveryRecord[]> {
    const rows = await this.db.webhookDelivery.findMany({ where: { videoId }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
    return rows.map((r) => ({ ...r, id: Number(r.id), durationMs: r.durationMs ?? 0 }));
  }
}
