import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';
import type { ServiceConfig } from '../../../libs/config/node.js';
import { REQUEST_ID_HEADER } from './request-id.js';

/**
 * The API answers JSON and images, never pages: its content security policy allows nothing to load, run or
 * frame it. /docs (Swagger UI) sets its own, looser policy (plugins/swagger.ts). No upgrade-insecure-requests:
 * the API is often reached over plain HTTP inside a cluster.
 */
const API_CSP = {
  useDefaults: false,
  directives: {
    'default-src': ["'none'"],
    'base-uri': ["'none'"],
    'form-action': ["'none'"],
    'frame-ancestors': ["'none'"],
  },
};

/**
 * Security headers on every answer (@fastify/helmet), and CORS only when CORS_ORIGINS names origins: by
 * default a browser page on another origin cannot read any answer. Registered before authentication so a
 * CORS preflight (which carries no credentials) is answered before a key is asked for.
 */
export async function registerSecurityHeaders(app: FastifyInstance, config: ServiceConfig): Promise<void> {
  await app.register(helmet, { global: true, contentSecurityPolicy: API_CSP });
  if (config.corsOrigins.length === 0) return;
  await app.register(cors, {
    origin: config.corsOrigins.includes('*') ? '*' : config.corsOrigins,
    methods: ['GET', 'POST', 'DELETE', 'OPTIONS'],
    allowedHeaders: ['authorization', 'content-type', REQUEST_ID_HEADER],
    exposedHeaders: ['location', 'retry-after', REQUEST_ID_HEADER, 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset'],
    maxAge: 600,
  });
}
