import Type from 'typebox';
import { MediaTokenParam } from './media.js';
import { DEFAULT_CLUSTER, LINKAGE_METHODS } from '../../../libs/config/index.js';
import { Box, Cursor, FaceId } from './common.js';
import { ClusterPerson, ClusterSuggestion } from './people.js';

const c = DEFAULT_CLUSTER;

/** Clustering parameters (query string); validated by resolveClusterOptions. Defaults = the CLI's. */
export const ClusterQueryProps = {
  sim: Type.Optional(
    Type.Union(
      [
        Type.Number({ minimum: 0, maximum: 1, description: "Relative similarity (the reference's): cut height = max distance × (1 − sim)" }),
        Type.Literal('auto', { description: 'Absolute cut on face-unit distances: the widest gap between merge heights in [0.3, 0.5] (no per-video tuning)' }),
      ],
      { default: c.sim, description: 'Where the dendrogram is cut: a number in [0, 1] or "auto"' },
    ),
  ),
  min_csize: Type.Optional(Type.Integer({ minimum: 1, default: c.min_csize, description: 'Smaller clusters are dropped (faces unclustered)' })),
  method: Type.Optional(
    Type.Union(
      LINKAGE_METHODS.map((m) => Type.Literal(m)),
      { default: c.method },
    ),
  ),
  merge: Type.Optional(Type.Boolean({ default: c.merge })),
  face_threshold: Type.Optional(Type.Number({ minimum: 0, default: c.face_threshold })),
  cloth_threshold: Type.Optional(Type.Number({ minimum: 0, default: c.cloth_threshold })),
  iterations: Type.Optional(Type.Integer({ minimum: 0, maximum: 100, default: c.iterations })),
  face_cloth_weights: Type.Optional(
    Type.String({
      pattern: '^\\s*[0-9.eE+-]+\\s*,\\s*[0-9.eE+-]+\\s*$',
      default: c.face_cloth_weights.join(','),
      description: '"face,cloth" weights; a new pair computes (and caches) a new linkage',
    }),
  ),
  cannot_link: Type.Optional(Type.Boolean({ default: c.cannot_link, description: 'Two faces of one frame are never one person' })),
  tracks: Type.Optional(
    Type.Boolean({ default: c.tracks, description: 'Faces of consecutive samples with overlapping boxes and close descriptors are clustered as one track' }),
  ),
  quality_weighting: Type.Optional(
    Type.Boolean({
      default: c.quality_weighting,
      description: "Face quality (size, sharpness, pose, detection score) shifts each pair's weight between the face and the clothing half",
    }),
  ),
  shot_aware: Type.Optional(
    Type.Boolean({
      default: c.shot_aware,
      description:
        'Across a cut (people may change clothes) clothing may bring two faces together but never push them apart: the face decides; within a shot clothing counts in full',
    }),
  ),
  merge_fragments: Type.Optional(
    Type.Boolean({
      default: c.merge_fragments,
      description: 'After the cut, a small cluster joins a larger one that shares no frame with it when their nearest faces agree',
    }),
  ),
  key_min_s: Type.Optional(
    Type.Number({ minimum: 0, default: c.key_min_s, description: 'A cluster is a key character with at least this much screen time (s) …' }),
  ),
  key_min_share: Type.Optional(
    Type.Number({ minimum: 0, maximum: 1, default: c.key_min_share, description: "… or at least this share of the video's duration" }),
  ),
};
/** The most faces one page holds: a page of GET /videos/:id/faces, and the faces a cluster embeds in GET /videos/:id/clusters. */
export const FACE_PAGE_MAX = 1000;
/** Faces of GET /videos/:id/faces per page unless `limit` says. */
export const FACE_PAGE_DEFAULT = 100;
/**
 * Faces each cluster of GET /videos/:id/clusters embeds unless `faces_per_cluster` says: enough for a cluster's
 * card and the first rows of its faces (the montage shows 8), while the answer stays small whatever the video's
 * length (a main character of a long video has thousands of faces); the rest is paged at `faces_next`.
 */
