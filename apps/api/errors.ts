import { ERROR_CODES, ERROR_STATUS, escapeInvisible, type ErrorCode } from '../../libs/config/index.js';

/** The API answers every code of libs/config's one list, with its status. */
export { ERROR_CODES };
export type ApiErrorCode = ErrorCode;
export const STATUS_OF: Readonly<Record<ApiErrorCode, number>> = ERROR_STATUS;

/** An error answer: `{error: {code, message}}` with the code's status. */
export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly statusCode = STATUS_OF[code],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The one error answer; the message's control and bidi characters, which only quoted client text can bring, escaped. */
export function errorBody(code: ApiErrorCode, message: string) {
  return { error: { code, message: escapeInvisible(message) } };
}
