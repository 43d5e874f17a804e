import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { SECURITY_SCHEME } from './auth.js';

export const API_VERSION = '1.0.0';

export const DOCS_CSP =
  "default-src 'self'; base-uri 'self'; connect-src 'self'; font-src 'self' data:; form-action 'self'; frame-ancestors 'self'; img-src 'self' data:; object-src 'none'; script-src 'self'; script-src-attr 'none'; style-src 'self' 'unsafe-inline'";

/**
 * The OpenAPI 3 document, generated from the routes' TypeBox schemas: served at /openapi.json and
 * browsable at /docs. Shared schemas (those with an $id: Error, Video, …) become components.
 */
export async function registerSwagger(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'keycast',
        version: API_VERSION,
        description: 'Finds the key characters of a video without training: upload a video, then cluster its faces at any similarity without re-extraction.',
      },
      tags: [
        { name: 'videos', description: 'Uploads and their processing' },
        { name: 'clusters', description: 'Key characters: clustering of the stored fingerprints' },
        { name: 'faces', description: 'Extracted face appearances' },
        { name: 'media', description: 'The stored video (range requests) and the media tokens that let <video>/<img> elements load it' },
        { name: 'search', description: "Search by photo across the tenant's videos and people" },
        { name: 'health', description: 'Liveness and readiness' },
      ],
      components: {
        securitySchemes: {
          [SECURITY_SCHEME]: {
            type: 'http',
            scheme: 'bearer',
            description:
              'An API key (`kc_…`, from `keycast apikey create --tenant NAME`) as `Authorization: Bearer <key>`. Every route needs one except /health, /ready, /docs, /openapi.json and the review app (/, /assets/*).',
          },
          // Documented, not required by any operation: generated clients would otherwise put the API key itself in URLs.
          mediaToken: {
            type: 'apiKey',
            in: 'query',
            name: 'token',
            description:
              'A short-lived token from POST /media-tokens, accepted instead of the bearer key by GET /videos/{id}/media, /faces/{id}/thumbnail and /videos/{id}/montage.png: the URLs that <video> and <img> elements load, which cannot send Authorization. Signed by the service with MEDIA_TOKEN_SECRET (never stored in the database); names its tenant and minting key (revoking the key kills its tokens), lives at most 30 minutes, and opens only those routes of its tenant.',
          },
        },
      },
    },
    refResolver: {
      buildLocalReference(json, _baseUri, _fragment, i) {
        return typeof json.$id === 'string' ? json.$id : `def-${i}`;
      },
    },
  });
  // Swagger UI loads only its own scripts and styles (no inline script), but styles elements inline and draws
  // icons from data: URLs: its policy allows that under /docs only; the rest of the API allows nothing.
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: DOCS_CSP, uiConfig: { validatorUrl: null } });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