export const FACES_PER_CLUSTER_DEFAULT = 20;

export const ClusterQuery = Type.Object(
  {
    ...ClusterQueryProps,
    faces_per_cluster: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: FACE_PAGE_MAX,
        default: FACES_PER_CLUSTER_DEFAULT,
        description:
          'Faces each cluster embeds (0: none): its first faces in GET /videos/{id}/faces order (time: t, frame, k); `size` counts them all and `faces_next` pages the rest',
      }),
    ),
    faces_limit: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: FACE_PAGE_MAX,
        default: FACE_PAGE_MAX,
        description:
          'Faces the top-level `faces` list holds (0: none): the first faces of the video in GET /videos/{id}/faces order, each with its cluster; `face_count` counts them all and `faces_next` pages the rest',
      }),
    ),
  },
  { additionalProperties: false },
);

export const ResultFaceSchema = Type.Object(
  {
    id: FaceId,
    t: Type.Number(),
    frame: Type.Integer(),
    box: Box,
    score: Type.Number(),
    cluster: Type.Union([Type.Integer(), Type.Null()]),
    thumbnail: Type.String({ description: 'URL of the face JPEG' }),
  },
  { $id: 'ResultFace', title: 'ResultFace' },
);

export const ClusterSummarySchema = Type.Object(
  {
    id: Type.Integer(),
    size: Type.Integer({ description: 'Faces of the cluster, all of them (faces holds the first faces_per_cluster)' }),
    faces: Type.Array(FaceId, {
      description: 'The first faces_per_cluster faces of the cluster in GET /videos/{id}/faces order (time: t, frame, k): the first page of faces_next',
    }),
    faces_next: Type.Union([Type.String(), Type.Null()], {
      description:
        "URL of the cluster's next faces: GET /videos/{id}/faces?cluster=<id>&cursor=… with this request's clustering parameters (the same cut, so the same cluster id), from the face after the last of `faces`; null when `faces` holds them all. Follow each page's next_cursor (same URL, cursor replaced) to the end",
    }),
    screen_time_s: Type.Number(),
    first_t: Type.Number(),
    last_t: Type.Number(),
    segments: Type.Array(Type.Tuple([Type.Number(), Type.Number()])),
    representative: FaceId,
    representative_thumbnail: Type.String(),
    person: ClusterPerson,
    key: Type.Boolean({ description: 'A key character: on screen at least key_min_s seconds or key_min_share of the video; key characters come first' }),
    suggestion: ClusterSuggestion,
  },
  { $id: 'ClusterSummary', title: 'ClusterSummary' },
);

export const ClusterResultSchema = Type.Object(
  {
    video: Type.Object({
      id: Type.String(),
      filename: Type.Union([Type.String(), Type.Null()]),
      duration_s: Type.Number(),
      fps: Type.Number(),
      width: Type.Integer(),
      height: Type.Integer(),
    }),
    params: Type.Record(Type.String(), Type.Unknown(), { description: 'Every effective option (extraction and clustering)' }),
    face_count: Type.Integer({ description: 'Faces of the video, all of them (faces holds the first faces_limit)' }),
    faces: Type.Array(Type.Ref('ResultFace'), {
      description:
        "The video's first faces_limit faces in GET /videos/{id}/faces order (time: t, frame, k), each with its cluster: the first page of faces_next",
    }),
    faces_next: Type.Union([Type.String(), Type.Null()], {
      description:
        "URL of the video's next faces, each with its cluster: GET /videos/{id}/faces?cursor=… with this request's clustering parameters (the same cut); null when `faces` holds them all",
    }),
    clusters: Type.Array(Type.Ref('ClusterSummary')),
    unclustered_count: Type.Integer({ description: 'Faces in no cluster (below min_csize), all of them (unclustered holds the first faces_per_cluster)' }),
    unclustered: Type.Array(FaceId, {
      description: 'The first faces_per_cluster faces in no cluster, in GET /videos/{id}/faces order: the first page of unclustered_next',
    }),
    unclustered_next: Type.Union([Type.String(), Type.Null()], {
      description:
        'URL of the next faces in no cluster: GET /videos/{id}/faces?cluster=unclustered&cursor=… with the same clustering parameters; null when `unclustered` holds them all',
    }),
    linkage_cached: Type.Boolean({
      description:
        'Whether the dendrogram of these weights and switches was already computed (then only cut: a new sim, min_csize or merge costs no linkage); false the first time, which computes and keeps it',
    }),
    timings: Type.Record(Type.String(), Type.Number()),
  },
  { title: 'ClusterResult' },
);

