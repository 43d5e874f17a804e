import type { Job } from 'bullmq';
import type { WebhookEventType, WebhookJobData } from '../../libs/queue/index.js';
import type { VideoRecord } from '../../libs/store/index.js';
import type { WorkerDeps } from './deps.js';
import { webhookHeaders } from './webhook-signing.js';

/** The JSON body of a webhook callback. */
export interface WebhookEvent {
  /** Same for every retry of one event: receivers deduplicate on it. */
  id: string;
  type: WebhookEventType;
  created_at: string;
  video_id: string;
  status: VideoRecord['status'];
  face_count: number;
  frame_count: number;
  duration_s: number | null;
  error: { code: string; message: string } | null;
  links: { video: string; clusters: string };
}

export function webhookEvent(video: VideoRecord, event: WebhookEventType, eventId: string, baseUrl: string): WebhookEvent {
  return {
    id: eventId,
    type: event,
    created_at: new Date().toISOString(),
    video_id: video.id,
    status: video.status,
    face_count: video.faceCount,
    frame_count: video.frameCount,
    duration_s: video.durationS,
    error: video.errorCode ? { code: video.errorCode, message: video.errorMessage ?? '' } : null,
    links: { video: `${baseUrl}/videos/${video.id}`, clusters: `${baseUrl}/videos/${video.id}/clusters` },
  };
}

const TIMEOUT_MS = 10_000;

/**
 * The `webhook` queue's processor: one delivery attempt of an event. POSTs the JSON body signed
 * (HMAC-SHA256 over `${timestamp}.${body}`, see webhook-signing.ts), records the attempt in
 * webhook_deliveries, and throws on anything but a 2xx so BullMQ retries it with exponential backoff.
 */
export function webhookProcessor(deps: WorkerDeps) {
  return async (job: Job<WebhookJobData>): Promise<{ status: number } | { skipped: string }> => {
    const { videoId, event, eventId, url } = job.data;
    const video = await deps.store.videos.get(videoId);
    if (!video) return { skipped: 'video deleted' };
    const body = JSON.stringify(webhookEvent(video, event, eventId, deps.config.publicBaseUrl));
    const attempt = job.attemptsMade + 1;
    const t0 = performance.now();
    let statusCode: number | null = null;
    let error: string | null = null;
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'keycast-webhook/1', 'x-keycast-event': event, 'x-keycast-delivery': eventId, ...webhookHeaders(deps.config.webhookSecret, body) },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      statusCode = res.status;
      await res.body?.cancel().catch(() => {});
      if (res.status < 200 || res.status >= 300) error = `HTTP ${res.status}`;
    } catch (e) {
      error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    }
    const durationMs = performance.now() - t0;
    await deps.store.deliveries.record({ videoId, eventId, event, url, attempt, statusCode, error, durationMs, delivered: error === null });
    deps.log.info('webhook attempt', { videoId, event, attempt, statusCode, error });
    if (error !== null) throw new Error(`webhook ${event} to ${url} failed (attempt ${attempt}): ${error}`);
    return { status: statusCode! };
  };
}
