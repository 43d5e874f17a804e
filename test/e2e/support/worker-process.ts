// A worker as its own process (`apps/worker/main.ts`), configured by environment like in production.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { ServiceConfig } from '../../../libs/config/node.js';
import { REPO_ROOT, waitFor } from './services.js';

export interface WorkerProcess {
  child: ChildProcess;
  pid: number;
  /** Parsed JSON log lines so far. */
  logs: Record<string, unknown>[];
  /** Everything written so far, stdout and stderr, as written (JSON or not). */
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function envOf(c: ServiceConfig, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: c.databaseUrl,
    REDIS_URL: c.redisUrl,
    STORAGE_DIR: c.storageDir,
    QUEUE_PREFIX: c.queuePrefix,
    SEGMENT_SECONDS: String(c.segmentSeconds),
    WORKER_LOCK_MS: String(c.workerLockMs),
    WEBHOOK_SECRET: c.webhookSecret,
    WEBHOOK_BACKOFF_MS: String(c.webhookBackoffMs),
    WEBHOOK_ALLOWED_HOSTS: c.webhookAllowedHosts.join(','),
    WEBHOOK_ALLOW_PRIVATE: String(c.webhookAllowPrivate),
    WORKER_CONCURRENCY: '1',
    KEYCAST_WORKERS: '1',
    LOG_LEVEL: 'info',
    ...extra,
  };
}

/** Starts a worker process and waits until it takes jobs. */
export async function startWorkerProcess(env: Record<string, string>): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'apps/worker/main.ts')], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  let buf = '';
  let stderr = '';
  let raw = '';
  child.stdout.on('data', (c: Buffer) => {
    raw += c.toString();
    buf += c.toString();
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      try {
        logs.push(JSON.parse(line));
      } catch {
        /* not a log line */
      }
    }
  });
  child.stderr.on('data', (c: Buffer) => {
    raw += c.toString();
    stderr = (stderr + c.toString()).slice(-4000);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  let dead = false;
  void exited.then(() => {
    dead = true;
  });
  await waitFor(
    async () => {
      if (dead) throw new Error(`worker exited during start-up: ${stderr}`);
      return logs.some((l) => l.msg === 'worker started');
    },
    { timeoutMs: 60_000, what: 'worker start' },
  );
  return {
    child,
    pid: child.pid!,
    logs,
    output: () => raw,
    exited,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (!dead) child.kill(signal);
      return exited;
    },
  };
}
