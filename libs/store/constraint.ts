/**
 * Database refusals that are the request's fate rather than the server's fault, in the contract's words: the one
 * mapping of constraint violations (issue 20). A request that races a deletion (a person given the faces of a video
 * being deleted) meets a foreign key that is gone: that is a conflict with a concurrent request (409), not a 500.
 * Text the database cannot hold (a NUL byte, invalid UTF-8) is the client's (400); validation refuses it first, this
 * is the net under it.
 *
 * Errors come in three layers, as in unavailable.ts: Prisma's own codes (P2002 …), the pg driver adapter's
 * classified cause (`meta.driverAdapterError.cause`, with the SQLSTATE as originalCode or code), and node-postgres'
 * errors themselves (a SQLSTATE in `code`).
 */
import type { ErrorCode } from '../config/index.js';

export interface ConstraintViolation {
  code: Extract<ErrorCode, 'CONFLICT' | 'NOT_FOUND' | 'INVALID_OPTION'>;
  message: string;
}

const RACED: ConstraintViolation = {
  code: 'CONFLICT',
  message: 'a concurrent request changed or deleted something this request uses (a video, face or person): nothing was changed; retry',
};
const GONE: ConstraintViolation = { code: 'NOT_FOUND', message: 'what this request changes was deleted by a concurrent request' };
const BAD_TEXT: ConstraintViolation = {
  code: 'INVALID_OPTION',
  message: 'a value cannot be stored: text with a NUL byte or invalid UTF-8, or a value out of range',
};

/** Prisma's codes: unique (P2002), foreign key (P2003), record to change not found (P2025), value invalid for its column (P2007, P2000, P2020, P2023). */
const PRISMA: Record<string, ConstraintViolation> = {
  P2002: RACED,
  P2003: RACED,
  P2034: RACED,
  P2025: GONE,
  P2000: BAD_TEXT,
  P2007: BAD_TEXT,
  P2020: BAD_TEXT,
  P2023: BAD_TEXT,
};

/** SQLSTATE → answer: class 23 (integrity constraints) and 40 (serialization, deadlock) raced; class 22 (data exceptions) bad input. */
function ofSqlState(state: string): ConstraintViolation | null {
  if (/^23\w{3}$/.test(state) || state === '40001' || state === '40P01') return RACED;
  if (/^22\w{3}$/.test(state)) return BAD_TEXT;
  return null;
}

const ADAPTER_KINDS: Record<string, ConstraintViolation> = {
  ForeignKeyConstraintViolation: RACED,
  UniqueConstraintViolation: RACED,
  RestrictViolation: RACED,
  TransactionWriteConflict: RACED,
  LengthMismatch: BAD_TEXT,
  ValueOutOfRange: BAD_TEXT,
  InvalidInputValue: BAD_TEXT,
};

interface MaybeDbError {
  name?: unknown;
  clientVersion?: unknown;
  severity?: unknown;
  code?: unknown;
  meta?: { code?: unknown; driverAdapterError?: { cause?: { kind?: unknown; originalCode?: unknown; code?: unknown } } };
  cause?: unknown;
}

/** The contract's answer to a database refusal that is the request's fate, or null for any other error. */
export function constraintViolation(err: unknown, depth = 0): ConstraintViolation | null {
  if (!err || typeof err !== 'object' || depth > 3) return null;
  const e = err as MaybeDbError;
  const prisma = typeof e.clientVersion === 'string' || (typeof e.name === 'string' && e.name.startsWith('Prisma'));
  const pg = typeof e.severity === 'string';
  if (!prisma && !pg) return constraintViolation(e.cause, depth + 1);
  const cause = e.meta?.driverAdapterError?.cause;
  for (const c of [cause?.originalCode, cause?.code, e.meta?.code, pg ? e.code : undefined]) {
    const found = typeof c === 'string' ? ofSqlState(c) : null;
    if (found) return found;
  }
  if (typeof cause?.kind === 'string' && Object.hasOwn(ADAPTER_KINDS, cause.kind)) return ADAPTER_KINDS[cause.kind];
  if (typeof e.code === 'string' && Object.hasOwn(PRISMA, e.code)) return PRISMA[e.code];
  return constraintViolation(e.cause, depth + 1);
}

/** SQLSTATEs of a transaction PostgreSQL rolled back because of others: serialization failure, deadlock. */
const WRITE_CONFLICT_STATES = new Set(['40001', '40P01']);

/**
 * Whether `err` is a write conflict (Prisma P2034, the adapter's TransactionWriteConflict, SQLSTATE 40001 or 40P01):
 * PostgreSQL rolled the whole transaction back because of a concurrent one, so the same transaction run again from
 * its start may succeed. Only the whole unit can be run again: inside the aborted transaction every statement fails.
 */
export function isWriteConflict(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== 'object' || depth > 3) return false;
  const e = err as MaybeDbError;
  const prisma = typeof e.clientVersion === 'string' || (typeof e.name === 'string' && e.name.startsWith('Prisma'));
  const pg = typeof e.severity === 'string';
  if (prisma || pg) {
    const cause = e.meta?.driverAdapterError?.cause;
    for (const c of [cause?.originalCode, cause?.code, e.meta?.code, e.code]) if (typeof c === 'string' && WRITE_CONFLICT_STATES.has(c)) return true;
    if (cause?.kind === 'TransactionWriteConflict' || (prisma && e.code === 'P2034')) return true;
  }
  return isWriteConflict(e.cause, depth + 1);
}
