import Type from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { renderMontage } from '../../../libs/report/index.js';
import type { ClusterRun } from '../../../libs/services/index.js';
import { serializeAnswer } from '../cluster-answer.js';
import { answerComputing, clusterQueryOf, clusterVideo, readyVideo } from '../cluster-requests.js';
import { scopeOf } from '../plugins/auth.js';
import { privateImage } from '../present.js';
import { VideoIdParams, errors } from '../schemas/common.js';
import { ClusterQuery, ClusterResultSchema, FACE_PAGE_MAX, FACES_PER_CLUSTER_DEFAULT, LinkageComputing, MontageQuery } from '../schemas/clusters.js';

const round = (ms: number) => Math.round(ms * 100) / 100;

/**
 * Serialised answers of GET /videos/:id/clusters per cut (the report every request of one cut shares, held by
 * ClusterService's cut cache), without their timings, by everything else the answer depends on (the route's key):
 * a slider going back to a cut, or a page reloaded, costs no paging, no response objects and no serialisation of
 * its ~400 KB. A few per cut: the query shapes of one client (the review app's step, the defaults).
 */
const answers = new WeakMap<ClusterRun['report'], Map<string, Buffer>>();
const ANSWERS_PER_CUT = 3;
/** How the serializer ends an answer whose timings are empty (timings is the schema's last property). */
const EMPTY_TIMINGS = '"timings":{}}';

