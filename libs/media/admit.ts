import { checkSampledRange, isKeycastError, KeycastError, type ExtractOptions, type ServiceConfig } from '../config/node.js';
import { probeVideo, type ProbedVideo } from './probe.js';

/** The accepted containers, codecs and duration (ALLOWED_CONTAINERS, ALLOWED_VIDEO_CODECS, MAX_VIDEO_SECONDS); an empty list accepts any. */
export type MediaPolicy = Pick<ServiceConfig, 'allowedContainers' | 'allowedVideoCodecs' | 'maxVideoSeconds'>;

/**
 * Refuses a probed video the service will not process: a container or codec outside the accepted lists (415
 * UNSUPPORTED_CONTAINER / UNSUPPORTED_CODEC), a video longer than the limit (422 VIDEO_TOO_LONG).
 */
export function checkMediaPolicy(probed: ProbedVideo, policy: MediaPolicy): void {
  const names = probed.format.split(',');
  if (policy.allowedContainers.length && !names.some((n) => policy.allowedContainers.includes(n))) {
    throw new KeycastError('UNSUPPORTED_CONTAINER', `container ${probed.format} is not accepted (accepted: ${policy.allowedContainers.join(', ')})`);
  }
  const codec = probed.info.codec;
  if (policy.allowedVideoCodecs.length && !policy.allowedVideoCodecs.includes(codec)) {
    throw new KeycastError('UNSUPPORTED_CODEC', `video codec ${codec} is not accepted (accepted: ${policy.allowedVideoCodecs.join(', ')})`);
  }
  if (policy.maxVideoSeconds > 0 && probed.info.duration_s > policy.maxVideoSeconds) {
    throw new KeycastError('VIDEO_TOO_LONG', `video lasts ${probed.info.duration_s.toFixed(1)} s, longer than the limit of ${policy.maxVideoSeconds} s`);
  }
}

/**
 * What a stored video must pass before its extraction is queued, whether it was uploaded or downloaded: not empty,
 * probed with only the accepted demuxers (content that is not a video: 415 UNSUPPORTED_MEDIA), the media policy,
 * and the sampled range within its duration. Errors name `what` ("the upload"), never a storage path.
 */
export async function admitVideo(absPath: string, bytes: number, policy: MediaPolicy, options: ExtractOptions, what = 'the upload'): Promise<ProbedVideo> {
  if (bytes === 0) throw new KeycastError('UNSUPPORTED_MEDIA', `${what} is empty`);
  let probed: ProbedVideo;
  try {
    probed = await probeVideo(absPath, { allowedFormats: policy.allowedContainers.length ? policy.allowedContainers : undefined });
  } catch (e) {
    if (!isKeycastError(e)) throw e;
    const message = e.message.split(absPath).join(what);
    if (e.code === 'NOT_A_VIDEO' || e.code === 'NO_VIDEO_STREAM') throw new KeycastError('UNSUPPORTED_MEDIA', message);
    throw new KeycastError(e.code, message);
  }
  checkMediaPolicy(probed, policy);
  checkSampledRange(options, probed.info.duration_s);
  return probed;
}
