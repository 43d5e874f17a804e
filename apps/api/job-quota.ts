import type { Store } from '../../libs/store/index.js';
import { ApiError } from './errors.js';

/** Videos of `tenantId` still waiting for or in extraction. */
export function activeVideoCount(store: Store, tenantId: string): Promise<number> {
  return store.db.video.count({ where: { tenantId, status: { in: ['queued', 'processing'] } } });
}

/**
 * Refuses a new upload while the tenant already has `max` videos queued or processing (429 TOO_MANY_JOBS; 0 = no
 * limit): one tenant cannot fill the queue that every tenant's jobs wait in. Checked before the upload is read (so
 * a refused upload is not stored); the binding check is the store's createWithinQuota, whose per-tenant lock keeps
 * racing uploads from overshooting. `refused` = that check already said no (the answer still names the count).
 */
export async function checkJobQuota(store: Store, tenantId: string, max: number, refused = false): Promise<void> {
  if (max <= 0) return;
  const active = await activeVideoCount(store, tenantId);
  if (active >= max || refused) throw new ApiError('TOO_MANY_JOBS', `${active} of your videos are queued or processing (limit ${max}): wait for some to finish`);
}
