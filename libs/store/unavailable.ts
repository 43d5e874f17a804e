/**
 * Tells "the database is not there right now" (down, restarting, unreachable, connection cut) from every other
 * database error. The API answers the first with 503 DATABASE_UNAVAILABLE instead of a 500, and workers wait it
 * out instead of spending a job attempt on it.
 *
 * Errors come from three layers: Prisma's own codes (P1001 …), the driver adapter's classified cause
 * (`meta.driverAdapterError.cause.kind`), and node-postgres messages Prisma passes through unclassified
 * ("Connection terminated unexpectedly" when the server goes away under an idle pooled connection).
 */

/** Prisma: can't reach server, timed out, server closed the connection, pool timeout, a transaction that could not start (or finish) in time. */
const PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024', 'P2028']);
/** The pg adapter's kinds for socket-level failures. */
const ADAPTER_KINDS = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections']);
/**
 * SQLSTATEs of a server going away or not yet up: 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03
 * cannot_connect_now (starting up, in recovery), 53300 too_many_connections, class 08 (connection exceptions).
 */
const SQLSTATES = /^(57P0[123]|53300|08\w{3})$/;
const MESSAGES =
  /Connection terminated|connection timeout|Can't reach database server|ECONNREFUSED|ECONNRESET|EPIPE|the database system is (starting up|shutting down|in recovery)|terminating connection due to administrator command|Client has encountered a connection error|server closed the connection/i;

interface MaybeDbError {
  name?: unknown;
  clientVersion?: unknown;
  severity?: unknown;
  code?: unknown;
  message?: unknown;
  meta?: { driverAdapterError?: { cause?: { kind?: unknown; originalCode?: unknown; code?: unknown } } };
  cause?: unknown;
}

export function isDatabaseUnavailable(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== 'object' || depth > 3) return false;
  const e = err as MaybeDbError;
  // Only Prisma's and node-postgres' errors: a Redis "ECONNREFUSED" is not the database's.
  const prisma = typeof e.clientVersion === 'string' || (typeof e.name === 'string' && e.name.startsWith('Prisma'));
  const pg = typeof e.severity === 'string';
  if (!prisma && !pg) return isDatabaseUnavailable(e.cause, depth + 1);
  if (typeof e.code === 'string' && (PRISMA_CODES.has(e.code) || SQLSTATES.test(e.code))) return true;
  const cause = e.meta?.driverAdapterError?.cause;
  if (cause) {
    if (typeof cause.kind === 'string' && ADAPTER_KINDS.has(cause.kind)) return true;
    for (const c of [cause.originalCode, cause.code]) if (typeof c === 'string' && SQLSTATES.test(c)) return true;
  }
  if (typeof e.message === 'string' && MESSAGES.test(e.message)) return true;
  return isDatabaseUnavailable(e.cause, depth + 1);
}

/** A message for clients and readiness checks: what happened, never the query, the code location or the server's address. */
export function databaseUnavailableMessage(err: unknown): string {
  const e = err as MaybeDbError | undefined;
  const kind = e?.meta?.driverAdapterError?.cause?.kind;
  const msg = typeof e?.message === 'string' ? e.message : '';
  if (kind === 'DatabaseNotReachable' || /Can't reach|ECONNREFUSED/i.test(msg)) return 'the database is unreachable';
  if (/starting up|in recovery/i.test(msg)) return 'the database is starting up';
  if (kind === 'TooManyConnections') return 'the database has no free connection';
  if (e?.code === 'P2028' || e?.code === 'P2024') return 'the database is busy';
  if (kind === 'SocketTimeout' || /timeout/i.test(msg)) return 'the database did not answer in time';
  return isDatabaseUnavailable(err) ? 'the connection to the database was lost' : 'the database check failed';
}
