/**
 * The one structured logger of keycast: pino (Fastify's own), JSON lines on stdout. Every line carries the
 * component (api, worker, cli …) and, through child loggers, the context it belongs to: videoId, jobId,
 * and for HTTP requests the request id (Fastify's `reqId`). Levels are pino's numbers (30 info, 50 error).
 */
import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';

export type Logger = PinoLogger;

/** What a line is about; children add it once instead of every call repeating it. */
export interface LogContext {
  component?: string;
  videoId?: string;
  jobId?: string;
  requestId?: string;
  [key: string]: unknown;
}

export interface LoggerOptions {
  /** pino level name: trace, debug, info, warn, error, fatal or silent. Unknown names fall back to info. */
  level?: string;
  component: string;
  /** Where lines go (tests capture them); stdout by default. */
  destination?: DestinationStream;
}

const LEVELS = new Set(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']);

export function createLogger({ level = 'info', component, destination }: LoggerOptions): Logger {
  const options = { level: LEVELS.has(level) ? level : 'info', base: { pid: process.pid, component } };
  return destination ? pino(options, destination) : pino(options);
}

/** A child logger bound to `context` (a job's video and job id, a request's id). */
export function withContext(log: Logger, context: LogContext): Logger {
  return log.child(context);
}