export const FaceItem = Type.Object(
  {
    id: FaceId,
    t: Type.Number(),
    frame: Type.Integer(),
    k: Type.Integer({ description: 'Rank of the face within its frame' }),
    box: Box,
    score: Type.Number(),
    cluster: Type.Optional(Type.Union([Type.Integer(), Type.Null()], { description: 'Present when clustering parameters or a cluster filter were given' })),
    thumbnail: Type.String(),
    body: Type.String(),
  },
  { $id: 'Face', title: 'Face' },
);

export const FaceListQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: FACE_PAGE_MAX, default: FACE_PAGE_DEFAULT })),
    cursor: Type.Optional(Cursor),
    cluster: Type.Optional(Type.String({ pattern: '^([0-9]+|unclustered)$', description: 'Only faces of this cluster id, or "unclustered"' })),
    ...ClusterQueryProps,
  },
  { additionalProperties: false },
);

export const FaceList = Type.Object(
  {
    items: Type.Array(Type.Ref('Face')),
    next_cursor: Type.Union([Type.String(), Type.Null()]),
  },
  { title: 'FaceList' },
);

export const MontageQuery = Type.Object(
  {
    ...ClusterQueryProps,
    tile: Type.Optional(Type.Integer({ minimum: 16, maximum: 1024, default: 96 })),
    max_per_cluster: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 8 })),
    token: MediaTokenParam,
  },
  { additionalProperties: false },
);

export const ThumbnailQuery = Type.Object(
  {
    kind: Type.Optional(Type.Union([Type.Literal('face'), Type.Literal('body')], { default: 'face' })),
    token: MediaTokenParam,
  },
  { additionalProperties: false },
);

/**
 * The answer of a clustering request (clusters, montage, clustered faces) whose linkage (dendrogram) is not cached
 * and too big to compute in the request: the worker computes it; the same request, repeated after Retry-After,
 * answers with the cut.
 */
export const LinkageComputing = Type.Object(
  {
    status: Type.Literal('computing'),
    video_id: Type.String({ format: 'uuid' }),
    linkage: Type.Object({
      key: Type.String({
        description:
          "The linkage computed, as JSON text: `shape` (the options that shape the tree: weights, method, flow and the switches on) and `people` (the people constraints' fingerprint, null for none)",
      }),
      faces: Type.Integer({ description: 'Faces clustered (the computation costs about faces²)' }),
      job: Type.Union(
        ['queued', 'running', 'retried'].map((x) => Type.Literal(x)),
        {
          description:
            'queued: waiting for a worker (identical requests share one job); running: a worker is computing it; retried: the last attempt failed and was queued again',
        },
      ),
    }),
    retry_after_s: Type.Integer({ minimum: 1, description: 'Same as the Retry-After header: when to repeat the request' }),
    links: Type.Object({
      self: Type.String({ description: 'This request (same parameters): poll it; once the linkage is stored it answers with the cut (200)' }),
      video: Type.String(),
    }),
  },
  {
    title: 'LinkageComputing',
    description:
      'The linkage these parameters need is being computed by the worker (202); repeat the request (links.self, also in Location) after Retry-After seconds.',
    headers: {
      'retry-after': { type: 'integer', description: 'Seconds to wait before repeating the request' },
      location: { type: 'string', description: 'The request to repeat (links.self)' },
    },
  },
);
