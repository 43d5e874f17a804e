import { ErasureService } from '../../libs/services/index.js';
import type { WorkerDeps } from './deps.js';

const HOUR_MS = 3_600_000;

/**
 * RETENTION_DAYS > 0: videos older than that are deleted with every trace of their faces (ErasureService), at start
 * and then every hour. Every worker runs it; a deletion another worker already made finds nothing and counts nothing.
 * Returns the stop function (and the first sweep's promise, for tests).
 */
export function startRetention(deps: WorkerDeps, { everyMs = HOUR_MS } = {}): { stop(): void; first: Promise<void> } {
  const days = deps.config.retentionDays;
  if (!(days > 0)) return { stop: () => {}, first: Promise.resolve() };
  const erasure = new ErasureService(deps.store, deps.queues, deps.erasures);
  const sweep = async () => {
    try {
      const r = await erasure.deleteOlderThan(days);
      if (r.videos > 0) deps.log.info({ retentionDays: days, ...r }, 'retention: old videos deleted');
    } catch (e) {
      deps.log.warn({ err: (e as Error).message }, 'retention sweep failed; next one in an hour');
    }
  };
  const first = sweep();
  const timer = setInterval(() => void sweep(), everyMs);
  timer.unref();
  return { stop: () => clearInterval(timer), first };
}
