import type { ErrorCode } from '../../libs/config/index.js';

/** Every code an error answer may carry (libs/config's KeycastError codes). */
export const ERROR_CODES = [
  'INVALID_OPTION', 'UNKNOWN_OPTION', 'NOT_FOUND', 'NOT_A_VIDEO', 'TRUNCATED_VIDEO', 'NO_VIDEO_STREAM', 'ZERO_DURATION',
  'DECODE_FAILED', 'INVALID_FINGERPRINTS', 'INVALID_FILE', 'VIDEO_NOT_READY', 'PAYLOAD_TOO_LARGE', 'CONFLICT', 'UNAUTHORIZED', 'UNAVAILABLE', 'INTERNAL',
  'UNSUPPORTED_MEDIA', 'UNSUPPORTED_CONTAINER', 'UNSUPPORTED_CODEC', 'UNSUPPORTED_CONTENT_TYPE', 'VIDEO_TOO_LONG', 'RATE_LIMITED', 'TOO_MANY_JOBS',
  'URI_TOO_LONG', 'INVALID_CALLBACK_URL', 'INVALID_MULTIPART', 'MISSING_FILE', 'TOO_MANY_FILES',
  'STORAGE_FULL', 'DATABASE_UNAVAILABLE',
] as const satisfies readonly (ErrorCode | 'UNAVAILABLE')[];
export type ApiErrorCode = (typeof ERROR_CODES)[number];

/** HTTP status of each code. Unreadable media is 422: the request was well-formed, its content is not a usable video. */
export const STATUS_OF: Record<ApiErrorCode, number> = {
  INVALID_OPTION: 400,
  UNKNOWN_OPTION: 400,
  INVALID_FILE: 400,
  INVALID_CALLBACK_URL: 400,
  INVALID_MULTIPART: 400,
  MISSING_FILE: 400,
  TOO_MANY_FILES: 400,
  UNAUTHORIZED: 401,
  NOT_FOUND: 404,
  VIDEO_NOT_READY: 409,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  URI_TOO_LONG: 414,
  UNSUPPORTED_MEDIA: 415,
  UNSUPPORTED_CONTAINER: 415,
  UNSUPPORTED_CODEC: 415,
  UNSUPPORTED_CONTENT_TYPE: 415,
  VIDEO_TOO_LONG: 422,
  RATE_LIMITED: 429,
  TOO_MANY_JOBS: 429,
  NOT_A_VIDEO: 422,
  TRUNCATED_VIDEO: 422,
  NO_VIDEO_STREAM: 422,
  ZERO_DURATION: 422,
  DECODE_FAILED: 422,
  INVALID_FINGERPRINTS: 422,
  UNAVAILABLE: 503,
  DATABASE_UNAVAILABLE: 503,
  STORAGE_FULL: 507,
  INTERNAL: 500,
};

/** An error answer: `{error: {code, message}}` with the code's status. */
export class ApiError extends Error {
  constructor(readonly code: ApiErrorCode, message: string, readonly statusCode = STATUS_OF[code]) {
    super(message);
    this.name = 'ApiError';
  }
}

export function errorBody(code: ApiErrorCode, message: string) {
  return { error: { code, message } };
}
