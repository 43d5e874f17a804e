import { randomUUID } from 'node:crypto';
import { extname } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { cleanDisplayText, isKeycastError, unacceptableText } from '../../libs/config/index.js';
import { admitVideo } from '../../libs/media/index.js';
import type { TenantScope } from '../../libs/store/index.js';
import { ApiError } from './errors.js';
import { createFromUrl } from './ingest-url.js';
import { checkJobQuota } from './job-quota.js';
import { checkFields, createAndQueue, fieldTooLong, type Fields } from './video-create.js';

/** Reads a stream to its end, keeping nothing. */
async function discard(stream: NodeJS.ReadableStream & { readableEnded?: boolean }): Promise<void> {
  if (stream.readableEnded) return;
  await pipeline(stream, new Writable({ write: (_chunk, _enc, cb) => cb() })).catch(() => {});
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
  const clean = cleanDisplayText(base);
  if (clean === '' || clean === '.' || clean === '..') return null;
  const chars = [...clean];
  if (chars.length <= MAX_FILENAME) return clean;
  // Too long: the stem is cut, the extension (what the stored file is named after) kept.
  const ext = [...extname(clean)];
  const keep = ext.length > 0 && ext.length <= 16 ? ext : [];
  return [...chars.slice(0, MAX_FILENAME - keep.length), ...keep].join('');
}

/**
 * Errors while reading the multipart body. Ours, and @fastify/multipart's coded ones (limits), keep their meaning;
 * system errors (a full disk) are the server's; anything else the parser says is a malformed body.
 */
export function multipartError(e: unknown): unknown {
  if (e instanceof ApiError || isKeycastError(e)) return e;
  const code = (e as { code?: unknown }).code;
  if (code === 'FST_FILES_LIMIT') return new ApiError('TOO_MANY_FILES', 'only one file per upload');
  if (code === 'FST_FIELDS_LIMIT' || code === 'FST_PARTS_LIMIT')
    return new ApiError('INVALID_MULTIPART', `too many form fields (${code === 'FST_FIELDS_LIMIT' ? 'fields' : 'parts'} limit reached)`);
  if (typeof code === 'string' && (code.startsWith('FST_') || /^E[A-Z]+$/.test(code))) return e;
  return new ApiError('INVALID_MULTIPART', `malformed multipart body: ${(e as Error).message ?? String(e)}`);
}

/**
 * POST /videos: reads the multipart form, streams the file to storage, probes it, checks it against the limits and
 * queues its extraction. Every refusal leaves nothing behind (no file, no row, no job). A refused part does not end
 * the reading: the rest of the request is read (files discarded) so a client still sending gets the error answer
 * instead of a reset connection.
 */
export async function receiveUpload(
  app: FastifyInstance,
  req: FastifyRequest,
  scope: TenantScope,
): Promise<{ id: string; bytes: number; status: 'queued' | 'downloading' }> {
  const { store, queues, config } = app.keycast;
  const id = randomUUID();
  // Null prototype: field names such as `constructor` or `toString` are plain unknown options.
  const raw = Object.create(null) as Record<string, string>;
  let checked: Promise<Fields> | null = null;
  let checkedFor = '';
  const readFields = (): Promise<Fields> => {
    const snapshot = JSON.stringify(Object.entries(raw));
    if (checked && checkedFor === snapshot) return checked;
    checkedFor = snapshot;
    checked = (async () => {
      if ('file' in raw) throw new ApiError('INVALID_OPTION', 'the video goes in `file` as a file part (with a filename), not as a text field');
      const { url: _url, ...fields } = raw;
      return checkFields(app, fields);
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
            if (part.valueTruncated) throw fieldTooLong(part.fieldname);
            const bad = unacceptableText(part.value);
            if (bad) throw new ApiError('INVALID_OPTION', `field ${part.fieldname} ${bad}`);
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
    if (file && 'url' in raw) throw new ApiError('INVALID_OPTION', 'give the video either as `file` or as `url`, not both');
    if (!file && 'url' in raw) {
      await createFromUrl(app, scope, id, raw.url, await readFields());
      return { id, bytes: 0, status: 'downloading' };
    }
    if (!file) throw new ApiError('MISSING_FILE', 'no `file` field in the upload (or a `url` to download the video from)');
    const { options, callbackUrl, owner } = await readFields();
    const probed = await admitVideo(store.files.path(file.key), file.bytes, config, options);
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
    await createAndQueue(app, video, (vid) => queues.enqueueExtract(vid));
  } catch (e) {
    await store.files.removeVideo(id);
    throw e;
  }
  return { id, bytes: file.bytes, status: 'queued' };
}
