import { randomUUID } from 'node:crypto';
import { extname } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  CLUSTER_KEYS,
  EXTRACT_KEYS,
  KeycastError,
  checkSampledRange,
  isKeycastError,
  resolveExtractOptions,
  unknownNameMessage,
  type ExtractOptions,
} from '../../libs/config/index.js';
import { probeVideo, type ProbedVideo } from '../../libs/media/index.js';
import type { TenantScope } from '../../libs/store/index.js';
import { QueueUnavailableError } from '../../libs/queue/index.js';
import { resolveWebhookTarget } from '../../libs/webhooks/index.js';
import { ApiError } from './errors.js';
import { checkJobQuota, tooManyJobs } from './job-quota.js';
import { checkMediaPolicy } from './media-policy.js';

/** Reads a stream to its end, keeping nothing. */
async function discard(stream: NodeJS.ReadableStream & { readableEnded?: boolean }): Promise<void> {
  if (stream.readableEnded) return;
  await pipeline(stream, new Writable({ write: (_chunk, _enc, cb) => cb() })).catch(() => {});
}

const NON_OPTION_FIELDS = new Set(['callback_url', 'owner']);
/** Every field of the upload form: the file, the webhook and owner tag, and `keycast analyze`'s extraction options in snake_case. */
const UPLOAD_FIELDS = ['file', ...NON_OPTION_FIELDS, ...EXTRACT_KEYS, 'face_cloth_weights'];

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
const MAX_FILENAME = 255;

/**
 * The client's file name as display metadata only (storage keys never come from it): its last path component
 * (either separator), without control or bidirectional-override characters, NFC, at most 255 characters; null when
 * nothing is left.
 */
export function displayFilename(raw: string | undefined): string | null {
  if (!raw) return null;
  const base = raw.split(/[/\\]/).pop() ?? '';
  const clean = base
    .normalize('NFC')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '')
    .trim();
  if (clean === '' || clean === '.' || clean === '..') return null;
  const chars = [...clean];
  if (chars.length <= MAX_FILENAME) return clean;
  // Too long: the stem is cut, the extension (what the stored file is named after) kept.
  const ext = [...extname(clean)];
  const keep = ext.length > 0 && ext.length <= 16 ? ext : [];
  return [...chars.slice(0, MAX_FILENAME - keep.length), ...keep].join('');
}

interface Fields {
  options: ExtractOptions;
  callbackUrl: string | null;
  owner: string | null;
}

/**
 * Errors while reading the multipart body. Ours, and @fastify/multipart's coded ones (limits), keep their meaning;
 * system errors (a full disk) are the server's; anything else the parser says is a malformed body.
 */
function multipartError(e: unknown): unknown {
  if (e instanceof ApiError || isKeycastError(e)) return e;
  const code = (e as { code?: unknown }).code;
  if (code === 'FST_FILES_LIMIT') return new ApiError('TOO_MANY_FILES', 'only one file per upload');
  if (code === 'FST_FIELDS_LIMIT' || code === 'FST_PARTS_LIMIT')
    return new ApiError('INVALID_MULTIPART', `too many form fields (${code === 'FST_FIELDS_LIMIT' ? 'fields' : 'parts'} limit reached)`);
  if (typeof code === 'string' && (code.startsWith('FST_') || /^E[A-Z]+$/.test(code))) return e;
  return new ApiError('INVALID_MULTIPART', `malformed multipart body: ${(e as Error).message ?? String(e)}`);
}

/** Probes the stored upload with only the accepted demuxers; errors name "the upload", never a storage path. */
async function probeUpload(absPath: string, allowedFormats: readonly string[]): Promise<ProbedVideo> {
  try {
    return await probeVideo(absPath, { allowedFormats: allowedFormats.length ? allowedFormats : undefined });
  } catch (e) {
    if (!isKeycastError(e)) throw e;
    const message = e.message.split(absPath).join('the upload');
    if (e.code === 'NOT_A_VIDEO' || e.code === 'NO_VIDEO_STREAM') throw new ApiError('UNSUPPORTED_MEDIA', message);
    throw new KeycastError(e.code, message);
  }
}

/**
 * POST /videos: reads the multipart form, streams the file to storage, probes it, checks it against the limits and
 * queues its extraction. Every refusal leaves nothing behind (no file, no row, no job). A refused part does not end
 * the reading: the rest of the request is read (files discarded) so a client still sending gets the error answer
 * instead of a reset connection.
 */
