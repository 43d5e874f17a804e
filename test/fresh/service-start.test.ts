// The fresh-clone service path with real processes: code generation at first use, `npm start`'s
// supervisor (either service dying stops both, exit non-zero), and one-line errors instead of stack traces.
// (`npm ci` itself is too slow to repeat here; .ci/run and the README's commands run it.)
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { REPO_ROOT, TEST_REDIS_URL, dropDatabase, freshDatabase, tempDir, uniquePrefix, waitFor } from '../e2e/support/services.js';

const DB = 'keycast_fresh_start';
const tmp = tempDir('fresh-start');
after(async () => {
  tmp.cleanup();
  await dropDatabase(DB);
});

/** A copy of the working tree as a fresh clone has it: tracked and unignored files, no generated code. */
function cloneTree(dir: string, { withoutPackages = [] as string[] } = {}): string {
  const files = spawnSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: REPO_ROOT, encoding: 'utf8' })
    .stdout.split('\0')
    .filter(Boolean);
  for (const f of files) {
    if (!existsSync(join(REPO_ROOT, f))) continue;
    mkdirSync(dirname(join(dir, f)), { recursive: true });
    cpSync(join(REPO_ROOT, f), join(dir, f));
  }
  // node_modules as `npm ci` leaves it (linked, not copied: it is large), less the packages named.
  mkdirSync(join(dir, 'node_modules'));
  for (const name of readdirSync(join(REPO_ROOT, 'node_modules'))) {
    if (!withoutPackages.includes(name)) symlinkSync(join(REPO_ROOT, 'node_modules', name), join(dir, 'node_modules', name));
  }
  return dir;
}

function run(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, args, { cwd, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 180_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const noStack = (s: string) => !/^\s+at /m.test(s);

test('keycast apikey in a fresh tree generates the Prisma client on first use and creates a key', async () => {
  const dir = cloneTree(join(tmp.dir, 'fresh'));
  assert.equal(existsSync(join(dir, 'libs/store/generated/client.ts')), false);
  const url = await freshDatabase(DB);
  const r = run(dir, ['bin/keycast.js', 'apikey', 'create', '--tenant', 't'], { DATABASE_URL: url });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /kc_[A-Za-z0-9_-]{20,}/);
  assert.ok(existsSync(join(dir, 'libs/store/generated/client.ts')));
});

test('without the generator (prisma not installed) the CLI says so in one line: NOT_GENERATED, exit 1', () => {
  const dir = cloneTree(join(tmp.dir, 'no-prisma'), { withoutPackages: ['prisma', '.bin'] });
  const r = run(dir, ['bin/keycast.js', 'apikey', 'list']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^keycast: NOT_GENERATED: the Prisma client \(libs\/store\/generated\) cannot be generated: prisma is not installed/);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.equal(r.stdout, '');
});

test('keycast apikey create with an unreachable database: one line with a stable code, exit 1', () => {
  const r = run(REPO_ROOT, ['bin/keycast.js', 'apikey', 'create', '--tenant', 't'], { DATABASE_URL: 'postgresql://postgres@127.0.0.1:1/nowhere' });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^keycast: (UNAVAILABLE|DATABASE_UNAVAILABLE): database 127\.0\.0\.1:1\/nowhere not usable/);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.ok(noStack(r.stderr));
});

/** Pids of live processes started with KEYCAST_TEST_MARK=mark (the supervisor's children inherit it). */
function marked(mark: string): { pid: number; cmd: string }[] {
  const out: { pid: number; cmd: string }[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      if (!readFileSync(`/proc/${p}/environ`, 'latin1').split('\0').includes(`KEYCAST_TEST_MARK=${mark}`)) continue;
      const stat = readFileSync(`/proc/${p}/stat`, 'latin1');
      if (/\) Z /.test(stat)) continue; // a zombie is gone, only not yet reaped
      out.push({ pid: Number(p), cmd: readFileSync(`/proc/${p}/cmdline`, 'latin1').replace(/\0/g, ' ') });
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}

