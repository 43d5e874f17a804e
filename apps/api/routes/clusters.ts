import Type from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { DEFAULT_CLUSTER, resolveClusterOptions, treeShapingOf, type ClusterOptions } from '../../../libs/config/index.js';
import { renderMontage } from '../../../libs/report/index.js';
import { QueueUnavailableError } from '../../../libs/queue/index.js';
import { pageFaces, type ClusterRun, type FacePage, type PendingLinkage } from '../../../libs/services/index.js';
import type { VideoRecord } from '../../../libs/store/index.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../errors.js';
import { scopeOf } from '../plugins/auth.js';
import { privateImage, thumbnailUrl } from '../present.js';
import { VideoIdParams, errors } from '../schemas/common.js';
import {
  ClusterQuery,
  ClusterQueryProps,
  ClusterResultSchema,
  FACE_PAGE_MAX,
  FACES_PER_CLUSTER_DEFAULT,
  LinkageComputing,
  MontageQuery,
} from '../schemas/clusters.js';

/** The clustering keys of a query: those of the schema (one list; the montage adds its own keys). */
const CLUSTER_KEYS = Object.keys(ClusterQueryProps) as (keyof typeof ClusterQueryProps)[];

/** The clustering options of a query string (other keys ignored), validated like the CLI's flags. */
export function clusterOptionsOf(query: Record<string, unknown>): ClusterOptions {
  const input: Record<string, unknown> = {};
  for (const k of CLUSTER_KEYS) if (query[k] !== undefined) input[k] = query[k];
  return resolveClusterOptions(input);
}

/** A clustering option in a query string, as resolveClusterOptions reads it back. */
const queryValue = (v: ClusterOptions[keyof ClusterOptions]) => (Array.isArray(v) ? v.join(',') : String(v));

/**
 * The query string of some clustering options, the defaults left out: what a link to another route of the same cut
 * carries (a cluster's faces_next), so the cluster ids it names mean the same clusters there.
 */
export function clusterQueryOf(opts: ClusterOptions): URLSearchParams {
  const q = new URLSearchParams();
  for (const k of CLUSTER_KEYS) if (queryValue(opts[k]) !== queryValue(DEFAULT_CLUSTER[k])) q.set(k, queryValue(opts[k]));
  return q;
}

/** The caller's video, which must exist (404, also for another tenant's) and be ready (409 VIDEO_NOT_READY). */
export async function readyVideo(app: FastifyInstance, req: FastifyRequest, id: string): Promise<VideoRecord> {
  const v = await app.keycast.store.videos.get(id, scopeOf(req));
  if (!v) throw new ApiError('NOT_FOUND', `no video ${id}`);
  if (v.status !== 'ready') {
    const why = v.status === 'failed' ? `failed (${v.errorCode}: ${v.errorMessage})` : `${v.status}, ${Math.round(v.progress * 100)}% done`;
    throw new ApiError('VIDEO_NOT_READY', `video ${id} is not ready: ${why}`);
  }
  return v;
}

/**
 * Clusters a ready video with the query's options: a cut of the cached linkage, or of one computed here when the
 * video is small (config.syncLinkageMaxFaces); otherwise `pending` and nothing computed (answer with {@link answerComputing}).
 */
export async function clusterVideo(
  app: FastifyInstance,
  video: VideoRecord,
  query: Record<string, unknown>,
): Promise<{ run: ClusterRun; opts: ClusterOptions; pending?: undefined } | { pending: PendingLinkage; opts: ClusterOptions; run?: undefined }> {
  const opts = clusterOptionsOf(query);
  const r = await app.keycast.clusters.clusterIfCheap(video, opts, { computeUpTo: app.keycast.config.syncLinkageMaxFaces });
  return 'pending' in r ? { pending: r, opts } : { run: r, opts };
}

/**
 * The 202 of a request whose linkage is not cached: queues its computation (one job per video and linkage key, so
 * identical requests share it) and points the client at the same request to repeat.
 */
