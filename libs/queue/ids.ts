import { createHash } from 'node:crypto';
import type { WebhookEventType } from './payloads.js';

/**
 * Job ids derived from the video id: adding a job whose id exists is a no-op in BullMQ, so an
 * enqueue repeated (a retried request, a re-run split) never creates a second job.
 * (BullMQ reserves ':' in custom ids, hence '-'.)
 */
export const jobIds = {
  download: (videoId: string) => `download-${videoId}`,
  extract: (videoId: string) => `extract-${videoId}`,
  finalize: (videoId: string) => `finalize-${videoId}`,
  segment: (videoId: string, idx: number) => `segment-${videoId}-${idx}`,
  webhook: (videoId: string, event: WebhookEventType) => `webhook-${videoId}-${event.replace('.', '_')}`,
  /** One job per (video, person change): a person's edits are many events, each delivered once. */
  /** One job per (video, linkage key): two identical requests queue one computation. The key holds ':' and '|', hence its hash. */
  linkage: (videoId: string, linkageKey: string) => `linkage-${videoId}-${createHash('sha256').update(linkageKey).digest('hex').slice(0, 32)}`,
  personWebhook: (videoId: string, changeId: string) => `webhook-${videoId}-person_updated-${changeId}`,
};