function startSupervisor(env: NodeJS.ProcessEnv): { child: ChildProcess; exited: Promise<number | null>; output: () => string } {
  const child = spawn(process.execPath, ['scripts/start.mjs'], { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, output: () => output };
}

async function serviceEnv(label: string): Promise<NodeJS.ProcessEnv & { KEYCAST_TEST_MARK: string }> {
  return {
    DATABASE_URL: await freshDatabase(DB),
    REDIS_URL: TEST_REDIS_URL,
    QUEUE_PREFIX: uniquePrefix(label),
    STORAGE_DIR: join(tmp.dir, `storage-${label}`),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    KEYCAST_STOP_GRACE_MS: '5000',
    KEYCAST_TEST_MARK: randomUUID(),
  };
}

function listen(port = 0): Promise<Server> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(port, '127.0.0.1', () => resolve(s));
  });
}

test('npm start with PORT busy: the API fails, the supervisor stops the worker and exits non-zero', async () => {
  const busy = await listen();
  try {
    const env = await serviceEnv('busy');
    const port = (busy.address() as { port: number }).port;
    const sup = startSupervisor({ ...env, PORT: String(port) });
    const code = await Promise.race([sup.exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 120_000))]);
    if (code === 'timeout') sup.child.kill('SIGKILL');
    assert.notEqual(code, 'timeout', `npm start kept running with port ${port} busy\n${sup.output()}`);
    assert.notEqual(code, 0);
    assert.match(sup.output(), /keycast: SERVICE_EXITED: api exited/);
    assert.deepEqual(marked(env.KEYCAST_TEST_MARK), [], 'a service outlived the supervisor');
  } finally {
    busy.close();
  }
});

test('npm start: a worker killed outright takes the API down with it, exit non-zero; SIGTERM stops both cleanly', async () => {
  const probe = await listen();
  const port = (probe.address() as { port: number }).port;
  await new Promise((r) => probe.close(r));
  const env = await serviceEnv('kill');
  const sup = startSupervisor({ ...env, PORT: String(port) });
  try {
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/health`).catch(() => null))?.ok, { timeoutMs: 120_000, what: `the API on ${port}` });
    const worker = await waitFor(async () => marked(env.KEYCAST_TEST_MARK).find((p) => p.cmd.includes('apps/worker/main.ts')), {
      timeoutMs: 60_000,
      what: 'the worker',
    });
    process.kill(worker.pid, 'SIGKILL');
    const code = await sup.exited;
    assert.notEqual(code, 0);
    assert.match(sup.output(), /keycast: SERVICE_EXITED: worker exited \(SIGKILL\)/);
    assert.deepEqual(marked(env.KEYCAST_TEST_MARK), []);
  } finally {
    sup.child.kill('SIGKILL');
  }

  const env2 = await serviceEnv('term');
  const sup2 = startSupervisor({ ...env2, PORT: String(port) });
  try {
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/health`).catch(() => null))?.ok, { timeoutMs: 120_000, what: `the API on ${port}` });
    await waitFor(async () => marked(env2.KEYCAST_TEST_MARK).some((p) => p.cmd.includes('apps/worker/main.ts')), { timeoutMs: 60_000, what: 'the worker' });
    sup2.child.kill('SIGTERM');
    assert.equal(await sup2.exited, 0, sup2.output());
    assert.deepEqual(marked(env2.KEYCAST_TEST_MARK), []);
  } finally {
    sup2.child.kill('SIGKILL');
  }
});

test('SIGTERM to `npm start` itself (npm does not pass it on): no service outlives it', async () => {
  const probe = await listen();
  const port = (probe.address() as { port: number }).port;
  await new Promise((r) => probe.close(r));
  const env = await serviceEnv('npm');
  const npm = spawn('npm', ['start'], { cwd: REPO_ROOT, env: { ...process.env, ...env, PORT: String(port) }, stdio: 'ignore' });
  try {
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/health`).catch(() => null))?.ok, { timeoutMs: 120_000, what: `the API on ${port}` });
    await waitFor(async () => marked(env.KEYCAST_TEST_MARK).some((p) => p.cmd.includes('apps/worker/main.ts')), { timeoutMs: 60_000, what: 'the worker' });
    npm.kill('SIGTERM');
    await waitFor(async () => marked(env.KEYCAST_TEST_MARK).length === 0, { timeoutMs: 30_000, what: 'every service process to end' });
  } finally {
    for (const p of marked(env.KEYCAST_TEST_MARK)) process.kill(p.pid, 'SIGKILL');
  }
});
