/**
 * One error type for every expected failure (bad input, bad options, unreadable media).
 * `code` is stable: the CLI prints it, the API maps it to an HTTP status, clients switch on it.
 */
/**
 * Every stable error code with its HTTP status: the one list. The CLI prints the code, the API answers
 * with the status (and documents the codes in its OpenAPI document), clients switch on the code.
 * Unreadable media is 422: the request was well-formed, its content is not a usable video.
 */
export const ERROR_STATUS = Object.freeze({
  INVALID_OPTION: 400,
  /** Not HTTP the server can read (a broken request line or header). */
  MALFORMED_REQUEST: 400,
  UNKNOWN_OPTION: 400,
  INVALID_FILE: 400,
  INVALID_CALLBACK_URL: 400,
  /** A video's `url` that is not an absolute http(s) URL, is too long, or carries credentials (user:password@). */
  INVALID_URL: 400,
  /** A video's `url` (or a redirect from it) whose host is or resolves to a non-public address the operator has not allowed (INGEST_ALLOWED_HOSTS, INGEST_ALLOW_PRIVATE). */
  URL_NOT_ALLOWED: 400,
  INVALID_MULTIPART: 400,
  MISSING_FILE: 400,
  TOO_MANY_FILES: 400,
  UNAUTHORIZED: 401,
  NOT_FOUND: 404,
  VIDEO_NOT_READY: 409,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  /** A video's `url` holds more than MAX_UPLOAD_BYTES (its Content-Length says so, or the body ran past it). */
  SOURCE_TOO_LARGE: 413,
  /** A search photo over the byte or pixel limit. */
  IMAGE_TOO_LARGE: 413,
  URI_TOO_LONG: 414,
  /** A Range header outside the stored video, or malformed (GET /videos/:id/media). */
  RANGE_NOT_SATISFIABLE: 416,
  UNSUPPORTED_MEDIA: 415,
  UNSUPPORTED_CONTAINER: 415,
  UNSUPPORTED_CODEC: 415,
  UNSUPPORTED_CONTENT_TYPE: 415,
  /** A search photo that is not a JPEG, PNG or WebP image. */
  NOT_AN_IMAGE: 415,
  VIDEO_TOO_LONG: 422,
  NOT_A_VIDEO: 422,
  TRUNCATED_VIDEO: 422,
  NO_VIDEO_STREAM: 422,
  ZERO_DURATION: 422,
  DECODE_FAILED: 422,
  INVALID_FINGERPRINTS: 422,
  REQUEST_TIMEOUT: 408,
  /** A search photo in which no face was found. */
  NO_FACE: 422,
  RATE_LIMITED: 429,
  /** The request line and headers together are over the server's limit (16 KiB). */
  HEADERS_TOO_LARGE: 431,
  TOO_MANY_JOBS: 429,
  INTERNAL: 500,
  /** ffmpeg/ffprobe cannot be found or run (an installation fault, never the request's). */
  TOOL_MISSING: 500,
  /** A tool refused by policy: the bundled static ffmpeg in production. */
  UNSAFE_TOOL: 500,
  /** An inference thread failed to start or died (a model or runtime that does not load): a machine or install fault. */
  INFERENCE_FAILED: 500,
  /** Generated code (the Prisma client) is absent and cannot be generated here. */
  NOT_GENERATED: 500,
  /** A video's `url`: its host does not resolve or does not accept connections (after the retries). */
  SOURCE_UNREACHABLE: 502,
  /** A video's `url` answered an HTTP error (the message and details carry its status), after the retries for a 5xx. */
  SOURCE_HTTP_ERROR: 502,
  /** A video's `url` sent nothing for INGEST_READ_TIMEOUT_MS (after the retries), or the whole download took longer than INGEST_TIMEOUT_MS. */
  SOURCE_STALLED: 504,
  /** A backing service (database, Redis) does not answer. */
  UNAVAILABLE: 503,
  DATABASE_UNAVAILABLE: 503,
  /** The service is short of disk; the request was fine. */
  STORAGE_FULL: 507,
} as const);

export type ErrorCode = keyof typeof ERROR_STATUS;
export const ERROR_CODES = Object.keys(ERROR_STATUS) as ErrorCode[];

export class KeycastError extends Error {
  readonly code: ErrorCode;
  readonly details?: unknown;
  constructor(code: ErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = 'KeycastError';
    this.code = code;
    this.details = details;
  }
}

export function isKeycastError(e: unknown): e is KeycastError {
  return e instanceof KeycastError;
}