export async function answerComputing(
  app: FastifyInstance,
  req: FastifyRequest,
  reply: FastifyReply,
  video: VideoRecord,
  pending: PendingLinkage,
  opts: ClusterOptions,
  /** The request to repeat (path and query), when it is not this one (an answer points at the questions it asks for). */
  repeat: string = req.url,
) {
  let job: 'queued' | 'running' | 'retried';
  try {
    job = await app.keycast.queues.enqueueLinkage(video.id, pending.key, treeShapingOf(opts));
  } catch (e) {
    if (e instanceof QueueUnavailableError) throw new ApiError('UNAVAILABLE', `could not queue the linkage computation: ${e.message}`);
    throw e;
  }
  const self = `${app.keycast.config.publicBaseUrl}${repeat}`;
  // From the workers' measured speed (a 4 s job says about 5 s), so a client polls once, not for nothing.
  const wait = await app.keycast.clusters.expectedLinkageS(pending.n);
  return reply
    .code(202)
    .header('retry-after', String(wait))
    .header('location', self)
    .header('cache-control', 'no-store')
    .type('application/json; charset=utf-8')
    .send({
      status: 'computing' as const,
      video_id: video.id,
      linkage: { key: pending.key, faces: pending.n, job },
      retry_after_s: wait,
      links: { self, video: `${app.keycast.config.publicBaseUrl}/videos/${video.id}` },
    });
}

const round = (ms: number) => Math.round(ms * 100) / 100;

/** The most common value (a video's faces share one descriptor version; a mix would take the larger part). */
function majority(xs: readonly number[]): number {
  const n = new Map<number, number>();
  for (const x of xs) n.set(x, (n.get(x) ?? 0) + 1);
  return [...n].reduce((a, b) => (b[1] > a[1] ? b : a), [1, 0])[0];
}

/**
 * The suggestion of every cluster without a confirmed person (cluster id → person and score): the
 * tenant's people recognised from the cluster's faces' descriptors (libs/recognition, open set).
 */
export async function suggestFor(
  app: FastifyInstance,
  tenantId: string,
  videoId: string,
  run: ClusterRun,
): Promise<Map<number, { person: { id: string; name: string | null }; score: number }>> {
  const open = run.report.clusters.filter((c) => !run.people.has(c.id));
  if (open.length === 0) return new Map();
  const vec = new Map(run.faces.map((f) => [f.id, f.face]));
  const versionOf = new Map(run.faces.map((f) => [f.id, f.descriptorVersion]));
  // A person one of the cluster's faces was rejected from is never suggested for it.
  const rejectedFrom = new Map<number, string[]>();
  for (const p of await app.keycast.store.people.constraintsForVideo(videoId))
    for (const f of p.rejected) rejectedFrom.set(f, [...(rejectedFrom.get(f) ?? []), p.id]);
  const found = await app.keycast.galleries.suggest(
    tenantId,
    open.map((c) => ({
      faces: c.faces.map((id) => vec.get(id)!),
      version: majority(c.faces.map((id) => versionOf.get(id) ?? 1)),
      exclude: new Set(c.faces.flatMap((id) => rejectedFrom.get(id) ?? [])),
    })),
  );
  const out = new Map<number, { person: { id: string; name: string | null }; score: number }>();
  open.forEach((c, i) => {
    const s = found[i];
    if (s) out.set(c.id, { person: { id: s.person.id, name: s.person.name }, score: Math.round(s.score * 10000) / 10000 });
  });
  return out;
}

