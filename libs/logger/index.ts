/**
 * The one structured logger of keycast: pino (Fastify's own), JSON lines on stdout. Every line carries the
 * component (api, worker, cli …) and, through child loggers, the context it belongs to: videoId, jobId,
 * and for HTTP requests the request id (Fastify's `reqId`). Levels are pino's numbers (30 info, 50 error).
 * No line carries a secret: every field, error and message passes the redaction rule of `redact.ts` here, once.
 */
import { pino, type DestinationStream, type Logger as PinoLogger, type LoggerOptions as PinoOptions } from 'pino';
import { redactText, redactUrl, redactValue, REDACTED } from './redact.js';

export { isSecretName, redactText, redactUrl, redactValue, REDACTED } from './redact.js';

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

/**
 * Fields that serializers make from objects the line-level redaction does not walk (a request, an error): redacted
 * by path after serialization. Fastify's request serializer writes `req.url` with the query string.
 */
const SERIALIZED_PATHS = [
  'req.url',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  'err.message',
  'err.stack',
  'err.url',
  'error.message',
  'error.stack',
];

function censor(value: unknown, path: string[]): unknown {
  const last = path[path.length - 1];
  if (typeof value !== 'string') return value === undefined ? value : REDACTED;
  if (last === 'url') return redactUrl(value);
  if (last === 'message' || last === 'stack') return redactText(value);
  return REDACTED;
}

/** pino's options with keycast's redaction: the one place every logger of the API, the worker and the libs gets it from. */
export function redactingOptions(level: string, base: Record<string, unknown>): PinoOptions {
  return {
    level,
    base,
    redact: { paths: SERIALIZED_PATHS, censor },
    formatters: { log: (obj) => redactValue(obj) as Record<string, unknown> },
    hooks: {
      logMethod(args: unknown[], method) {
        method.apply(this, args.map((a) => (typeof a === 'string' ? redactText(a) : a)) as Parameters<typeof method>);
      },
    },
  };
}

export function createLogger({ level = 'info', component, destination }: LoggerOptions): Logger {
  const options = redactingOptions(LEVELS.has(level) ? level : 'info', { pid: process.pid, component });
  return destination ? pino(options, destination) : pino(options);
}

/** A child logger bound to `context` (a job's video and job id, a request's id). */
export function withContext(log: Logger, context: LogContext): Logger {
  return log.child(redactValue(context) as LogContext);
}
