import Type from 'typebox';
import { CLOTH_ENCODERS, DEFAULT_EXTRACT, FACE_CHIP_MODES } from '../../../libs/config/index.js';
import { WEBHOOK_EVENTS } from '../../../libs/queue/index.js';
import { VIDEO_STATUSES } from '../../../libs/store/index.js';
import { Cursor } from './common.js';

/** The owner tag's longest spelling, in characters: longer is refused (400), from a form and a JSON body alike. */
export const OWNER_MAX_CHARS = 200;
/** A multipart text field's longest value, in bytes (the multipart parser's limit on every route). */
export const FIELD_MAX_BYTES = 64 * 1024;

const lit = <T extends string>(xs: readonly T[]) => Type.Union(xs.map((x) => Type.Literal(x)));

export const VideoStatus = lit(VIDEO_STATUSES);

/** Extraction options as stored and returned (after defaults). */
export const ExtractOptionsSchema = Type.Object(
  {
    capture_interval_sec: Type.Number(),
    use_scene_transition: Type.Boolean(),
    scene_threshold: Type.Number(),
    skip_sec: Type.Number(),
    stop_sec: Type.Number(),
    face_cnt: Type.Integer(),
    frame_batch_size: Type.Integer(),
    resizing_resolution: Type.Integer(),
    resizing_ratio: Type.Union([Type.Number(), Type.Null()]),
    max_faces_per_frame: Type.Integer(),
    min_face_score: Type.Number(),
    cloth_encoder: lit(CLOTH_ENCODERS),
    face_chips: Type.Optional(
      Type.Union([...FACE_CHIP_MODES.map((x) => Type.Literal(x))], {
        description: "The chips the face descriptors were computed on (their descriptor version); absent on videos stored before it existed: 'face-api'",
      }),
    ),
  },
  { $id: 'ExtractOptions', title: 'ExtractOptions' },
);

const d = DEFAULT_EXTRACT;
/**
 * The multipart form of POST /videos: the `file` and, as text fields, every option of `keycast analyze`'s
 * extraction (validated by resolveExtractOptions, not by this schema, which documents them).
 */
const VIDEO_FIELDS = {
  callback_url: Type.Optional(
    Type.String({
      format: 'uri',
      description: 'POSTed a signed video.ready / video.failed event, and person.updated when a person with faces of this video changes',
    }),
  ),
  owner: Type.Optional(Type.String({ maxLength: OWNER_MAX_CHARS, description: 'Free-form owner tag; GET /videos?owner= filters on it' })),
  capture_interval_sec: Type.Optional(
    Type.Number({ exclusiveMinimum: 0, maximum: 3600, default: d.capture_interval_sec, description: 'Sample one frame every N seconds' }),
  ),
  use_scene_transition: Type.Optional(Type.Boolean({ default: d.use_scene_transition, description: 'Sample at scene changes instead' })),
  scene_threshold: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1, default: d.scene_threshold })),
  skip_sec: Type.Optional(Type.Number({ minimum: 0, default: d.skip_sec })),
  stop_sec: Type.Optional(Type.Number({ minimum: 0, default: d.stop_sec, description: '0 = to the end' })),
  face_cnt: Type.Optional(Type.Integer({ minimum: 0, default: d.face_cnt, description: 'Stop after N faces (0 = no limit)' })),
  frame_batch_size: Type.Optional(Type.Integer({ minimum: 1, maximum: 1024, default: d.frame_batch_size })),
  resizing_resolution: Type.Optional(Type.Integer({ minimum: 16, maximum: 16384, default: d.resizing_resolution })),
  resizing_ratio: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1 })),
  max_faces_per_frame: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: d.max_faces_per_frame })),
  min_face_score: Type.Optional(Type.Number({ minimum: 0, maximum: 1, default: d.min_face_score })),
  cloth_encoder: Type.Optional(lit(CLOTH_ENCODERS)),
  face_chips: Type.Optional(
    Type.Union([...FACE_CHIP_MODES.map((x) => Type.Literal(x))], {
      default: d.face_chips,
      description: "Chips for the face descriptors: face-api's, dlib's aligned chips, or dlib's where the landmarks can be trusted (docs/QUALITY.md)",
    }),
  ),
};

const URL_FIELD = Type.String({
  format: 'uri',
  maxLength: 2048,
  description:
    'Where the worker downloads the video from: http or https, no credentials (a presigned URL carries its signature in the query), ' +
    'a host that resolves to a public address unless INGEST_ALLOWED_HOSTS / INGEST_ALLOW_PRIVATE allow more. Never shown back beyond its host.',
});

export const UploadForm = Type.Object(
  {
    file: Type.Optional(
      Type.String({ format: 'binary', description: 'The video file (streamed to storage; size limit MAX_UPLOAD_BYTES). Required unless `url` is given.' }),
    ),
    url: Type.Optional(URL_FIELD),
    ...VIDEO_FIELDS,
  },
  { title: 'UploadForm' },
);

