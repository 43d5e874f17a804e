#!/usr/bin/env node
// `npm start`: the API and a worker in one supervisor. Either one ending ends both, and the exit code
// says so (non-zero unless the supervisor itself was asked to stop and both stopped cleanly), so a
// process manager or a shell sees a dead service instead of a half-running one.
// Code generation runs first (scripts/generate.mjs: nothing to do when it is up to date).
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const GRACE_MS = Number(process.env.KEYCAST_STOP_GRACE_MS ?? 15_000);

const gen = spawnSync(process.execPath, ['scripts/generate.mjs', '--prisma-only'], { cwd: root, stdio: 'inherit' });
if (gen.status !== 0) process.exit(gen.status ?? 1);

const services = {
  api: 'apps/api/main.ts',
  worker: 'apps/worker/main.ts',
};
const children = new Map();
let stopping = false;
let exitCode = 0;

function stopAll(signal) {
  for (const child of children.values()) if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  // A child that ignores SIGTERM past the grace period is killed; unref: the timer never holds the supervisor.
  setTimeout(() => {
    for (const child of children.values()) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }, GRACE_MS).unref();
}

for (const [name, entry] of Object.entries(services)) {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], { cwd: root, stdio: 'inherit' });
  children.set(name, child);
  child.on('exit', (code, signal) => {
    children.delete(name);
    if (!stopping) {
      // One service ended on its own: a failure of `npm start` whatever its code.
      stopping = true;
      exitCode = code && code !== 0 ? code : 1;
      process.stderr.write(`keycast: SERVICE_EXITED: ${name} exited (${signal ?? `code ${code}`}); stopping the others\n`);
      stopAll('SIGTERM');
    } else if ((code ?? 1) !== 0 && exitCode === 0) {
      exitCode = code ?? 1;
    }
    if (children.size === 0) process.exit(exitCode);
  });
}

// npm does not always pass its SIGTERM on (`kill <pid of npm start>` ends npm alone): when the process that
// started us goes away, we stop as if we had been told to.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent && !stopping) {
    stopping = true;
    process.stderr.write('keycast: SERVICE_EXITED: the parent of npm start ended; stopping both services\n');
    stopAll('SIGTERM');
  }
}, 1000).unref();

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    stopAll(signal);
  });
}
