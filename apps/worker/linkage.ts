import { UnrecoverableError, type Job } from 'bullmq';
import { isKeycastError, resolveClusterOptions } from '../../libs/config/index.js';
import type { LinkageJobData } from '../../libs/queue/index.js';
import type { WorkerDeps } from './deps.js';

/**
 * A linkage a clustering request needed and no cache held (the request answered 202): computed under the video's
 * people constraints of now and stored in the linkages table, where the repeated request finds it and only cuts.
 * Idempotent: a linkage already stored (an identical job, the API's own small-video path) is not recomputed.
 */
export function linkageProcessor(deps: WorkerDeps) {
  return async (job: Job<LinkageJobData>) => {
    const { videoId, options } = job.data;
    let opts;
    try {
      opts = resolveClusterOptions({ ...options });
    } catch (e) {
      // A payload no version of the API sends: retrying cannot help.
      if (isKeycastError(e)) throw new UnrecoverableError(`linkage job ${job.id}: ${e.message}`);
      throw e;
    }
    const r = await deps.clusters.storeLinkage(videoId, opts);
    deps.log.info({ linkage: r.key, faces: r.n, ms: Math.round(r.ms), stored: r.stored, skipped: r.skipped }, 'linkage');
    return { faces: r.n, ms: Math.round(r.ms), stored: r.stored, skipped: r.skipped ?? null };
  };
}
