import Type from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { pageFaces } from '../../../libs/services/index.js';
import { ApiError } from '../errors.js';
import { scopeOf } from '../plugins/auth.js';
import { presentFace, privateImage } from '../present.js';
import { FaceIdParams, VideoIdParams, errors } from '../schemas/common.js';
import { FACE_PAGE_DEFAULT, FaceList, FaceListQuery, LinkageComputing, ThumbnailQuery } from '../schemas/clusters.js';
import { answerComputing, clusterVideo } from '../cluster-requests.js';

export const faceRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const base = () => app.keycast.config.publicBaseUrl;

  app.get(
    '/videos/:id/faces',
    {
      schema: {
        tags: ['faces'],
        summary: 'Faces of a video in time order (cursor pagination); with a ready video each carries its cluster for the given clustering parameters',
        description:
          '`cluster` filters on one cluster id (or "unclustered") and needs the video ready (409 otherwise). While the video is processing, the faces stored so far are listed without clusters. Clusters come from the cut of the parameters\' linkage: one not cached on a large video answers 202 (LinkageComputing) as GET /videos/{id}/clusters does.',
        params: VideoIdParams,
        querystring: FaceListQuery,
        response: { 200: FaceList, 202: LinkageComputing, ...errors(400, 404, 409, 500, 503) },
      },
    },
    async (req, reply) => {
      const { store } = app.keycast;
      const video = await store.videos.get(req.params.id, scopeOf(req));
      if (!video) throw new ApiError('NOT_FOUND', `no video ${req.params.id}`);
      const limit = req.query.limit ?? FACE_PAGE_DEFAULT;
      const b = base();
      if (video.status !== 'ready') {
        if (req.query.cluster !== undefined) throw new ApiError('VIDEO_NOT_READY', `video ${video.id} is ${video.status}: clusters exist once it is ready`);
        const page = await store.faces.list(video.id, { limit, cursor: req.query.cursor });
        return { items: page.items.map((f) => presentFace(f, b)), next_cursor: page.nextCursor };
      }
      const { run, opts, pending } = await clusterVideo(app, video, req.query);
      if (pending) return answerComputing(app, req, reply, video, pending, opts);
      const want = req.query.cluster;
      // One page: the faces of the cluster asked for (of every cluster when none is).
      const inPage = (c: number | null) => (want === undefined || (want === 'unclustered' ? c === null : c === Number(want)) ? true : undefined);
      const page = pageFaces(run, inPage, { limit, cursor: req.query.cursor }).get(true);
      return { items: page?.items.map(({ face, cluster }) => presentFace(face, b, cluster)) ?? [], next_cursor: page?.more ? page.next_cursor : null };
    },
  );

  app.get(
    '/faces/:id/thumbnail',
    {
      config: { mediaToken: true },
      schema: {
        tags: ['faces'],
        summary: "A face's JPEG (kind=face, the face box) or its upper body (kind=body)",
        params: FaceIdParams,
        querystring: ThumbnailQuery,
        response: {
          200: { description: 'JPEG image', content: { 'image/jpeg': { schema: Type.String({ format: 'binary' }) } } },
          ...errors(400, 404, 500),
        },
      },
    },
    async (req, reply) => {
      const { store } = app.keycast;
      const f = await store.faces.get(req.params.id, scopeOf(req));
      if (!f) throw new ApiError('NOT_FOUND', `no face ${req.params.id}`);
      const key = req.query.kind === 'body' ? f.bodyKey : f.thumbKey;
      let jpeg: Buffer;
      try {
        jpeg = await store.files.read(key);
      } catch {
        throw new ApiError('NOT_FOUND', `the image of face ${req.params.id} is gone`);
      }
      return privateImage(reply, 'image/jpeg').send(jpeg);
    },
  );
};
