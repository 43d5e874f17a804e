import type { Store } from '../../libs/store/index.js';
import { ApiError } from './errors.js';

/** The 429 of a tenant with `active` videos queued or processing against a limit of `max`. */
export function tooManyJobs(active: number, max: number): ApiError {
  return new ApiError('TOO_MANY_JOBS', `${active} of your videos are queued or processing (limit ${max}): wait for some to finish`);
}

/**
 * Refuses a new upload while the tenant already has `max` videos queued or processing (429 TOO_MANY_JOBS; 0 = no
 * limit): one tenant cannot fill the queue that every tenant's jobs wait in. This early check runs before the upload
 * is read (so a refused upload is not stored); the binding one is the store's createWithinQuota, whose per-tenant
 * lock keeps racing uploads from overshooting.
 */
export async function checkJobQuota(store: Store, tenantId: string, max: number): Promise<void> {
  if (max <= 0) return;
  const active = await store.videos.activeCount(tenantId);
  if (active >= max) throw tooManyJobs(active, max);
}
