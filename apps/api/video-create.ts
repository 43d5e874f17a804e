import type { FastifyInstance } from 'fastify';
import { CLUSTER_KEYS, EXTRACT_KEYS, resolveExtractOptions, unknownNameMessage, type ExtractOptions } from '../../libs/config/index.js';
import { QueueUnavailableError } from '../../libs/queue/index.js';
import type { NewVideo } from '../../libs/store/index.js';
import { resolveWebhookTarget } from '../../libs/webhooks/index.js';
import { ApiError } from './errors.js';
import { tooManyJobs } from './job-quota.js';
import { FIELD_MAX_BYTES, OWNER_MAX_CHARS } from './schemas/videos.js';

// What POST /videos checks of a video to create, whether its bytes come in the request (upload.ts) or from a URL (ingest-url.ts).

export const NON_OPTION_FIELDS = new Set(['url', 'callback_url', 'owner']);
/** Every field of the upload form: the file (or a url), the webhook and owner tag, and `keycast analyze`'s extraction options in snake_case. */
export const UPLOAD_FIELDS = ['file', ...NON_OPTION_FIELDS, ...EXTRACT_KEYS, 'face_cloth_weights'];

/** A field the form does not have: a clustering option is told where it belongs, anything else its closest field. */
function unknownField(name: string): ApiError {
  if ((CLUSTER_KEYS as readonly string[]).includes(name)) {
    return new ApiError(
      'UNKNOWN_OPTION',
      `${name} is a clustering option: pass it to GET /videos/:id/clusters (clustering runs on request, on the stored faces), not to the upload`,
    );
  }
  return new ApiError('UNKNOWN_OPTION', unknownNameMessage('field', name, UPLOAD_FIELDS));
}
/** A field over its limit, in the same words whether it came in a form or a JSON body. */
export function fieldTooLong(name: string): ApiError {
  const limit = name === 'owner' ? `${OWNER_MAX_CHARS} characters` : `${FIELD_MAX_BYTES} bytes`;
  return new ApiError('INVALID_OPTION', `field ${name} is longer than the limit of ${limit}`);
}

function characters(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

export interface Fields {
  options: ExtractOptions;
  callbackUrl: string | null;
  owner: string | null;
}

/**
 * The fields of a video's creation, from a multipart form or a JSON body alike (`url` excepted, checked by the
 * caller): no unknown field, the extraction options (libs/config's rules), the callback URL's address, the owner tag.
 */
export async function checkFields(app: FastifyInstance, raw: Record<string, unknown>): Promise<Fields> {
  const { config } = app.keycast;
  const options = Object.create(null) as Record<string, unknown>;
  for (const k of Object.keys(raw)) if (!UPLOAD_FIELDS.includes(k)) throw unknownField(k);
  for (const [k, v] of Object.entries(raw)) if (!NON_OPTION_FIELDS.has(k)) options[k] = v;
  const resolved = resolveExtractOptions(options);
  for (const k of ['callback_url', 'owner'] as const)
    if (raw[k] !== undefined && raw[k] !== null && typeof raw[k] !== 'string') throw new ApiError('INVALID_OPTION', `${k} must be a string`);
  const owner = typeof raw.owner === 'string' && raw.owner !== '' ? raw.owner : null;
  // Counted as the schema counts (code points); UTF-16 units are never fewer, so short tags are not walked.
  if (owner !== null && owner.length > OWNER_MAX_CHARS && characters(owner) > OWNER_MAX_CHARS) throw fieldTooLong('owner');
  const callbackUrl = raw.callback_url
    ? (
        await resolveWebhookTarget(
          raw.callback_url as string,
          { allowPrivate: config.webhookAllowPrivate, allowedHosts: config.webhookAllowedHosts },
          { timeoutMs: config.webhookTimeoutMs },
        )
      ).url.toString()
    : null;
  return { options: resolved, callbackUrl, owner };
}

/**
 * Creates a checked video's row within its tenant's job quota and queues its first job (extraction, or the download
 * of a video given by URL). A row whose job cannot be queued is deleted again: the request is answered 503.
 */
export async function createAndQueue(
  app: FastifyInstance,
  video: NewVideo & { id: string; tenantId: string },
  enqueue: (id: string) => Promise<void>,
): Promise<void> {
  const { store, config } = app.keycast;
  const max = config.maxActiveJobsPerTenant;
  if (max <= 0) await store.videos.create(video);
  else {
    const { video: created, active } = await store.videos.createWithinQuota(video, max);
    if (!created) throw tooManyJobs(active, max);
  }
  try {
    await enqueue(video.id);
  } catch (e) {
    await store.deleteVideo(video.id);
    // Our own queue errors are worded for clients; anything else from the Redis client may name hosts and ports.
    throw new ApiError('UNAVAILABLE', `could not queue the job: ${e instanceof QueueUnavailableError ? e.message : 'the job queue (Redis) failed'}`);
  }
}
