import type { FastifyInstance, FastifyRequest } from 'fastify';
import { unacceptableText } from '../../../libs/config/index.js';
import { ApiError } from '../errors.js';

/**
 * The API's spelling of a UUID (format `uuid` in every schema): 8-4-4-4-12 hexadecimal digits in either case; no
 * braces, no `urn:uuid:` prefix (ajv-formats' own format takes that prefix, which PostgreSQL does not).
 */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface Schema {
  format?: string;
  properties?: Record<string, Schema>;
  items?: Schema | Schema[];
  anyOf?: Schema[];
  oneOf?: Schema[];
}

/** The first string (or object key) in `value` that is not text (unacceptableText), named by where it is. */
function findUnacceptable(value: unknown, where: string, depth = 0): string | null {
  if (typeof value === 'string') {
    const why = unacceptableText(value);
    return why ? `${where} ${why}` : null;
  }
  if (value === null || typeof value !== 'object' || depth > 32) return null;
  for (const [k, v] of Object.entries(value)) {
    const why = unacceptableText(k);
    if (why) return `a key of ${where} ${why}`;
    const found = findUnacceptable(v, Array.isArray(value) ? `${where}[${k}]` : `${where}.${k}`, depth + 1);
    if (found) return found;
  }
  return null;
}

/** `value` with every string its schema says is a UUID in lower case: ids are compared as UUIDs, not as text. */
function lowerUuids(schema: Schema | undefined, value: unknown): unknown {
  if (!schema || value === null || value === undefined) return value;
  if (typeof value === 'string') {
    const alternatives = schema.anyOf ?? schema.oneOf ?? [];
    return schema.format === 'uuid' || alternatives.some((s) => s.format === 'uuid') ? (UUID_PATTERN.test(value) ? value.toLowerCase() : value) : value;
  }
  if (Array.isArray(value)) {
    const items = schema.items;
    if (!items) return value;
    for (let i = 0; i < value.length; i++) value[i] = lowerUuids(Array.isArray(items) ? items[i] : items, value[i]);
    return value;
  }
  if (typeof value === 'object') {
    const o = value as Record<string, unknown>;
    for (const branch of [schema, ...(schema.anyOf ?? []), ...(schema.oneOf ?? [])]) {
      for (const [k, s] of Object.entries(branch.properties ?? {})) if (Object.hasOwn(o, k)) o[k] = lowerUuids(s, o[k]);
    }
  }
  return value;
}

/**
 * One rule for all string input (issue 20), before any route sees it: text that is not text (a NUL, a lone
 * surrogate) in a path parameter, the query or a JSON body is 400 INVALID_OPTION at validation, never a database
 * error; and every id the schemas call a UUID is lower-cased once validated, so routes compare ids as UUIDs (an id
 * in upper case is the same id). Multipart fields are read by their routes, which apply the same rule
 * (unacceptableText).
 */
export function registerInputText(app: FastifyInstance): void {
  app.addHook('preValidation', async (req: FastifyRequest) => {
    // The parts the route reads (its schema declares them): a route without a query schema ignores the query.
    const schema = req.routeOptions.schema as Record<string, unknown> | undefined;
    if (!schema) return;
    const parts: [string, unknown][] = [];
    if (schema.params) parts.push(['path parameter', req.params]);
    if (schema.querystring) parts.push(['query parameter', req.query]);
    if (schema.body) parts.push(['body', req.body]);
    for (const [where, value] of parts) {
      const found =
        typeof value === 'object' && value !== null && where !== 'body' ? firstParam(value as Record<string, unknown>, where) : findUnacceptable(value, where);
      if (found) throw new ApiError('INVALID_OPTION', found);
    }
  });
  app.addHook('preHandler', async (req: FastifyRequest) => {
    const schema = req.routeOptions.schema as Record<string, Schema | undefined> | undefined;
    if (!schema) return;
    if (schema.params) lowerUuids(schema.params, req.params);
    if (schema.querystring) lowerUuids(schema.querystring, req.query);
    if (schema.body) req.body = lowerUuids(schema.body, req.body);
  });
}

/** Path and query parameters are named by their own name ("query parameter owner contains …"). */
function firstParam(values: Record<string, unknown>, where: string): string | null {
  for (const [k, v] of Object.entries(values)) {
    const found = findUnacceptable(k, `${where} name`) ?? findUnacceptable(v, `${where} ${k}`);
    if (found) return found;
  }
  return null;
}
