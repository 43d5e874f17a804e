import { randomUUID } from 'node:crypto';
import { extname } from 'node:path';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { INGEST_RULES, resolveTarget, type TargetRules } from '../../libs/webhooks/index.js';
import type { TenantScope } from '../../libs/store/index.js';
import { ApiError } from './errors.js';
import { checkFields, createAndQueue, type Fields } from './video-create.js';

/**
 * At request time a host that does not resolve is the client's mistake (400, as a callback_url's); the download
 * keeps SOURCE_UNREACHABLE for it, a name that may resolve again on a later try.
 */
const REQUEST_RULES: TargetRules = { ...INGEST_RULES, unresolved: 'INVALID_URL' };

/**
 * Checks a video's `url` as the download will (http(s), no credentials, a host that resolves to an address the
 * ingest rules allow) and creates the video `downloading`, its download job queued (payload: the id). The URL is
 * kept in the video's row for the job alone: answers and logs show its host only. Throws INVALID_URL,
 * URL_NOT_ALLOWED; INVALID_URL also when the host does not resolve.
 */
export async function createFromUrl(app: FastifyInstance, scope: TenantScope, id: string, url: unknown, fields: Fields): Promise<void> {
  const { store, queues, config } = app.keycast;
  if (typeof url !== 'string' || url === '') throw new ApiError('INVALID_URL', 'url must be an absolute http or https URL (a string)');
  const target = await resolveTarget(
    url,
    { allowPrivate: config.ingestAllowPrivate, allowedHosts: config.ingestAllowedHosts },
    { rules: REQUEST_RULES, timeoutMs: config.ingestReadTimeoutMs },
  );
  // The stored file is named after the path's extension only (as an upload after its file name's).
  const ext = extname(target.url.pathname);
  await createAndQueue(
    app,
    {
      id,
      tenantId: scope.tenantId,
      options: fields.options,
      owner: fields.owner,
      callbackUrl: fields.callbackUrl,
      filename: null,
      sourceKey: store.files.sourceKey(id, ext ? `video${ext}` : undefined),
      sizeBytes: 0,
      sourceUrl: target.url.toString(),
      sourceHost: target.url.host,
    },
    (vid) => queues.enqueueDownload(vid),
  );
}

/** POST /videos with a JSON body: `{"url": …}` and the upload form's other fields (options, callback_url, owner). */
export async function receiveUrl(app: FastifyInstance, req: FastifyRequest, scope: TenantScope): Promise<{ id: string }> {
  const type = req.headers['content-type'];
  if (!type || !/^application\/json\b/i.test(type)) {
    throw new ApiError(
      'UNSUPPORTED_CONTENT_TYPE',
      `POST /videos takes multipart/form-data with a \`file\` field, or application/json with a \`url\`; got ${type ? JSON.stringify(type.slice(0, 100)) : 'no Content-Type'}`,
    );
  }
  const body = req.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ApiError('INVALID_OPTION', 'the JSON body must be an object with a `url`');
  const { url, ...rest } = body as Record<string, unknown>;
  if ('file' in rest) throw new ApiError('INVALID_OPTION', 'a JSON body gives the video as `url`; a file goes in a multipart/form-data `file` part');
  if (url === undefined) throw new ApiError('MISSING_FILE', 'no `url` in the JSON body (or send the video itself as multipart/form-data `file`)');
  const fields = await checkFields(app, rest);
  const id = randomUUID();
  await createFromUrl(app, scope, id, url, fields);
  return { id };
}
