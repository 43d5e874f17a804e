import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isDecimalSpelling } from '../../../libs/config/index.js';
import { ApiError } from '../errors.js';
import { describeSchema } from './validation-message.js';

interface Schema {
  type?: string;
  anyOf?: Schema[];
  properties?: Record<string, Schema>;
}

/** Whether ajv's coercion would read `s` as a number (it accepts any spelling `+s` reads: "Infinity", "0x10", " 1"). */
function coercibleToNumber(s: string): boolean {
  return s !== '' && !Number.isNaN(Number(s));
}

/** Whether `s` is a spelling the schema's numeric type (or a numeric branch of its anyOf) takes. */
function canonical(schema: Schema, s: string): boolean {
  const types = [schema, ...(schema.anyOf ?? [])].map((b) => b.type);
  if (types.includes('number')) return isDecimalSpelling(s);
  if (types.includes('integer')) return isDecimalSpelling(s, true);
  return true;
}

/**
 * Query numbers are spelled one way (issue 20): ajv's coercion takes whatever `+s` reads, so "Infinity", "1e309",
 * "0x10" and " 1" became numbers, and the infinities even passed `maximum` on to the database (a missing `take`: 500). Before validation, a query parameter whose
 * schema is a number or integer and whose value would be coerced must be a finite decimal: 400 INVALID_OPTION.
 */
export function registerQueryNumbers(app: FastifyInstance): void {
  app.addHook('preValidation', async (req: FastifyRequest) => {
    const schema = (req.routeOptions.schema as { querystring?: Schema } | undefined)?.querystring;
    const props = schema?.properties;
    if (!props || typeof req.query !== 'object' || req.query === null) return;
    for (const [name, value] of Object.entries(req.query as Record<string, unknown>)) {
      const prop = Object.hasOwn(props, name) ? props[name] : undefined;
      if (!prop) continue;
      for (const s of Array.isArray(value) ? value : [value]) {
        if (typeof s === 'string' && coercibleToNumber(s) && !canonical(prop, s))
          throw new ApiError('INVALID_OPTION', `${name} must be ${describeSchema(prop)}, got ${JSON.stringify(s.slice(0, 100))}`);
      }
    }
  });
}
