/**
 * One error type for every expected failure (bad input, bad options, unreadable media).
 * `code` is stable: the CLI prints it, the API maps it to an HTTP status, clients switch on it.
 */
export type ErrorCode =
  | 'INVALID_OPTION'
  | 'UNKNOWN_OPTION'
  | 'NOT_FOUND'
  | 'NOT_A_VIDEO'
  | 'TRUNCATED_VIDEO'
  | 'NO_VIDEO_STREAM'
  | 'ZERO_DURATION'
  | 'DECODE_FAILED'
  | 'INVALID_FINGERPRINTS'
  | 'INVALID_FILE'
  | 'VIDEO_NOT_READY'
  | 'PAYLOAD_TOO_LARGE'
  | 'CONFLICT'
  | 'UNAUTHORIZED'
  /** A backing service (database, Redis) does not answer. */
  | 'UNAVAILABLE'
  // Limits and hostile input (the API's answers; docs/RELIABILITY.md).
  | 'UNSUPPORTED_MEDIA'
  | 'UNSUPPORTED_CONTAINER'
  | 'UNSUPPORTED_CODEC'
  | 'UNSUPPORTED_CONTENT_TYPE'
  | 'VIDEO_TOO_LONG'
  | 'RATE_LIMITED'
  | 'TOO_MANY_JOBS'
  | 'URI_TOO_LONG'
  | 'INVALID_CALLBACK_URL'
  | 'INVALID_MULTIPART'
  | 'MISSING_FILE'
  | 'TOO_MANY_FILES'
  // Faults (docs/RELIABILITY.md): the service is short of something, the request was fine.
  | 'STORAGE_FULL'
  | 'DATABASE_UNAVAILABLE'
  | 'INTERNAL';

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
