import { KeycastError } from '../config/index.js';

/** Opaque pagination cursors: base64url JSON. */
export function encodeCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

export function decodeCursor<T>(cursor: string, valid: (x: unknown) => boolean): T {
  let x: unknown;
  try {
    x = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    x = undefined;
  }
  if (!valid(x)) throw new KeycastError('INVALID_OPTION', 'cursor is not a cursor returned by this API');
  return x as T;
}