export const clusterRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const base = () => app.keycast.config.publicBaseUrl;

  app.get(
    '/videos/:id/clusters',
    {
      schema: {
        tags: ['clusters'],
        summary: "Key characters: clusters and summary (as the CLI's result.json), thumbnails as URLs",
        description: `Cuts the cached dendrogram of the options that shape the tree (face_cloth_weights, method, whether sim is "auto" or a number, cannot_link, tracks, quality_weighting, shot_aware) and the people's constraints: a new sim (a number or "auto", while a switch is on), min_csize, merge or merge_fragments setting never re-extracts nor recomputes the linkage; a new value of a tree-shaping option needs a new one: computed in the request for small videos (up to SYNC_LINKAGE_MAX_FACES faces), otherwise the answer is 202 (LinkageComputing, with Retry-After and Location) at once, the worker computes and stores it (identical requests share one computation), and the same request repeated answers with the cut. The people of the tenant are constraints of every cut: a person's confirmed faces share one cluster, which carries the person (\`person\`), are never dropped by min_csize, and never share a cluster with another person's or with faces rejected from them; a changed person computes (and caches) the tree of the new constraints. Each cluster embeds its first faces_per_cluster faces (default ${FACES_PER_CLUSTER_DEFAULT}, at most ${FACE_PAGE_MAX}, 0 for none) in GET /videos/{id}/faces order (time: t, frame, k); \`size\` counts all of them and \`faces_next\` links the rest, paged at GET /videos/{id}/faces?cluster= with the same clustering parameters; the faces in no cluster are paged the same way (\`unclustered\`, \`unclustered_count\`, \`unclustered_next\`), and the video's faces with their clusters (\`faces\`, \`face_count\`, \`faces_next\`) by faces_limit (default and at most ${FACE_PAGE_MAX}).`,
        params: VideoIdParams,
        querystring: ClusterQuery,
        response: { 200: ClusterResultSchema, 202: LinkageComputing, ...errors(400, 404, 409, 500, 503) },
      },
    },
    async (req, reply) => {
      const t0 = performance.now();
      const video = await readyVideo(app, req, req.params.id);
      const { run, opts, pending } = await clusterVideo(app, video, req.query);
      if (pending) return answerComputing(app, req, reply, video, pending, opts);
      const b = base();
      const p = video.probe;
      const t1 = performance.now();
      const suggestions = await app.keycast.galleries.suggestForClusters(scopeOf(req).tenantId, video.id, run);
      const suggestMs = performance.now() - t1;
      const linkageCached = run.linkage === 'memory' || run.linkage === 'database';
      const facesPerCluster = req.query.faces_per_cluster ?? FACES_PER_CLUSTER_DEFAULT;
      const facesLimit = req.query.faces_limit ?? FACE_PAGE_MAX;
      // Everything the answer depends on beyond the cut (its report): a revisited cut with the same people, names,
      // suggestions and page sizes is the same bytes, so it is served from the cut's serialised answer.
      const key = JSON.stringify([
        b,
        video.id,
        video.filename,
        [p?.duration_s, p?.fps, p?.width, p?.height],
        video.options,
        opts,
        facesPerCluster,
        facesLimit,
        linkageCached,
        [...run.people],
        [...suggestions],
      ]);
      let held = answers.get(run.report);
      if (!held) answers.set(run.report, (held = new Map<string, Buffer>()));
      let head = held.get(key);
      held.delete(key);
      if (head === undefined) {
        const cut = clusterQueryOf(opts);
        // Every list is paged as GET /videos/:id/faces pages it: each cluster and the unclustered faces embed their first
        // page (faces_per_cluster), the video's faces theirs (faces_limit), and each links its next page in the same cut.
        const nextOf = (page: { more: boolean; next_cursor: string | null }, cluster?: number | 'unclustered') => {
          if (!page.more) return null;
          const q = new URLSearchParams({
            ...(cluster === undefined ? {} : { cluster: String(cluster) }),
            ...(page.next_cursor ? { cursor: page.next_cursor } : {}),
            ...Object.fromEntries(cut),
          });
          return `${b}/videos/${video.id}/faces?${q.toString()}`;
        };
        const json = serializeAnswer(reply, {
          run,
          base: b,
          head: {
            video: { id: video.id, filename: video.filename, duration_s: p?.duration_s ?? 0, fps: p?.fps ?? 0, width: p?.width ?? 0, height: p?.height ?? 0 },
            params: { ...video.options, ...opts },
            linkage_cached: linkageCached,
          },
          facesPerCluster,
          facesLimit,
          suggestions,
          nextOf,
        });
        if (!json.endsWith(EMPTY_TIMINGS)) throw new Error('GET /clusters: the answer does not end with its timings');
        // Kept as UTF-8 bytes: each request copies them once (no ~400 KB string to flatten, measure and encode per request).
        head = Buffer.from(json.slice(0, -EMPTY_TIMINGS.length));
      }
      held.set(key, head);
      while (held.size > ANSWERS_PER_CUT) held.delete(held.keys().next().value!);
      const timings = {
        ...Object.fromEntries(Object.entries(run.timings).map(([k, v]) => [k, round(v)])),
        suggest_ms: round(suggestMs),
        total_ms: round(performance.now() - t0),
      };
      return reply.type('application/json; charset=utf-8').send(Buffer.concat([head, Buffer.from(`"timings":${JSON.stringify(timings)}}`)]));
    },
  );

  app.get(
    '/videos/:id/montage.png',
    {
      config: { mediaToken: true },
      schema: {
        tags: ['clusters'],
        summary: 'Montage of the key characters (one column per cluster) for the given clustering parameters',
        params: VideoIdParams,
        querystring: MontageQuery,
        response: {
          200: { description: 'PNG image', content: { 'image/png': { schema: Type.String({ format: 'binary' }) } } },
          202: LinkageComputing,
          ...errors(400, 404, 409, 500, 503),
        },
      },
    },
    async (req, reply) => {
      const video = await readyVideo(app, req, req.params.id);
      const { run, opts, pending } = await clusterVideo(app, video, req.query);
      if (pending) return answerComputing(app, req, reply, video, pending, opts);
      const keys = new Map(run.faces.map((f) => [f.id, f.thumbKey]));
      const png = await renderMontage(run.report.clusters, (id) => app.keycast.store.files.read(keys.get(id)!), {
        tile: req.query.tile,
        maxPerCluster: req.query.max_per_cluster,
      });
      return privateImage(reply, 'image/png').send(png);
    },
  );
};
