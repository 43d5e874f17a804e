import Type from 'typebox';
import { ERROR_CODES } from '../errors.js';

/** The one error shape of every non-2xx answer (shared component `Error` in the OpenAPI document). */
export const ErrorSchema = Type.Object(
  {
    error: Type.Object(
      {
        code: Type.Union(
          ERROR_CODES.map((c) => Type.Literal(c)),
          { description: 'Stable machine-readable code' },
        ),
        message: Type.String({ description: 'Human-readable explanation' }),
      },
      { additionalProperties: false },
    ),
  },
  { $id: 'Error', title: 'Error', additionalProperties: false },
);

export const ErrorRef = Type.Ref('Error');

const WHY: Record<number, string> = {
  400: 'Invalid parameter or upload (INVALID_OPTION, UNKNOWN_OPTION, INVALID_CALLBACK_URL, INVALID_MULTIPART, MISSING_FILE, TOO_MANY_FILES), or not valid HTTP (MALFORMED_REQUEST)',
  401: 'Missing, malformed, unknown or revoked API key (UNAUTHORIZED); answered with `WWW-Authenticate: Bearer`',
  404: 'No such video, face or route (NOT_FOUND)',
  409: 'The video is not ready yet, or failed (VIDEO_NOT_READY); a concurrent request deleted or changed what this one writes about (CONFLICT)',
  413: 'Upload larger than MAX_UPLOAD_BYTES, or a body larger than BODY_LIMIT_BYTES (PAYLOAD_TOO_LARGE); a search photo over 20 MB or 40 megapixels (IMAGE_TOO_LARGE)',
  414: 'Query string longer than MAX_QUERY_BYTES, or a path parameter longer than 100 characters (URI_TOO_LONG)',
  415: 'Not multipart/form-data (UNSUPPORTED_CONTENT_TYPE), not a video (UNSUPPORTED_MEDIA), or a container or codec outside ALLOWED_CONTAINERS / ALLOWED_VIDEO_CODECS (UNSUPPORTED_CONTAINER, UNSUPPORTED_CODEC); a search photo that is not a JPEG, PNG or WebP image (NOT_AN_IMAGE)',
  416: 'The Range header asks for bytes outside the file, or is malformed (RANGE_NOT_SATISFIABLE); answered with `Content-Range: bytes */<size>`',
  422: 'The upload is not a usable video (TRUNCATED_VIDEO, ZERO_DURATION) or is longer than MAX_VIDEO_SECONDS (VIDEO_TOO_LONG); a search photo with no face (NO_FACE)',
  431: "The request line and headers are over the server's limit of 16 KiB (HEADERS_TOO_LARGE)",
  429: "Too many requests for this API key (RATE_LIMITED, with Retry-After), or too many of the tenant's videos queued or processing (TOO_MANY_JOBS)",
  500: 'Unexpected failure (INTERNAL)',
  503: 'A backing service is unavailable: the database (DATABASE_UNAVAILABLE) or the queue (UNAVAILABLE); answered with Retry-After',
  507: 'No space left in file storage for the upload (STORAGE_FULL); nothing of it is kept',
};

/** Error responses for the given statuses, all the shared shape. */
export function errors<const S extends readonly number[]>(...statuses: S): Record<S[number], typeof ErrorRef> {
  return Object.fromEntries(statuses.map((s) => [s, Type.Ref('Error', { description: WHY[s] ?? 'Error' })])) as Record<S[number], typeof ErrorRef>;
}

/** The query of a route that takes no parameters: any parameter is unknown (400), as on every other route. */
export const NoQuery = Type.Object({}, { additionalProperties: false });

/** The body of a route that takes no fields: none, `{}`, or 400 for anything else. */
export const NoBody = Type.Object({}, { additionalProperties: false });

export const VideoIdParams = Type.Object({ id: Type.String({ format: 'uuid', description: 'Video id' }) });
/**
 * The one definition of a face's id wherever the API shows or takes one (lists, cluster reports, thumbnail URLs,
 * path parameters): a random UUID per face (faces.public_id). Faces are biometric data, so their ids must not be
 * guessable in sequence; the database's sequential key never leaves the service.
 */
export const FaceId = Type.String({ format: 'uuid', description: 'Face id (random UUID; not sequential)' });
export const FaceIdParams = Type.Object({ id: FaceId });

export const Box = Type.Tuple([Type.Number(), Type.Number(), Type.Number(), Type.Number()], { description: '[x, y, w, h] in source-video pixels' });

export const Cursor = Type.String({ minLength: 1, maxLength: 512, description: 'Opaque cursor from a previous page (next_cursor)' });

/** libs/recognition qualityGate's verdict on a face. */
export const FaceQuality = Type.Object(
  {
    face_px: Type.Integer({
      description:
        "Height of the face's detector box in the pixels it was described from (a search photo as decoded, at most 1536 px a side; a cluster: the median of its faces, in the video's pixels)",
    }),
    gate: Type.Union([Type.Literal('ok'), Type.Literal('raised'), Type.Literal('refused')], {
      description:
        "'ok': named at the recognition threshold; 'raised': a small face, named only at a raised threshold; 'refused': too small to name anyone (a search face then has no matches nor appearances). Cut-offs calibrated in docs/QUALITY.md (small and blurred query faces)",
    }),
    threshold: Type.Union([Type.Number(), Type.Null()], { description: 'The threshold this face had to pass; null when refused' }),
  },
  { title: 'FaceQuality' },
);
