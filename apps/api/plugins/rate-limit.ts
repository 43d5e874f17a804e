import { createHash } from 'node:crypto';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Redis } from 'ioredis';
import type { ServiceConfig } from '../../../libs/config/node.js';
import { ApiError } from '../errors.js';

/** Probes are never limited: a busy client must not make the orchestrator think the API is dead. */
export const UNLIMITED_ROUTES = new Set(['/health', '/ready']);

/**
 * Whom a request is counted against: its API key (the key's sha256, as the keys table stores it, so the
 * count starts before the key is even looked up), else the client address. Keying on the key, not the
 * tenant, lets one leaked key be throttled without starving the tenant's other keys.
 */
export function rateLimitKey(req: FastifyRequest): string {
  const auth = req.headers.authorization;
  const m = typeof auth === 'string' ? /^Bearer\s+(\S{1,512})$/i.exec(auth.trim()) : null;
  if (m) return `key:${createHash('sha256').update(m[1]).digest('hex')}`;
  return `ip:${req.ip}`;
}

/**
 * Call on the root instance before authentication. Requests per key per window (RATE_LIMIT_MAX per RATE_LIMIT_WINDOW_MS), counted in Redis so every API
 * replica shares one count. Over the limit: 429 RATE_LIMITED with Retry-After (seconds). A Redis of its own
 * that fails fast (no offline queue, one retry): when Redis is down the limiter lets requests through
 * instead of holding them, and /ready already reports the outage.
 */
export async function registerRateLimit(app: FastifyInstance, config: ServiceConfig): Promise<void> {
  if (config.rateLimitMax <= 0) return;
  const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2000, lazyConnect: false });
  redis.on('error', () => {}); // reconnects by itself; the outage is visible on /ready
  app.addHook('onClose', async () => {
    redis.disconnect();
  });
  await app.register(rateLimit, {
    // Not per route: one instance-level hook, added where this is called, so it runs before authentication and a
    // flood of bad keys is counted too.
    global: false,
    max: config.rateLimitMax,
    timeWindow: config.rateLimitWindowMs,
    redis,
    nameSpace: `${config.queuePrefix}:ratelimit:`,
    skipOnError: true,
    keyGenerator: rateLimitKey,
    allowList: (req) => UNLIMITED_ROUTES.has(req.routeOptions.url ?? ''),
    addHeadersOnExceeding: { 'x-ratelimit-limit': true, 'x-ratelimit-remaining': true, 'x-ratelimit-reset': true },
    addHeaders: { 'x-ratelimit-limit': true, 'x-ratelimit-remaining': true, 'x-ratelimit-reset': true, 'retry-after': true },
    errorResponseBuilder: (_req, ctx) =>
      new ApiError(
        'RATE_LIMITED',
        `rate limit of ${ctx.max} requests per ${Math.round(config.rateLimitWindowMs / 1000)} s exceeded: retry in ${ctx.after}`,
        ctx.statusCode,
      ),
  });
  app.addHook('onRequest', app.rateLimit());
}
