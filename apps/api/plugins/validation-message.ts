import type { FastifyError, FastifyRequest } from 'fastify';
import { unknownNameMessage } from '../../../libs/config/index.js';

interface JsonSchema {
  type?: string;
  anyOf?: JsonSchema[];
  const?: unknown;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  properties?: Record<string, JsonSchema>;
  description?: string;
}

function range(s: JsonSchema): string {
  const lo = s.exclusiveMinimum ?? s.minimum;
  const hi = s.exclusiveMaximum ?? s.maximum;
  const open = s.exclusiveMinimum !== undefined ? '(' : '[';
  const close = s.exclusiveMaximum !== undefined ? ')' : ']';
  if (lo !== undefined && hi !== undefined) return ` in ${open}${lo}, ${hi}${close}`;
  if (lo !== undefined) return ` ${s.exclusiveMinimum !== undefined ? '>' : '>='} ${lo}`;
  if (hi !== undefined) return ` ${s.exclusiveMaximum !== undefined ? '<' : '<='} ${hi}`;
  return '';
}

/** What a value must be, in words, from the parameter's schema: "a number in [0, 1] or \"auto\"", "one of queued, ready". */
export function describeSchema(s: JsonSchema): string {
  if (s.anyOf) {
    if (s.anyOf.every((x) => x.const !== undefined)) return `one of ${s.anyOf.map((x) => String(x.const)).join(', ')}`;
    return s.anyOf.map(describeSchema).join(' or ');
  }
  if (s.const !== undefined) return JSON.stringify(s.const);
  if (s.enum) return `one of ${s.enum.map(String).join(', ')}`;
  switch (s.type) {
    case 'boolean':
      return 'true or false';
    case 'integer':
      return `an integer${range(s)}`;
    case 'number':
      return `a number${range(s)}`;
    case 'string': {
      if (s.format === 'uuid') return 'a UUID (8-4-4-4-12 hexadecimal digits)';
      if (s.format) return `text in ${s.format} format`;
      if (s.pattern === '^([0-9]+|unclustered)$') return 'a cluster id (0, 1, …) or "unclustered"';
      const len =
        s.minLength !== undefined && s.maxLength !== undefined
          ? ` of ${s.minLength} to ${s.maxLength} characters`
          : s.maxLength !== undefined
            ? ` of at most ${s.maxLength} characters`
            : '';
      return s.pattern ? `text matching ${s.pattern}${len}` : `text${len}`;
    }
    default:
      return 'a valid value';
  }
}

/** The value the client sent for a parameter, before any coercion (query strings are read from the URL itself). */
function sent(req: FastifyRequest, where: string, name: string): string | undefined {
  if (where === 'querystring') {
    const q = req.url.indexOf('?');
    const all = q < 0 ? [] : new URLSearchParams(req.url.slice(q + 1)).getAll(name);
    if (all.length > 1) return `${all.length} values (give it once)`;
    return all.length ? JSON.stringify(all[0].slice(0, 100)) : undefined;
  }
  if (where === 'params') {
    const v = (req.params as Record<string, unknown> | undefined)?.[name];
    return typeof v === 'string' ? JSON.stringify(v.slice(0, 100)) : undefined;
  }
  return undefined;
}

/**
 * A validation failure in words a client acts on: which parameter, what it must be (from its schema, the same that
 * the OpenAPI document shows), and what was sent; an unknown parameter names the closest known one.
 */
export function validationMessage(err: FastifyError, req: FastifyRequest): string {
  const where = err.validationContext ?? 'request';
  const schema = (req.routeOptions.schema as Record<string, JsonSchema | undefined> | undefined)?.[where];
  const props = schema?.properties ?? {};
  const parts = (err.validation ?? []).map((v) => {
    const params = v.params as { missingProperty?: string; additionalProperty?: string };
    if (params?.additionalProperty) return unknownNameMessage('parameter', params.additionalProperty, Object.keys(props));
    if (params?.missingProperty) return `${params.missingProperty} is required`;
    const name = v.instancePath.replace(/^\//, '').split('/')[0];
    if (v.keyword === 'uniqueItems') {
      // Name the repeated value: "faces has the same id twice" is what a client fixes.
      const { i, j } = v.params as { i: number; j: number };
      const list = where === 'body' ? (req.body as Record<string, unknown> | undefined)?.[name] : undefined;
      const item: unknown = Array.isArray(list) ? (list as unknown[])[j] : undefined;
      return `${name || where} lists ${item !== undefined ? JSON.stringify(item).slice(0, 100) : 'an item'} more than once (items ${j} and ${i}): each may appear once`;
    }
    const prop = props[name];
    if (!name || !prop) return `${where} ${v.message ?? 'is invalid'}`;
    const got = sent(req, where, name);
    return `${name} must be ${describeSchema(prop)}${got !== undefined ? `, got ${got}` : ''}`;
  });
  return parts.length ? [...new Set(parts)].join('; ') : err.message;
}
