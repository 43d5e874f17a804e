import { UnrecoverableError, type Job } from 'bullmq';
import type { WebhookEventType, WebhookJobData } from '../../libs/queue/index.js';
import type { VideoRecord } from '../../libs/store/index.js';
import { isKeycastError } from '../../libs/config/index.js';
import { resolveWebhookTarget, webhookHeaders, type Resolve, type WebhookTarget } from '../../libs/webhooks/index.js';
import { redactUrl } from '../../libs/logger/index.js';
import type { WorkerDeps } from './deps.js';
import { postWebhook } from './webhook-post.js';

/** The JSON body of a webhook callback. */
export interface WebhookEvent {
  /** Same for every retry of one event: receivers deduplicate on it. */
  id: string;
  type: WebhookEventType;
  created_at: string;
  video_id: string;
  status: VideoRecord['status'];
  face_count: number;
  /** Frames sampled and searched for faces (the API's sampled_frames). */
  sampled_frames: number;
  duration_s: number | null;
  error: { code: string; message: string } | null;
  links: { video: string; clusters: string; person?: string };
  /** person.updated only: the person that changed (now; `deleted` once gone) and how. */
  person?: { id: string; name: string | null; deleted: boolean; action: string };
}

export function webhookEvent(video: VideoRecord, event: WebhookEventType, eventId: string, baseUrl: string): WebhookEvent {
  return {
    id: eventId,
    type: event,
    // The event's time (the video became ready or failed), the same on every retry; the signature carries the attempt's.
    created_at: (video.finishedAt ?? video.updatedAt).toISOString(),
    video_id: video.id,
    status: video.status,
    face_count: video.faceCount,
    sampled_frames: video.frameCount,
    duration_s: video.durationS,
    error: video.errorCode ? { code: video.errorCode, message: video.errorMessage ?? '' } : null,
    links: { video: `${baseUrl}/videos/${video.id}`, clusters: `${baseUrl}/videos/${video.id}/clusters` },
  };
}

/**
 * The `webhook` queue's processor: one delivery attempt of an event. The callback URL's host is resolved and
 * checked again now (the upload's check may be stale: DNS rebinding), and the request goes to the checked
 * address only. A refused target fails the event at once (no retry: the answer would not change); any other
 * failure, a 3xx included (redirects are not followed), throws so BullMQ retries it with exponential backoff.
 * The body is signed (HMAC-SHA256 over `${timestamp}.${body}`, see libs/webhooks/signing.ts); every attempt is recorded
 * in webhook_deliveries. `resolve` replaces DNS in tests.
 */
export function webhookProcessor(deps: WorkerDeps, { resolve }: { resolve?: Resolve } = {}) {
  const { config } = deps;
  const policy = { allowPrivate: config.webhookAllowPrivate, allowedHosts: config.webhookAllowedHosts };
  return async (job: Job<WebhookJobData>): Promise<{ status: number } | { skipped: string }> => {
    const { videoId, event, eventId } = job.data;
    const video = await deps.store.videos.get(videoId);
    if (!video) return { skipped: 'video deleted' };
    const url = video.callbackUrl ?? job.data.url;
    if (!url) return { skipped: 'no callback_url' };
    const payload = webhookEvent(video, event, eventId, config.publicBaseUrl);
    if (event === 'person.updated' && job.data.person) {
      const p = await deps.store.people.get(job.data.person.id);
      payload.person = { id: job.data.person.id, name: p?.name ?? null, deleted: p === null, action: job.data.person.action };
      payload.links.person = `${config.publicBaseUrl}/people/${job.data.person.id}`;
    }
    const body = JSON.stringify(payload);
    const attempt = job.attemptsMade + 1;
    const t0 = performance.now();
    let statusCode: number | null = null;
    let error: string | null = null;
    let refused = false;
    let target: WebhookTarget | null = null;
    try {
      target = await resolveWebhookTarget(url, policy, { resolve, timeoutMs: config.webhookTimeoutMs });
    } catch (e) {
      if (!isKeycastError(e)) throw e;
      refused = true;
      error = `refused: ${e.message}`;
    }
    if (target) {
      const headers = {
        'content-type': 'application/json',
        'user-agent': 'keycast-webhook/1',
        'x-keycast-event': event,
        'x-keycast-delivery': eventId,
        ...webhookHeaders(config.webhookSecret, body),
      };
      ({ statusCode, error } = await postWebhook(target, headers, body, config.webhookTimeoutMs));
    }
    const durationMs = performance.now() - t0;
    await deps.store.deliveries.record({ videoId, eventId, event, url, attempt, statusCode, error, durationMs, delivered: error === null });
    deps.log.info({ event, attempt, url: redactUrl(url), statusCode, error, address: target?.address.address ?? null }, 'webhook attempt');
    // These messages are kept by BullMQ in Redis and logged: the URL only as its host.
    if (refused) throw new UnrecoverableError(`webhook ${event} to ${redactUrl(url)} not sent: ${error}`);
    if (error !== null) throw new Error(`webhook ${event} to ${redactUrl(url)} failed (attempt ${attempt}): ${error}`);
    return { status: statusCode! };
  };
}
