// The API as its own process (`apps/api/main.ts`), configured by environment like in production: its log lines are
// its stdout, and its memory (RSS) is its own.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './throwaway.js';
import { REPO_ROOT, waitFor } from './services.js';

export interface ApiProcess {
  child: ChildProcess;
  pid: number;
  baseUrl: string;
  /** Every line the process wrote, stdout and stderr, as written. */
  output(): string;
  /** Resident set size now, bytes (Linux /proc). */
  rss(): number;
  stop(): Promise<void>;
}

export function rssOf(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for ${pid}`);
  return Number(m[1]) * 1024;
}

/** Starts the API on a free loopback port with `env` over the test's environment; resolves once /health answers. */
export async function startApiProcess(env: Record<string, string>): Promise<ApiProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'apps/api/main.ts')], {
    cwd: REPO_ROOT,
    env: { ...process.env, HOST: '127.0.0.1', PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  let dead = false;
  const exited = new Promise<void>((resolve) =>
    child.on('exit', () => {
      dead = true;
      resolve();
    }),
  );
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitFor(
    async () => {
      if (dead) throw new Error(`API exited during start-up: ${out.slice(-4000)}`);
      return (await fetch(`${baseUrl}/health`).catch(() => null))?.ok ?? false;
    },
    { timeoutMs: 90_000, intervalMs: 200, what: 'API start' },
  );
  return {
    child,
    pid: child.pid!,
    baseUrl,
    output: () => out,
    rss: () => rssOf(child.pid!),
    async stop() {
      if (!dead) child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(t);
    },
  };
}
