import type { Queues } from '../queue/index.js';
import type { Store } from '../store/index.js';
import type { PersonChange } from './person.service.js';

/**
 * person.updated webhooks. keycast has no tenant-level webhook address; the addresses a tenant gave are
 * its videos' callback URLs. So a person change is announced to the callback URL of every video whose
 * constraints it changed (or that holds the person's faces, for a rename or a deletion): one event per
 * (video, change), signed, retried and recorded like video.ready. Best effort once the edit is committed:
 * a queue that does not answer loses the event (reported to `onError`), never the edit.
 */
export function personWebhookNotifier(store: Store, queues: Queues, onError: (err: Error) => void = () => {}): (changes: PersonChange[]) => Promise<void> {
  return async (changes) => {
    const hooked = new Map<string, boolean>();
    for (const c of changes) {
      for (const videoId of c.videoIds) {
        if (!hooked.has(videoId)) hooked.set(videoId, Boolean((await store.videos.get(videoId))?.callbackUrl));
        if (!hooked.get(videoId)) continue;
        try {
          await queues.enqueuePersonWebhook(videoId, { id: c.personId, action: c.action }, c.eventId);
        } catch (e) {
          onError(e as Error);
        }
      }
    }
  };
}
