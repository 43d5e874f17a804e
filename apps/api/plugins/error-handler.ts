import type { FastifyError, FastifyInstance } from 'fastify';
import { isKeycastError } from '../../../libs/config/index.js';
import { ApiError, STATUS_OF, errorBody, type ApiErrorCode } from '../errors.js';

/** Fastify's and its plugins' error codes that are the client's doing, mapped to ours. */
const FASTIFY_CODES: Record<string, ApiErrorCode> = {
  FST_REQ_FILE_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_FILES_LIMIT: 'INVALID_OPTION',
  FST_FIELDS_LIMIT: 'INVALID_OPTION',
  FST_PARTS_LIMIT: 'INVALID_OPTION',
  FST_INVALID_MULTIPART_CONTENT_TYPE: 'INVALID_OPTION',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'INVALID_OPTION',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'INVALID_OPTION',
  FST_ERR_CTP_INVALID_JSON_BODY: 'INVALID_OPTION',
};

/** "querystring/sim must be <= 1" from ajv's errors. */
function validationMessage(err: FastifyError): string {
  const where = err.validationContext ?? 'request';
  const parts = (err.validation ?? []).map((v) => {
    const path = v.instancePath ? v.instancePath.replace(/^\//, '').replace(/\//g, '.') : '';
    const missing = (v.params as { missingProperty?: string })?.missingProperty;
    const extra = (v.params as { additionalProperty?: string })?.additionalProperty;
    if (missing) return `${where}: ${[path, missing].filter(Boolean).join('.')} is required`;
    if (extra) return `${where}: unknown parameter ${[path, extra].filter(Boolean).join('.')}`;
    return `${where}${path ? `.${path}` : ''} ${v.message ?? 'is invalid'}`;
  });
  return parts.length ? [...new Set(parts)].join('; ') : err.message;
}

/**
 * One error shape everywhere: `{error: {code, message}}`. KeycastErrors keep their code; schema
 * validation failures become INVALID_OPTION (400) with the failing parameter named; unknown routes
 * NOT_FOUND; anything unexpected INTERNAL (500, logged, message hidden).
 */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    let code: ApiErrorCode;
    let status: number;
    let message = err.message;
    if (err instanceof ApiError) {
      code = err.code;
      status = err.statusCode;
    } else if (isKeycastError(err)) {
      code = err.code in STATUS_OF ? (err.code as ApiErrorCode) : 'INTERNAL';
      status = STATUS_OF[code];
    } else if (err.validation) {
      code = 'INVALID_OPTION';
      status = 400;
      message = validationMessage(err);
    } else if (err.code && FASTIFY_CODES[err.code]) {
      code = FASTIFY_CODES[err.code];
      status = STATUS_OF[code];
      if (code === 'PAYLOAD_TOO_LARGE') message = `upload larger than the limit of ${req.server.keycast?.config.maxUploadBytes ?? '?'} bytes`;
    } else if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      code = err.statusCode === 404 ? 'NOT_FOUND' : err.statusCode === 413 ? 'PAYLOAD_TOO_LARGE' : 'INVALID_OPTION';
      status = err.statusCode;
    } else {
      code = 'INTERNAL';
      status = 500;
      req.log.error({ err }, 'unhandled error');
      message = 'internal error';
    }
    if (status >= 500 && code !== 'INTERNAL') req.log.warn({ err }, 'service unavailable');
    void reply.code(status).type('application/json').send(errorBody(code, message));
  });

  app.setNotFoundHandler((req, reply) => {
    void reply.code(404).send(errorBody('NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]}`));
  });
}
