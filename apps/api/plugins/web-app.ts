import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { errorBody } from '../errors.js';

/** Where `npm run build:web` (scripts/build-web.mjs) writes the review app (apps/web). */
export const WEB_DIST = fileURLToPath(new URL('../../web/dist/', import.meta.url));

/**
 * The review app's policy: its own scripts, styles, images and media only; no inline script or style, no eval, no
 * other origin. Thumbnails and the video come from this API (with a media token in the URL); blob: is not needed.
 */
export const APP_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "media-src 'self'",
  "connect-src 'self'",
  "font-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

/**
 * The review app, served by the API itself: GET / is its page, /assets/* its hashed bundles (immutable). Both are
 * open routes (plugins/auth.ts): the page signs in with an API key it keeps in the tab. When the app was not built,
 * GET / says how to build it instead of failing silently.
 */
export async function registerWebApp(app: FastifyInstance, dist = WEB_DIST): Promise<void> {
  const index = `${dist}index.html`;
  if (!existsSync(index)) {
    app.get('/', { schema: { hide: true } }, async (_req, reply) =>
      reply.code(503).type('application/json').send(errorBody('UNAVAILABLE', 'the review app is not built: run `npm run build:web`')),
    );
    return;
  }
  const page = readFileSync(index);
  app.get('/', { schema: { hide: true } }, async (_req, reply) =>
    reply.type('text/html; charset=utf-8').header('content-security-policy', APP_CSP).header('cache-control', 'no-cache').send(page),
  );
  await app.register(fastifyStatic, {
    root: `${dist}assets`,
    prefix: '/assets/',
    decorateReply: false,
    index: false,
    // Vite names every asset by its content hash: a name never changes meaning.
    immutable: true,
    maxAge: '365d',
  });
}
