import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname } from 'node:path';
import Type from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ifRangeHolds, parseByteRange } from '../byte-range.js';
import { ApiError, errorBody } from '../errors.js';
import { MEDIA_TOKEN_TTL_S, mintMediaToken } from '../media-token.js';
import { scopeOf } from '../plugins/auth.js';
import { NoBody, VideoIdParams, errors } from '../schemas/common.js';
import { MediaQuery } from '../schemas/media.js';

/** Content types of the containers a browser may play; anything else is offered as bytes. */
const TYPES: Record<string, string> = {
  '.mp4': 'video/mp4',
  '.m4v': 'video/mp4',
  '.mov': 'video/quicktime',
  '.webm': 'video/webm',
  '.mkv': 'video/x-matroska',
  '.ogv': 'video/ogg',
  '.avi': 'video/x-msvideo',
  '.mpg': 'video/mpeg',
  '.mpeg': 'video/mpeg',
  '.ts': 'video/mp2t',
};

/**
 * Answers that a media token may open are a tenant's: never stored by a shared cache, and a cached copy is only
 * reused for the same credentials.
 */
export const PRIVATE_CACHE = 'private, max-age=300';

export const mediaRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/media-tokens',
    {
      schema: {
        tags: ['media'],
        summary: 'Mint a short-lived media token for URLs that media elements load (`?token=`)',
        description: `A <video> or <img> element cannot send \`Authorization\`: the routes it loads (GET /videos/{id}/media, /faces/{id}/thumbnail, /videos/{id}/montage.png) also accept this token as the \`token\` query parameter (security scheme \`mediaToken\`). It expires after ${MEDIA_TOKEN_TTL_S} s, grants only those GET routes of the calling key's tenant, and dies with the key when the key is revoked. It takes no fields: send no body or \`{}\`.`,
        body: Type.Optional(NoBody),
        response: {
          201: Type.Object(
            {
              token: Type.String({ description: 'Append as `?token=` to a media URL' }),
              expires_at: Type.String({ format: 'date-time' }),
              ttl_s: Type.Integer(),
            },
            { title: 'MediaToken' },
          ),
          ...errors(400, 500),
        },
      },
      // No body at all is the usual call: validated as `{}`; a JSON null, a multipart form (left unparsed) or any
      // field is refused by the schema.
      preValidation: async (req) => {
        if (req.body === undefined && !req.isMultipart()) req.body = {};
      },
    },
    async (req, reply) => {
      const tenant = req.tenant!;
      const { token, expiresAt } = mintMediaToken({ tenantId: tenant.id, keyId: tenant.keyId }, app.keycast.config.mediaTokenSecret);
      return reply.code(201).header('cache-control', 'no-store').send({ token, expires_at: expiresAt.toISOString(), ttl_s: MEDIA_TOKEN_TTL_S });
    },
  );

  app.get(
    '/videos/:id/media',
    {
      config: { mediaToken: true },
      schema: {
        tags: ['media'],
        summary: 'The stored video file, with HTTP range requests (what a <video> element plays)',
        description:
          'Answers 206 with `Content-Range` for one `Range: bytes=…` range, 200 with the whole file otherwise (several ranges are answered whole, and so is a Range whose `If-Range` names another version of the file), 416 with `Content-Range: bytes */<size>` for a range outside the file. `Accept-Ranges: bytes`; `Cache-Control: private` and `Vary: Authorization`. Authenticated by the bearer key or by a media token (`?token=`, POST /media-tokens).',
        params: VideoIdParams,
        querystring: MediaQuery,
        response: {
          200: { description: 'The whole file', content: { 'video/*': { schema: Type.String({ format: 'binary' }) } } },
          206: { description: 'The requested range', content: { 'video/*': { schema: Type.String({ format: 'binary' }) } } },
          ...errors(400, 404, 416, 500),
        },
      },
    },
    async (req, reply) => {
      const { store } = app.keycast;
      const video = await store.videos.get(req.params.id, scopeOf(req));
      if (!video) throw new ApiError('NOT_FOUND', `no video ${req.params.id}`);
      const path = store.files.path(video.sourceKey);
      let size: number;
      let mtime: Date;
      try {
        const s = await stat(path);
        size = s.size;
        mtime = s.mtime;
      } catch {
        throw new ApiError('NOT_FOUND', `the file of video ${video.id} is gone`);
      }
      reply.header('accept-ranges', 'bytes').header('cache-control', PRIVATE_CACHE).header('vary', 'Authorization');
      const etag = `"${size.toString(16)}-${mtime.getTime().toString(16)}"`;
      const lastModified = mtime.toUTCString();
      const ifRange = req.headers['if-range'];
      const range = ifRangeHolds(Array.isArray(ifRange) ? ifRange[0] : ifRange, { etag, lastModified }) ? parseByteRange(req.headers.range, size) : null;
      if (range === 'unsatisfiable') {
        return reply
          .code(416)
          .header('content-range', `bytes */${size}`)
          .type('application/json')
          .send(errorBody('RANGE_NOT_SATISFIABLE', `the file has ${size} bytes: the range asked for is malformed or outside it`));
      }
      reply
        .header('etag', etag)
        .header('last-modified', lastModified)
        .type(TYPES[extname(video.sourceKey).toLowerCase()] ?? 'application/octet-stream');
      if (range === null)
        return reply
          .code(200)
          .header('content-length', size)
          .send(size === 0 ? '' : createReadStream(path));
      return reply
        .code(206)
        .header('content-range', `bytes ${range.start}-${range.end}/${size}`)
        .header('content-length', range.end - range.start + 1)
        .send(createReadStream(path, { start: range.start, end: range.end }));
    },
  );
};
