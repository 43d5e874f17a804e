import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import Type from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { MultipartFile } from '@fastify/multipart';
import { KeycastError, resolveExtractOptions } from '../../../libs/config/index.js';
import { probe } from '../../../libs/media/index.js';
import { ApiError } from '../errors.js';
import { scopeOf } from '../plugins/auth.js';
import { linksOf, presentVideo } from '../present.js';
import { VideoIdParams, errors } from '../schemas/common.js';
import { UploadForm, VideoAccepted, VideoList, VideoListQuery } from '../schemas/videos.js';

/** Reads a stream to its end, keeping nothing. */
async function discard(stream: NodeJS.ReadableStream & { readableEnded?: boolean }): Promise<void> {
  if (stream.readableEnded) return;
  await pipeline(stream, new Writable({ write: (_chunk, _enc, cb) => cb() })).catch(() => {});
}

const NON_OPTION_FIELDS = new Set(['callback_url', 'owner']);

function checkCallbackUrl(raw: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new ApiError('INVALID_OPTION', `callback_url is not a URL: ${JSON.stringify(raw)}`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new ApiError('INVALID_OPTION', `callback_url must be http(s), got ${u.protocol}`);
  return u.toString();
}

/** Validates the text fields: extraction options (resolveExtractOptions, unknown names refused), callback_url, owner. */
function readFields(fields: Record<string, string>) {
  const options: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) if (!NON_OPTION_FIELDS.has(k)) options[k] = v;
  return {
    options: resolveExtractOptions(options),
    callbackUrl: fields.callback_url ? checkCallbackUrl(fields.callback_url) : null,
    owner: fields.owner ? fields.owner.slice(0, 200) : null,
  };
}

export const videoRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const base = () => app.keycast.config.publicBaseUrl;

  app.post('/videos', {
    schema: {
      tags: ['videos'],
      summary: 'Upload a video (multipart/form-data; field `file` plus extraction options as fields)',
      description: 'The file is streamed to storage (never held in memory) and probed; the extraction job is queued. Answers 202 with the video id and links.',
      consumes: ['multipart/form-data'],
      body: UploadForm,
      response: { 202: VideoAccepted, ...errors(400, 413, 422, 500, 503, 507) },
    },
    // The multipart stream is read in the handler: the body schema above documents the form, the handler validates it.
    validatorCompiler: ({ httpPart }) => (httpPart === 'body' ? () => true : undefined) as never,
  }, async (req, reply) => {
    if (!req.isMultipart()) throw new ApiError('INVALID_OPTION', 'POST /videos takes multipart/form-data with a `file` field');
    const { store, queues } = app.keycast;
    const { tenantId } = scopeOf(req);
    const id = randomUUID();
    const fields: Record<string, string> = {};
    let file: { key: string; filename: string; bytes: number } | null = null;
    try {
      // A refused part does not end the loop: the rest of the request is read (files discarded) so the
      // client, still sending, gets the error answer instead of a reset connection.
      let refusal: unknown = null;
      for await (const part of req.parts()) {
        if (refusal !== null) {
          if (part.type === 'file') await discard(part.file);
          continue;
        }
        try {
          if (part.type === 'field') {
            if (typeof part.value !== 'string') throw new ApiError('INVALID_OPTION', `field ${part.fieldname} must be text`);
            if (part.fieldname in fields) throw new ApiError('INVALID_OPTION', `field ${part.fieldname} given twice`);
            fields[part.fieldname] = part.value;
            continue;
          }
          const f = part as MultipartFile;
          if (f.fieldname !== 'file') throw new ApiError('INVALID_OPTION', `unexpected file field ${f.fieldname}: the video goes in \`file\``);
          if (file) throw new ApiError('INVALID_OPTION', 'only one file per upload');
          readFields(fields); // options sent before the file are checked before the upload is stored
          const key = store.files.sourceKey(id, f.filename);
          const bytes = await store.files.writeStream(key, f.file);
          file = { key, filename: f.filename, bytes };
        } catch (e) {
          if ((e as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') throw e;
          refusal = e;
          if (part.type === 'file') await discard(part.file);
        }
      }
      if (refusal !== null) throw refusal;
      if (!file) throw new ApiError('INVALID_OPTION', 'no `file` field in the upload');
      const { options, callbackUrl, owner } = readFields(fields);
      if (file.bytes === 0) throw new KeycastError('NOT_A_VIDEO', 'the uploaded file is empty');
      const info = await probe(store.files.path(file.key));
      await store.videos.create({ id, tenantId, options, owner, callbackUrl, filename: file.filename, sourceKey: file.key, sizeBytes: file.bytes, probe: info });
    } catch (e) {
      await store.files.removeVideo(id);
      throw e;
    }
    try {
      await queues.enqueueExtract(id);
    } catch (e) {
      await store.deleteVideo(id);
      throw new ApiError('UNAVAILABLE', `could not queue the job: ${(e as Error).message}`);
    }
    req.log.info({ videoId: id, bytes: file.bytes }, 'video uploaded');
    return reply.code(202).header('location', linksOf(base(), id).self).send({ id, status: 'queued' as const, links: linksOf(base(), id) });
  });

  app.get('/videos', {
    schema: { tags: ['videos'], summary: 'List videos, newest first (cursor pagination)', querystring: VideoListQuery, response: { 200: VideoList, ...errors(400, 500) } },
  }, async (req) => {
    const { limit = 20, cursor, status, owner } = req.query;
    const page = await app.keycast.store.videos.list({ limit, cursor, status, owner, tenantId: scopeOf(req).tenantId });
    return { items: page.items.map((v) => presentVideo(v, base())), next_cursor: page.nextCursor };
  });

  app.get('/videos/:id', {
    schema: { tags: ['videos'], summary: 'A video: status, progress, counts, error, timings', params: VideoIdParams, response: { 200: Type.Ref('Video'), ...errors(400, 404, 500) } },
  }, async (req) => {
    const v = await app.keycast.store.videos.get(req.params.id, scopeOf(req));
    if (!v) throw new ApiError('NOT_FOUND', `no video ${req.params.id}`);
    return presentVideo(v, base());
  });

  app.delete('/videos/:id', {
    schema: { tags: ['videos'], summary: 'Delete a video: its rows and files', params: VideoIdParams, response: { 204: Type.Null({ description: 'Deleted' }), ...errors(400, 404, 500) } },
  }, async (req, reply) => {
    const existed = await app.keycast.store.deleteVideo(req.params.id, scopeOf(req));
    if (!existed) throw new ApiError('NOT_FOUND', `no video ${req.params.id}`);
    app.keycast.clusterer.forget(req.params.id);
    return reply.code(204).send(null);
  });
};