export const clusterRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const base = () => app.keycast.config.publicBaseUrl;

  app.get(
    '/videos/:id/clusters',
    {
      schema: {
        tags: ['clusters'],
        summary: "Key characters: clusters and summary (as the CLI's result.json), thumbnails as URLs",
        description: `Cuts the cached dendrogram of (face_cloth_weights, method, linkage variant): a new sim (a number or "auto"), min_csize or merge setting never re-extracts nor recomputes the linkage; a new weights/method pair or cannot_link/tracks/quality_weighting setting needs a new one: computed in the request for small videos (up to SYNC_LINKAGE_MAX_FACES faces), otherwise the answer is 202 (LinkageComputing, with Retry-After and Location) at once, the worker computes and stores it (identical requests share one computation), and the same request repeated answers with the cut. The people of the tenant are constraints of every cut: a person's confirmed faces share one cluster, which carries the person (\`person\`), are never dropped by min_csize, and never share a cluster with another person's or with faces rejected from them; a changed person computes (and caches) the tree of the new constraints. Each cluster embeds its first faces_per_cluster faces (default ${FACES_PER_CLUSTER_DEFAULT}, at most ${FACE_PAGE_MAX}, 0 for none) in GET /videos/{id}/faces order (time: t, frame, k); \`size\` counts all of them and \`faces_next\` links the rest, paged at GET /videos/{id}/faces?cluster= with the same clustering parameters; the faces in no cluster are paged the same way (\`unclustered\`, \`unclustered_count\`, \`unclustered_next\`), and the video's faces with their clusters (\`faces\`, \`face_count\`, \`faces_next\`) by faces_limit (default and at most ${FACE_PAGE_MAX}).`,
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
      // The report indexes faces by their internal key; the API names them by their public id only.
      const pub = new Map(run.faces.map((f) => [f.id, f.publicId]));
      const idOf = (id: number) => pub.get(id)!;
      const t1 = performance.now();
      const suggestions = await suggestFor(app, scopeOf(req).tenantId, video.id, run);
      const suggestMs = performance.now() - t1;
      // Every list is paged as GET /videos/:id/faces pages it: each cluster and the unclustered faces embed their first
      // page (faces_per_cluster), the video's faces theirs (faces_limit), and each links its next page in the same cut.
      const pages = pageFaces(run, (c) => c ?? 'unclustered', { limit: req.query.faces_per_cluster ?? FACES_PER_CLUSTER_DEFAULT });
      const all = pageFaces(run, () => true, { limit: req.query.faces_limit ?? FACE_PAGE_MAX }).get(true);
      const cut = clusterQueryOf(opts);
      const nextOf = (page: FacePage | undefined, cluster?: number | 'unclustered') => {
        if (!page?.more) return null;
        const q = new URLSearchParams({
          ...(cluster === undefined ? {} : { cluster: String(cluster) }),
          ...(page.next_cursor ? { cursor: page.next_cursor } : {}),
          ...Object.fromEntries(cut),
        });
        return `${b}/videos/${video.id}/faces?${q.toString()}`;
      };
      const reported = new Map(run.report.faces.map((f) => [f.id, f]));
      const unclustered = pages.get('unclustered');
      return {
        video: { id: video.id, filename: video.filename, duration_s: p?.duration_s ?? 0, fps: p?.fps ?? 0, width: p?.width ?? 0, height: p?.height ?? 0 },
        params: { ...video.options, ...opts },
        face_count: run.report.faces.length,
        faces: (all?.items ?? []).map(({ face }) => ({ ...reported.get(face.id)!, id: face.publicId, thumbnail: thumbnailUrl(b, face.publicId) })),
        faces_next: nextOf(all),
        clusters: run.report.clusters.map((c) => ({
          ...c,
          faces: pages.get(c.id)?.items.map(({ face }) => face.publicId) ?? [],
          faces_next: nextOf(pages.get(c.id), c.id),
          representative: idOf(c.representative),
          representative_thumbnail: thumbnailUrl(b, idOf(c.representative)),
          person: run.people.get(c.id) ?? null,
          suggestion: suggestions.get(c.id) ?? null,
        })),
        unclustered_count: run.report.unclustered.length,
        unclustered: unclustered?.items.map(({ face }) => face.publicId) ?? [],
        unclustered_next: nextOf(unclustered, 'unclustered'),
        linkage_cached: run.linkage === 'memory' || run.linkage === 'database',
        timings: {
          ...Object.fromEntries(Object.entries(run.timings).map(([k, v]) => [k, round(v)])),
          suggest_ms: round(suggestMs),
          total_ms: round(performance.now() - t0),
        },
      };
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
