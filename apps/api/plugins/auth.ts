import { createHash, timingSafeEqual } from 'node:crypto';
import Type from 'typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import type { TenantScope } from '../../../libs/store/index.js';
import { ApiError, errorBody } from '../errors.js';
import { MEDIA_SCOPE, verifyMediaToken } from '../media-token.js';

/** Who is calling: set on every request that passed authentication (null on open routes). */
export interface RequestTenant {
  id: string;
  name: string;
  /** The API key used (its id, never the key): per-key limits and logs use it. */
  keyId: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    tenant: RequestTenant | null;
  }
  interface FastifyContextConfig {
    /** A GET that a media element loads: it also accepts a media token as `?token=` (apps/api/media-token.ts). */
    mediaToken?: boolean;
  }
}

/** Name of the security scheme in the OpenAPI document (components.securitySchemes). */
export const SECURITY_SCHEME = 'bearerAuth';

/** Routes anyone may call: probes, the API's own description and the review app's page. Everything else needs a key. */
const OPEN_ROUTES = new Set(['/health', '/ready', '/openapi.json', '/docs', '/']);

/**
 * Open by the route's pattern (what the router matched), not by the raw URL: no spelling of a path
 * (`/docs/../videos`, `//health`, encodings) can reach a protected handler through an open name.
 * OPTIONS carries no data in this API and a browser's CORS preflight never sends credentials.
 */
export function isOpenRoute(method: string, routeUrl: string | undefined): boolean {
  if (method === 'OPTIONS') return true;
  if (routeUrl === undefined) return false;
  return OPEN_ROUTES.has(routeUrl) || routeUrl.startsWith('/docs/') || routeUrl.startsWith('/assets/');
}

const BEARER = /^Bearer[ ]+(\S+)[ ]*$/i;

/** Admin routes (tenant purges) answer to the operator's ADMIN_TOKEN only, never to a tenant's API key. */
export function isAdminRoute(routeUrl: string | undefined): boolean {
  return routeUrl !== undefined && routeUrl.startsWith('/admin/');
}

function sameSecret(a: string, b: string): boolean {
  const x = createHash('sha256').update(a).digest();
  const y = createHash('sha256').update(b).digest();
  return timingSafeEqual(x, y);
}

/**
 * How many Authorization headers the request carries. Node keeps the first of several and drops the rest, so
 * `req.headers` alone would let the first win silently; the raw header list says what was sent.
 */
function authorizationHeaders(req: FastifyRequest): number {
  const raw = req.raw.rawHeaders;
  let n = 0;
  for (let i = 0; i < raw.length; i += 2) if (raw[i].toLowerCase() === 'authorization') n++;
  return n;
}

function refuse(reply: FastifyReply, message: string, invalidToken: boolean): FastifyReply {
  // RFC 6750: the challenge names the scheme; error="invalid_token" when a token was sent but is no good.
  const challenge = invalidToken ? 'Bearer realm="keycast", error="invalid_token"' : 'Bearer realm="keycast"';
  return reply.code(401).header('www-authenticate', challenge).type('application/json').send(errorBody('UNAUTHORIZED', message));
}

/**
 * API keys: every route but the open ones needs `Authorization: Bearer <key>`; the key's tenant is
 * put on `request.tenant`. Missing, malformed, unknown and revoked keys all get 401 UNAUTHORIZED
 * with a `WWW-Authenticate: Bearer` challenge (unknown and revoked read the same: a key's fate is
 * told to no one who does not hold it). Also documents the scheme on every protected operation of
 * the OpenAPI document, so generated clients send the key. Call on the root instance before any route.
 */
export function registerAuth(app: FastifyInstance): void {
  app.decorateRequest('tenant', null);

  app.addHook('onRoute', (route: RouteOptions) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (methods.every((m) => isOpenRoute(m, route.url))) return;
    const schema = route.schema as { hide?: boolean; security?: unknown; response?: Record<string, unknown> } | undefined;
    if (!schema || schema.hide) return;
    schema.security = [{ [SECURITY_SCHEME]: [] }];
    if (schema.response && !schema.response[401]) {
      schema.response[401] = Type.Ref('Error', {
        description: 'Missing, malformed, unknown or revoked API key (UNAUTHORIZED); answered with `WWW-Authenticate: Bearer`',
      });
    }
  });

  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    if (isOpenRoute(req.method, req.routeOptions.url)) return;
    // Which of two credentials is meant cannot be known: refused like any other malformed Authorization (401, as two
    // tokens in one header are), so clients meet one answer for a bad credential.
    if (authorizationHeaders(req) > 1) return refuse(reply, 'send one Authorization header: this request has several', true);
    const header = req.headers.authorization;
    const token = (req.query as { token?: unknown } | undefined)?.token;
    if ((header === undefined || header === '') && req.routeOptions.config?.mediaToken && typeof token === 'string') {
      // The signature, scope and lifetime first (no database read for a forged token), then the key: still unrevoked
      // and still the tenant's.
      const claim = verifyMediaToken(token, req.server.keycast.config.mediaTokenSecret, MEDIA_SCOPE);
      const owner = claim ? await req.server.keycast.store.apiKeys.activeOwner(claim.keyId) : null;
      if (!claim || !owner || owner.tenantId !== claim.tenantId)
        return refuse(reply, 'the media token is invalid or expired: mint a new one (POST /media-tokens)', true);
      req.tenant = { id: owner.tenantId, name: owner.tenantName, keyId: owner.keyId };
      return;
    }
    if (header === undefined || header === '') return refuse(reply, 'this route needs an API key: send `Authorization: Bearer <key>`', false);
    const m = BEARER.exec(header);
    if (!m) return refuse(reply, 'the Authorization header must be `Bearer <key>`', true);
    if (isAdminRoute(req.routeOptions.url)) {
      const admin = req.server.keycast.config.adminToken;
      if (admin === '') return refuse(reply, 'admin routes are disabled: the operator sets ADMIN_TOKEN to enable them', true);
      if (!sameSecret(m[1], admin)) return refuse(reply, 'admin routes need `Authorization: Bearer <ADMIN_TOKEN>`', true);
      return;
    }
    const owner = await req.server.keycast.store.apiKeys.authenticate(m[1]);
    if (!owner) return refuse(reply, 'unknown or revoked API key', true);
    req.tenant = { id: owner.tenantId, name: owner.tenantName, keyId: owner.keyId };
  });
}

/** The caller's tenant as a store scope. Throws UNAUTHORIZED on a request that was not authenticated (a route wrongly left open). */
export function scopeOf(req: FastifyRequest): TenantScope {
  if (!req.tenant) throw new ApiError('UNAUTHORIZED', 'this route needs an API key');
  return { tenantId: req.tenant.id };
}
