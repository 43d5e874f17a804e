import Type from 'typebox';
import { ERROR_CODES } from '../errors.js';

/** The one error shape of every non-2xx answer (shared component `Error` in the OpenAPI document). */
export const ErrorSchema = Type.Object(
  {
    error: Type.Object({
      code: Type.Union(ERROR_CODES.map((c) => Type.Literal(c)), { description: 'Stable machine-readable code' }),
      message: Type.String({ description: 'Human-readable explanation' }),
    }, { additionalProperties: false }),
  },
  { $id: 'Error', title: 'Error', additionalProperties: false },
);

export const ErrorRef = Type.Ref('Error');

/** Error responses for the given statuses, all the shared shape. */
export function errors<const S extends readonly number[]>(...statuses: S): Record<S[number], typeof ErrorRef> {
  return Object.fromEntries(statuses.map((s) => [s, ErrorRef])) as Record<S[number], typeof ErrorRef>;
}

export const VideoIdParams = Type.Object({ id: Type.String({ format: 'uuid', description: 'Video id' }) });
export const FaceIdParams = Type.Object({ id: Type.Integer({ minimum: 1, description: 'Face id' }) });

export const Box = Type.Tuple([Type.Number(), Type.Number(), Type.Number(), Type.Number()], { description: '[x, y, w, h] in source-video pixels' });

export const Cursor = Type.String({ minLength: 1, maxLength: 512, description: 'Opaque cursor from a previous page (next_cursor)' });
