import { DEFAULT_CLUSTER, resolveClusterOptions, treeShapingOf, type ClusterOptions } from '../../libs/config/index.js';
import { QueueUnavailableError } from '../../libs/queue/index.js';
import type { ClusterRun, PendingLinkage } from '../../libs/services/index.js';
import type { VideoRecord } from '../../libs/store/index.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from './errors.js';
import { scopeOf } from './plugins/auth.js';
import { ClusterQueryProps } from './schemas/clusters.js';

// A clustering request, as the routes that cut a video (clusters, montage, faces, questions) read and answer it: its
// options from the query string, the ready video it names, the cut or the 202 of a linkage being computed.

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
  const wait = await app.keycast.clusters.expectedLinkageS(pending.n, pending.constrained);
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
