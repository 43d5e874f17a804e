import type { Duplex } from 'node:stream';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ServiceConfig } from '../../../libs/config/node.js';
import { ApiError, STATUS_OF, errorBody } from '../errors.js';
import { REQUEST_ID_HEADER } from './request-id.js';
import { errors } from '../schemas/common.js';
import { UNLIMITED_ROUTES } from './rate-limit.js';

/** Fastify server options that bound what one client can hold: body size, connection idle time, request time, keep-alive. */
export function serverLimits(config: ServiceConfig) {
  return {
    bodyLimit: config.bodyLimitBytes,
    // A socket silent this long is closed: a stalled upload included (its partial file is then removed).
    connectionTimeout: config.idleTimeoutMs,
    requestTimeout: config.requestTimeoutMs,
    keepAliveTimeout: config.keepAliveTimeoutMs,
    // Path parameters are UUIDs and integers: nothing legitimate is longer.
    routerOptions: { maxParamLength: 100 },
    frameworkErrors: routerError,
    clientErrorHandler,
    // Node answers an HTTP/1.1 request without a Host header with a bare 400 before any handler runs: the check is
    // ours instead (registerRequestLimits), so the refusal has the one error shape.
    http: { requireHostHeader: false },
  };
}

const REASONS: Record<number, string> = { 400: 'Bad Request', 408: 'Request Timeout', 431: 'Request Header Fields Too Large' };

/**
 * What Node's HTTP parser refuses before Fastify sees a request (headers or a path over the header limit, a request
 * that never arrives in time, bytes that are not HTTP): answered in the one error shape, then the connection closed.
 */
function clientErrorHandler(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const code = err.code === 'HPE_HEADER_OVERFLOW' ? 'HEADERS_TOO_LARGE' : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 'REQUEST_TIMEOUT' : 'MALFORMED_REQUEST';
  const message =
    code === 'HEADERS_TOO_LARGE'
      ? 'the request line and headers are larger than the server accepts (16 KiB): shorten the URL or the headers'
      : code === 'REQUEST_TIMEOUT'
        ? 'the request did not arrive in time'
        : 'the request is not valid HTTP';
  const status = STATUS_OF[code];
  const body = JSON.stringify(errorBody(code, message));
  socket.end(
    `HTTP/1.1 ${status} ${REASONS[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n${body}`,
  );
}

/**
 * What the router refuses before any hook runs (an over-long path parameter, a malformed percent-encoding): our error
 * shape, with the request id and the nosniff header the hooks would have added.
 */
function routerError(err: FastifyError, req: FastifyRequest, reply: FastifyReply): void {
  const tooLong = err.code === 'FST_ERR_MAX_PARAM_LENGTH';
  const code = tooLong ? 'URI_TOO_LONG' : 'INVALID_OPTION';
  const message = tooLong ? 'a path parameter is longer than 100 characters' : 'the URL path is not valid (malformed percent-encoding)';
  void reply
    .code(STATUS_OF[code])
    .header(REQUEST_ID_HEADER, req.id)
    .header('x-content-type-options', 'nosniff')
    .type('application/json')
    .send(errorBody(code, message));
}

/**
 * Query strings longer than MAX_QUERY_BYTES are refused (414 URI_TOO_LONG) before routing work. Every limited
 * route documents the answers any request may get from the limits (414, 429), so clients and the OpenAPI
 * document agree; this must be registered before the routes and the OpenAPI generator.
 */
export function registerRequestLimits(app: FastifyInstance, config: ServiceConfig): void {
  app.addHook('onRoute', (route) => {
    if (UNLIMITED_ROUTES.has(route.url) || !route.schema?.response || (route.schema as { hide?: boolean }).hide) return;
    const limits = config.rateLimitMax > 0 ? errors(414, 429, 431) : errors(414, 431);
    // A route that reads a body also answers a body over the limit (413) and a content type it does not read (415).
    const body = route.schema.body ? errors(413, 415) : {};
    route.schema.response = { ...limits, ...body, ...route.schema.response };
  });
  app.addHook('onRequest', async (req, reply) => {
    // RFC 9112 §3.2: a server must answer 400 to an HTTP/1.1 request without a Host header (HTTP/1.0 has none).
    if (req.raw.httpVersion === '1.1' && req.headers.host === undefined) {
      void reply.header('connection', 'close');
      throw new ApiError('MALFORMED_REQUEST', 'an HTTP/1.1 request needs a Host header');
    }
    const q = req.url.indexOf('?');
    if (q < 0 || UNLIMITED_ROUTES.has(req.routeOptions.url ?? '')) return;
    const bytes = Buffer.byteLength(req.url) - q - 1;
    if (bytes > config.maxQueryBytes) throw new ApiError('URI_TOO_LONG', `query string of ${bytes} bytes is longer than the limit of ${config.maxQueryBytes}`);
  });
}
