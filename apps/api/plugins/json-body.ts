import type { FastifyInstance } from 'fastify';
import { ApiError } from '../errors.js';

/** Keys that would reach an object's prototype if a body were ever merged into one: refused, by name. */
function refusePrototypeKeys(key: string, value: unknown): unknown {
  if (key === '__proto__') throw new ApiError('INVALID_OPTION', 'the body has a "__proto__" key: no field of this API has that name');
  if (key === 'constructor' && value !== null && typeof value === 'object' && Object.hasOwn(value, 'prototype'))
    throw new ApiError('INVALID_OPTION', 'the body has a "constructor" key holding "prototype": no field of this API has that shape');
  return value;
}

/**
 * JSON bodies, parsed with messages that name the problem: where the syntax breaks, or which prototype key was sent
 * (Fastify's own parser refuses both with one sentence that names neither). Same limits (BODY_LIMIT_BYTES).
 */
export function registerJsonBody(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') return done(new ApiError('INVALID_OPTION', 'the body is empty: send a JSON object'), undefined);
    try {
      done(null, JSON.parse(text, refusePrototypeKeys));
    } catch (e) {
      done(e instanceof ApiError ? e : new ApiError('INVALID_OPTION', `the body is not valid JSON: ${(e as Error).message.slice(0, 200)}`), undefined);
    }
  });
}
