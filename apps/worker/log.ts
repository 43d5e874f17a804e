/** One JSON line per event on stdout (what log collectors expect); level filter from LOG_LEVEL. */
const LEVELS = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const;
export type LogLevel = keyof typeof LEVELS;

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export function createLogger(level: string, base: Record<string, unknown> = {}): Logger {
  const min = LEVELS[(level in LEVELS ? level : 'info') as LogLevel];
  const emit = (lvl: LogLevel) => (msg: string, fields: Record<string, unknown> = {}) => {
    if (LEVELS[lvl] < min) return;
    process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), level: lvl, ...base, msg, ...fields })}\n`);
  };
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}