/** POST /videos as JSON: the video's URL and the same fields as the multipart form (options may be numbers and booleans). */
export const UrlUpload = Type.Object({ url: URL_FIELD, ...VIDEO_FIELDS }, { title: 'UrlUpload', additionalProperties: false });

export const VideoLinks = Type.Object({
  self: Type.String(),
  clusters: Type.String(),
  faces: Type.String(),
  montage: Type.String(),
});

export const VideoSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    status: VideoStatus,
    progress: Type.Number({ minimum: 0, maximum: 1, description: 'Fraction of the sampled range extracted, 0 to 1 (1 once ready)' }),
    filename: Type.Union([Type.String(), Type.Null()]),
    size_bytes: Type.Integer(),
    download: Type.Union(
      [
        Type.Object({
          host: Type.String({ description: "The URL's host (and port): all that is shown of the URL" }),
          received_bytes: Type.Integer({ description: 'Bytes downloaded so far' }),
          total_bytes: Type.Union([Type.Integer(), Type.Null()], { description: 'The whole size when the server said it (Content-Length), else null' }),
        }),
        Type.Null(),
      ],
      { description: 'A video given by `url`: where it comes from and how far its download is (status `downloading`); null for an uploaded file' },
    ),
    owner: Type.Union([Type.String(), Type.Null()]),
    callback_url: Type.Union([Type.String(), Type.Null()]),
    options: Type.Ref('ExtractOptions'),
    media: Type.Union([
      Type.Object(
        {
          duration_s: Type.Number(),
          fps: Type.Number(),
          width: Type.Integer(),
          height: Type.Integer(),
          codec: Type.String(),
          frame_count: Type.Integer({ description: 'Frames in the video stream (ffprobe), all of them' }),
        },
        { description: 'The uploaded file as ffprobe saw it' },
      ),
      Type.Null(),
    ]),
    face_count: Type.Integer(),
    sampled_frames: Type.Integer({
      description: 'Frames sampled and searched for faces so far (capture_interval_sec or scene changes); media.frame_count counts every frame of the stream',
    }),
    segment_count: Type.Integer({ description: 'Time segments the video was split into (processed in parallel)' }),
    error: Type.Union([Type.Object({ code: Type.String(), message: Type.String() }), Type.Null()]),
    timings: Type.Record(Type.String(), Type.Number(), {
      description:
        'Milliseconds. Wall-clock: queue_ms (upload to the start of extraction), processing_ms (start to ready), total_ms = queue_ms + processing_ms. ' +
        'Work, summed over the segments processed in parallel and over inference threads (so it may exceed processing_ms): extract_ms, decode_ms, detect_ms, cloth_ms; ' +
        'probe_ms and linkage_ms (the default dendrogram) once each; segments is a count.',
    }),
    created_at: Type.String({ format: 'date-time' }),
    updated_at: Type.String({ format: 'date-time' }),
    started_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'When extraction first started (kept across retries)' }),
    finished_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    links: VideoLinks,
  },
  { $id: 'Video', title: 'Video' },
);

export const VideoAccepted = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    status: VideoStatus,
    links: VideoLinks,
  },
  { title: 'VideoAccepted' },
);

export const VideoListQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
    cursor: Type.Optional(Cursor),
    status: Type.Optional(VideoStatus),
    owner: Type.Optional(Type.String({ maxLength: OWNER_MAX_CHARS })),
  },
  { additionalProperties: false },
);

export const VideoList = Type.Object(
  {
    items: Type.Array(Type.Ref('Video')),
    next_cursor: Type.Union([Type.String(), Type.Null()], { description: 'Pass as cursor for the next page; null on the last page' }),
  },
  { title: 'VideoList' },
);

export const DeliverySchema = Type.Object(
  {
    id: Type.String({ format: 'uuid', description: 'Attempt id (random UUID; not sequential)' }),
    event_id: Type.String({ description: 'Same for every attempt of one event (x-keycast-delivery): receivers deduplicate on it' }),
    event: Type.Union(WEBHOOK_EVENTS.map((e) => Type.Literal(e))),
    attempt: Type.Integer({ minimum: 1, description: '1 for the first try, then each retry' }),
    status_code: Type.Union([Type.Integer(), Type.Null()], { description: "The receiver's HTTP status; null when no answer came (refused, timeout, reset)" }),
    error: Type.Union([Type.String(), Type.Null()], { description: 'Why the attempt failed; null when it was delivered (a 2xx)' }),
    duration_ms: Type.Number({ description: 'Milliseconds from resolving the host to the answer' }),
    delivered: Type.Boolean(),
    created_at: Type.String({ format: 'date-time', description: 'When the attempt was made' }),
  },
  { title: 'Delivery' },
);

export const DeliveryList = Type.Object({ items: Type.Array(DeliverySchema) }, { title: 'DeliveryList' });
