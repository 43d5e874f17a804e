import Type from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ApiError } from '../errors.js';
import { scopeOf } from '../plugins/auth.js';
import { linksOf, presentDelivery, presentVideo } from '../present.js';
import { NoQuery, VideoIdParams, errors } from '../schemas/common.js';
import { DeliveryList, UploadForm, UrlUpload, VideoAccepted, VideoList, VideoListQuery } from '../schemas/videos.js';
import { receiveUrl } from '../ingest-url.js';
import { receiveUpload } from '../upload.js';

export const videoRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const base = () => app.keycast.config.publicBaseUrl;

  app.post(
    '/videos',
    {
      schema: {
        tags: ['videos'],
        summary: 'Upload a video (multipart/form-data `file`), or give its URL (application/json `url`, or a multipart `url` field), with extraction options',
        description:
          'A file is streamed to storage (never held in memory) and probed; the extraction job is queued (status `queued`). ' +
          'A `url` is checked after the other fields (http(s), no credentials, a host that resolves (else 400 INVALID_URL) to a public address unless INGEST_ALLOWED_HOSTS / INGEST_ALLOW_PRIVATE allow more) ' +
          'and the video starts `downloading`: the worker fetches it (MAX_UPLOAD_BYTES, timeouts, retries, Range resume; `download` shows the progress), ' +
          'then it is probed and extracted exactly as an upload. The URL is never shown back beyond its host. Answers 202 with the video id and links.',
        consumes: ['multipart/form-data', 'application/json'],
        body: {
          content: {
            'multipart/form-data': { schema: UploadForm },
            'application/json': { schema: UrlUpload },
          },
        },
        response: { 202: VideoAccepted, ...errors(400, 413, 415, 422, 429, 500, 503, 507) },
      },
      // The multipart stream is read in the handler: the body schema above documents the form, the handler validates it.
      validatorCompiler: ({ httpPart }) => (httpPart === 'body' ? () => true : undefined) as never,
    },
    async (req, reply) => {
      const scope = scopeOf(req);
      const { id, bytes, status } = req.isMultipart()
        ? await receiveUpload(app, req, scope)
        : { ...(await receiveUrl(app, req, scope)), bytes: 0, status: 'downloading' as const };
      req.log.info({ videoId: id, bytes, status }, status === 'downloading' ? 'video to download' : 'video uploaded');
      return reply
        .code(202)
        .header('location', linksOf(base(), id).self)
        .send({ id, status, links: linksOf(base(), id) });
    },
  );

  app.get(
    '/videos',
    {
      schema: {
        tags: ['videos'],
        summary: 'List videos, newest first (cursor pagination)',
        querystring: VideoListQuery,
        response: { 200: VideoList, ...errors(400, 500) },
      },
    },
    async (req) => {
      const { limit = 20, cursor, status, owner } = req.query;
      const page = await app.keycast.store.videos.list({ limit, cursor, status, owner, tenantId: scopeOf(req).tenantId });
      return { items: page.items.map((v) => presentVideo(v, base())), next_cursor: page.nextCursor };
    },
  );

  app.get(
    '/videos/:id',
    {
      schema: {
        tags: ['videos'],
        summary: 'A video: status, progress, counts, error, timings',
        params: VideoIdParams,
        response: { 200: Type.Ref('Video'), ...errors(400, 404, 500) },
      },
    },
    async (req) => {
      const v = await app.keycast.store.videos.get(req.params.id, scopeOf(req));
      if (!v) throw new ApiError('NOT_FOUND', `no video ${req.params.id}`);
      return presentVideo(v, base());
    },
  );

  app.get(
    '/videos/:id/deliveries',
    {
      schema: {
        tags: ['videos'],
        summary: "Webhook delivery attempts of a video, oldest first: each attempt's event, HTTP status or error, duration and time",
        params: VideoIdParams,
        querystring: NoQuery,
        response: { 200: DeliveryList, ...errors(400, 404, 500) },
      },
    },
    async (req) => {
      const { store } = app.keycast;
      const v = await store.videos.get(req.params.id, scopeOf(req));
      if (!v) throw new ApiError('NOT_FOUND', `no video ${req.params.id}`);
      const attempts = await store.deliveries.list(v.id, scopeOf(req));
      return { items: attempts.map(presentDelivery) };
    },
  );

  app.delete(
    '/videos/:id',
    {
      schema: {
        tags: ['videos'],
        summary:
          'Delete a video and every trace of its faces: rows (faces, vectors, linkages, deliveries), files (upload, thumbnails), queue jobs in Redis, cached fingerprints',
        params: VideoIdParams,
        response: { 204: Type.Null({ description: 'Deleted' }), ...errors(400, 404, 500) },
      },
    },
    async (req, reply) => {
      const erased = await app.keycast.erasure.deleteVideo(req.params.id, scopeOf(req));
      if (!erased) throw new ApiError('NOT_FOUND', `no video ${req.params.id}`);
      req.log.info({ videoId: req.params.id, ...erased }, 'video deleted');
      return reply.code(204).send(null);
    },
  );
};