export async function receiveUpload(app: FastifyInstance, req: FastifyRequest, scope: TenantScope): Promise<{ id: string; bytes: number }> {
  const { store, queues, config } = app.keycast;
  if (!req.isMultipart()) {
    const type = req.headers['content-type'];
    throw new ApiError(
      'UNSUPPORTED_CONTENT_TYPE',
      `POST /videos takes multipart/form-data with a \`file\` field, got ${type ? JSON.stringify(type.slice(0, 100)) : 'no Content-Type'}`,
    );
  }
  const id = randomUUID();
  const policy = { allowPrivate: config.webhookAllowPrivate, allowedHosts: config.webhookAllowedHosts };
  // Null prototype: field names such as `constructor` or `toString` are plain unknown options.
  const raw = Object.create(null) as Record<string, string>;
  let checked: Promise<Fields> | null = null;
  let checkedFor = '';
  const readFields = (): Promise<Fields> => {
    const snapshot = JSON.stringify(Object.entries(raw));
    if (checked && checkedFor === snapshot) return checked;
    checkedFor = snapshot;
    checked = (async () => {
      const options = Object.create(null) as Record<string, unknown>;
      if ('file' in raw) throw new ApiError('INVALID_OPTION', 'the video goes in `file` as a file part (with a filename), not as a text field');
      for (const k of Object.keys(raw)) if (!UPLOAD_FIELDS.includes(k)) throw unknownField(k);
      for (const [k, v] of Object.entries(raw)) if (!NON_OPTION_FIELDS.has(k)) options[k] = v;
      const resolved = resolveExtractOptions(options);
      const callbackUrl = raw.callback_url
        ? (await resolveWebhookTarget(raw.callback_url, policy, { timeoutMs: config.webhookTimeoutMs })).url.toString()
        : null;
      return { options: resolved, callbackUrl, owner: raw.owner ? raw.owner.slice(0, 200) : null };
    })();
    return checked;
  };

  let file: { key: string; filename: string | null; bytes: number } | null = null;
  try {
    let refusal: unknown = null;
    try {
      await checkJobQuota(store, scope.tenantId, config.maxActiveJobsPerTenant);
    } catch (e) {
      refusal = e;
    }
    try {
      for await (const part of req.parts()) {
        if (refusal !== null) {
          if (part.type === 'file') await discard(part.file);
          continue;
        }
        try {
          if (part.type === 'field') {
            if (part.fieldnameTruncated) throw new ApiError('INVALID_OPTION', `a field name is longer than the limit`);
            if (typeof part.value !== 'string') throw new ApiError('INVALID_OPTION', `field ${part.fieldname} must be text`);
            if (part.valueTruncated) throw new ApiError('INVALID_OPTION', `field ${part.fieldname} is longer than the limit`);
            if (part.fieldname in raw) throw new ApiError('INVALID_OPTION', `field ${part.fieldname} given twice`);
            raw[part.fieldname] = part.value;
            continue;
          }
          const f = part;
          if (f.fieldname !== 'file') throw new ApiError('INVALID_OPTION', `unexpected file field ${f.fieldname}: the video goes in \`file\``);
          if (file) throw new ApiError('TOO_MANY_FILES', 'only one file per upload');
          await readFields(); // options sent before the file are checked before the upload is stored
          const filename = displayFilename(f.filename);
          const key = store.files.sourceKey(id, filename ?? undefined);
          const bytes = await store.files.writeStream(key, f.file);
          file = { key, filename, bytes };
        } catch (e) {
          if ((e as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') throw e;
          refusal = e;
          if (part.type === 'file') await discard(part.file);
        }
      }
    } catch (e) {
      throw multipartError(e);
    }
    if (refusal !== null) throw multipartError(refusal);
    if (!file) throw new ApiError('MISSING_FILE', 'no `file` field in the upload');
    const { options, callbackUrl, owner } = await readFields();
    if (file.bytes === 0) throw new ApiError('UNSUPPORTED_MEDIA', 'the uploaded file is empty');
    const probed = await probeUpload(store.files.path(file.key), config.allowedContainers);
    checkMediaPolicy(probed, config);
    checkSampledRange(options, probed.info.duration_s);
    const video = {
      id,
      tenantId: scope.tenantId,
      options,
      owner,
      callbackUrl,
      filename: file.filename,
      sourceKey: file.key,
      sizeBytes: file.bytes,
      probe: probed.info,
    };
    const max = config.maxActiveJobsPerTenant;
    if (max <= 0) await store.videos.create(video);
    else {
      const { video: created, active } = await store.videos.createWithinQuota(video, max);
      if (!created) throw tooManyJobs(active, max);
    }
  } catch (e) {
    await store.files.removeVideo(id);
    throw e;
  }
  try {
    await queues.enqueueExtract(id);
  } catch (e) {
    await store.deleteVideo(id);
    // Our own queue errors are worded for clients; anything else from the Redis client may name hosts and ports.
    throw new ApiError('UNAVAILABLE', `could not queue the job: ${e instanceof QueueUnavailableError ? e.message : 'the job queue (Redis) failed'}`);
  }
  return { id, bytes: file.bytes };
}
