import type { FastifyError, FastifyInstance } from 'fastify';
import Type from 'typebox';
import { isKeycastError } from '../../../libs/config/index.js';
import { constraintViolation, databaseUnavailableMessage, isDatabaseUnavailable } from '../../../libs/store/index.js';
import { ApiError, STATUS_OF, errorBody, type ApiErrorCode } from '../errors.js';
import { validationMessage } from './validation-message.js';

/** Seconds a client is told to wait (Retry-After) when a backing service is down: about a database restart. */
const RETRY_AFTER_UNAVAILABLE_S = 5;

/** Fastify's and its plugins' error codes that are the client's doing, mapped to ours. */
const FASTIFY_CODES: Record<string, ApiErrorCode> = {
  FST_REQ_FILE_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_FILES_LIMIT: 'TOO_MANY_FILES',
  FST_FIELDS_LIMIT: 'INVALID_MULTIPART',
  FST_PARTS_LIMIT: 'INVALID_MULTIPART',
  FST_MP_PREMATURE_CLOSE: 'INVALID_MULTIPART',
  FST_PROTO_VIOLATION: 'INVALID_OPTION',
  FST_INVALID_MULTIPART_CONTENT_TYPE: 'UNSUPPORTED_CONTENT_TYPE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_CONTENT_TYPE',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'INVALID_OPTION',
  FST_ERR_CTP_INVALID_JSON_BODY: 'INVALID_OPTION',
};

/** A 4xx from Fastify or a plugin without a code of ours: the closest documented answer. */
function clientErrorCode(status: number): ApiErrorCode {
  if (status === 404) return 'NOT_FOUND';
  if (status === 413) return 'PAYLOAD_TOO_LARGE';
  if (status === 414) return 'URI_TOO_LONG';
  if (status === 415) return 'UNSUPPORTED_CONTENT_TYPE';
  if (status === 429) return 'RATE_LIMITED';
  return 'INVALID_OPTION';
}

/** Absolute paths of this machine (storage root, working directory) never leave it in an error message. */
function scrubPaths(message: string, storageRoot: string | undefined): string {
  let m = message;
  for (const p of [storageRoot, process.cwd()]) if (p && p.length > 1) m = m.split(p).join('…');
  return m;
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
    } else if (isDatabaseUnavailable(err)) {
      // PostgreSQL down or restarting: the request was fine, try again shortly (the pool reconnects by itself).
      code = 'DATABASE_UNAVAILABLE';
      status = 503;
      message = `${databaseUnavailableMessage(err)}; retry in a few seconds`;
      void reply.header('retry-after', String(RETRY_AFTER_UNAVAILABLE_S));
    } else if (constraintViolation(err)) {
      // A constraint the database enforced: a request that raced a deletion (409) or text it cannot hold (400).
      const v = constraintViolation(err)!;
      code = v.code;
      status = STATUS_OF[code];
      message = v.message;
      req.log.info({ err }, 'database constraint violation answered as %s', code);
    } else if (isKeycastError(err)) {
      code = err.code in STATUS_OF ? err.code : 'INTERNAL';
      status = STATUS_OF[code];
    } else if (err.validation) {
      code = 'INVALID_OPTION';
      status = 400;
      message = validationMessage(err, req);
    } else if (err.code && FASTIFY_CODES[err.code]) {
      code = FASTIFY_CODES[err.code];
      status = STATUS_OF[code];
      if (err.code === 'FST_REQ_FILE_TOO_LARGE') message = `upload larger than the limit of ${req.server.keycast?.config.maxUploadBytes ?? '?'} bytes`;
      if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
        const type = req.headers['content-type'];
        message = `this route takes application/json, got ${type ? JSON.stringify(type.slice(0, 100)) : 'no Content-Type'}`;
      }
      if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
        message = `request body larger than the limit of ${req.server.keycast?.config.bodyLimitBytes ?? '?'} bytes`;
    } else if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      code = clientErrorCode(err.statusCode);
      status = STATUS_OF[code];
    } else {
      // Nothing about the failure reaches the client (no message, stack or path): the request id finds the log line.
      code = 'INTERNAL';
      status = 500;
      req.log.error({ err }, 'unhandled error');
      message = `internal error (request id ${req.id})`;
    }
    message = scrubPaths(message, req.server.keycast?.store.files.root);
    if (status >= 500 && code !== 'INTERNAL') req.log.warn({ err }, 'service unavailable');
    if (code === 'UNAVAILABLE' && !reply.hasHeader('retry-after')) void reply.header('retry-after', String(RETRY_AFTER_UNAVAILABLE_S));
    void reply.code(status).type('application/json').send(errorBody(code, message));
  });

  // Any route that can fail with INTERNAL can also meet a database that is down: document its 503 answer. One that
  // writes can also race a concurrent deletion of what it writes about: document its 409 (constraintViolation above).
  app.addHook('onRoute', (route) => {
    const response = route.schema?.response as Record<string, unknown> | undefined;
    if (response && response[500] && !response[503]) {
      response[503] = Type.Ref('Error', {
        description: 'A backing service is unavailable: the database (DATABASE_UNAVAILABLE) or the queue (UNAVAILABLE); answered with Retry-After',
      });
    }
    const methods = [route.method].flat();
    if (response && response[500] && !response[409] && methods.some((m) => m !== 'GET' && m !== 'HEAD')) {
      response[409] = Type.Ref('Error', {
        description: 'A concurrent request deleted or changed what this one writes about (CONFLICT): nothing was changed; retry',
      });
    }
  });

  app.setNotFoundHandler((req, reply) => {
    void reply.code(404).send(errorBody('NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]}`));
  });
}
