import type { ServiceConfig } from '../../libs/config/node.js';
import type { ProbedVideo } from '../../libs/media/index.js';
import { ApiError } from './errors.js';

/** The accepted containers, codecs and duration (ALLOWED_CONTAINERS, ALLOWED_VIDEO_CODECS, MAX_VIDEO_SECONDS); an empty list accepts any. */
export type MediaPolicy = Pick<ServiceConfig, 'allowedContainers' | 'allowedVideoCodecs' | 'maxVideoSeconds'>;

/**
 * Refuses a probed upload the service will not process, before any job is queued: a container or codec outside
 * the accepted lists (415 UNSUPPORTED_CONTAINER / UNSUPPORTED_CODEC), a video longer than the limit (422 VIDEO_TOO_LONG).
 */
export function checkMediaPolicy(probed: ProbedVideo, policy: MediaPolicy): void {
  const names = probed.format.split(',');
  if (policy.allowedContainers.length && !names.some((n) => policy.allowedContainers.includes(n))) {
    throw new ApiError('UNSUPPORTED_CONTAINER', `container ${probed.format} is not accepted (accepted: ${policy.allowedContainers.join(', ')})`);
  }
  const codec = probed.info.codec;
  if (policy.allowedVideoCodecs.length && !policy.allowedVideoCodecs.includes(codec)) {
    throw new ApiError('UNSUPPORTED_CODEC', `video codec ${codec} is not accepted (accepted: ${policy.allowedVideoCodecs.join(', ')})`);
  }
  if (policy.maxVideoSeconds > 0 && probed.info.duration_s > policy.maxVideoSeconds) {
    throw new ApiError('VIDEO_TOO_LONG', `video lasts ${probed.info.duration_s.toFixed(1)} s, longer than the limit of ${policy.maxVideoSeconds} s`);
  }
}
