// Secrets never logged: a real API process and a real worker process, logging every request (debug), are handed
// every kind of secret keycast holds or carries — API keys (one made by the operator's CLI, one by the repository),
// a media token, the admin token, the webhook secret, the media-token secret, callback URLs with a secret path and
// query — which are then used, well and badly; afterwards no line either process wrote contains any of them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startApiProcess, type ApiProcess } from './support/api-process.js';
import { createTestKey } from './support/auth.js';
import { dropDatabase, freshDatabase, tempDir, uniquePrefix, waitFor } from './support/services.js';
import { startWorkerProcess, type WorkerProcess } from './support/worker-process.js';
import { keycast } from '../helpers/cli.js';
import { makeUploadMedia } from '../helpers/upload-media.js';

const DB = 'keycast_test_e2e_secrets';
const hex = (n = 32) => randomBytes(n).toString('hex');
const secrets = {
  adminToken: hex(),
  webhookSecret: hex(),
  mediaTokenSecret: hex(),
  callbackPath: `hookpath${hex(8)}`,
  callbackQuery: `sig${hex(8)}`,
  failingPath: `failpath${hex(8)}`,
  failingQuery: `qs${hex(8)}`,
  ingestPath: `ingestpath${hex(8)}`,
  ingestQuery: `amzsig${hex(8)}`,
  missingQuery: `gonesig${hex(8)}`,
};

let api: ApiProcess;
let worker: WorkerProcess;
let receiver: Server;
let receiverUrl: string;
const hooks: string[] = [];
const storage = tempDir('secrets');
let databaseUrl: string;
let env: Record<string, string>;
/** What the receiver serves to a GET (a video to ingest by URL); its first GET of it answers 503 (a retried attempt). */
let servedVideo: Buffer = Buffer.alloc(0);
let ingestGets = 0;

before(async () => {
  databaseUrl = await freshDatabase(DB);
  receiver = createServer((req, res) => {
    if (req.method === 'GET') {
      if (!req.url?.includes(secrets.ingestPath)) return void res.writeHead(404).end();
      if (ingestGets++ === 0) return void res.writeHead(503).end();
      return void res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': String(servedVideo.length) }).end(servedVideo);
    }
    hooks.push(req.url ?? '');
    req.resume();
    // The failing path answers 500: its attempts are logged and retried, with the URL in the error.
    req.on('end', () => res.writeHead(req.url?.includes(secrets.failingPath) ? 500 : 204).end());
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  env = {
    DATABASE_URL: databaseUrl,
    STORAGE_DIR: storage.dir,
    QUEUE_PREFIX: uniquePrefix('secrets'),
    LOG_LEVEL: 'debug',
    ADMIN_TOKEN: secrets.adminToken,
    WEBHOOK_SECRET: secrets.webhookSecret,
    MEDIA_TOKEN_SECRET: secrets.mediaTokenSecret,
    WEBHOOK_ALLOW_PRIVATE: 'true',
    INGEST_ALLOW_PRIVATE: 'true',
    INGEST_BACKOFF_MS: '100',
    WEBHOOK_MAX_ATTEMPTS: '2',
    WEBHOOK_BACKOFF_MS: '200',
    RATE_LIMIT_MAX: '0',
    WORKER_CONCURRENCY: '1',
    KEYCAST_WORKERS: '1',
  };
  api = await startApiProcess(env);
  worker = await startWorkerProcess(env);
});

after(async () => {
  await worker?.stop();
  await api?.stop();
  await new Promise<void>((r) => receiver.close(() => r()));
  await dropDatabase(DB);
  storage.cleanup();
});

async function call(method: string, path: string, init: RequestInit = {}) {
  const res = await fetch(api.baseUrl + path, { method, ...init });
  const text = await res.text();
  return { status: res.status, body: (res.headers.get('content-type') ?? '').includes('json') && text ? JSON.parse(text) : text };
}

test('no secret in any line the API and the worker write, at a level that logs every request', async () => {
  // API keys: the operator's (the CLI), and one made through the repository; a second tenant for the admin purge.
  const cli = await keycast(['apikey', 'create', '--tenant', 'acme', '--json'], { env: { DATABASE_URL: databaseUrl } });
  assert.equal(cli.status, 0, cli.stderr);
  const adminMadeKey = JSON.parse(cli.stdout).key as string;
  const key = (await createTestKey(databaseUrl, 'acme')).key;
  const doomed = (await createTestKey(databaseUrl, 'doomed')).key;
  const auth = (k: string) => ({ authorization: `Bearer ${k}` });

  // Uploads whose callbacks carry a secret path and query: one answered 204, one 500 (retried, errors logged).
  const media = makeUploadMedia(storage.dir);
  const callbacks = [`${receiverUrl}/${secrets.callbackPath}?sig=${secrets.callbackQuery}`, `${receiverUrl}/${secrets.failingPath}?x=${secrets.failingQuery}`];
  const videos: string[] = [];
  for (const [i, cb] of callbacks.entries()) {
    const form = new FormData();
    form.append('callback_url', cb);
    form.append('file', new Blob([new Uint8Array(media.mp4)]), 'clip.mp4');
    const r = await call('POST', '/videos', { body: form, headers: auth(i === 0 ? adminMadeKey : key) });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    videos.push(r.body.id);
  }

  // Videos by URL (presigned-style query secrets): one served after a 503 (retried), one that is not there (failed).
  servedVideo = media.mp4;
  const ingest = [
    `${receiverUrl}/${secrets.ingestPath}/clip.mp4?X-Amz-Signature=${secrets.ingestQuery}`,
    `${receiverUrl}/gone.mp4?sig=${secrets.missingQuery}`,
  ];
  for (const url of ingest) {
    const r = await call('POST', '/videos', { headers: { ...auth(key), 'content-type': 'application/json' }, body: JSON.stringify({ url }) });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    videos.push(r.body.id);
  }

  // A media token, used on every route that takes one, as a browser would; then misused.
  const minted = await call('POST', '/media-tokens', { headers: auth(key) });
  assert.equal(minted.status, 201);
  const token = minted.body.token as string;
  await waitFor(async () => (await call('GET', `/videos/${videos[1]}`, { headers: auth(key) })).body.status === 'ready', {
    timeoutMs: 120_000,
    what: 'video ready',
  });
  const q = `token=${encodeURIComponent(token)}`;
  assert.equal((await call('GET', `/videos/${videos[1]}/media?${q}`, { headers: { range: 'bytes=0-9' } })).status, 206);
  await call('GET', `/videos/${videos[1]}/montage.png?${q}`);
  await call('GET', `/faces/00000000-0000-4000-8000-000000000000/thumbnail?${q}`);
  assert.equal((await call('GET', `/videos/${videos[1]}?${q}`)).status, 401, 'a token is no key');
  assert.equal((await call('GET', `/videos/${videos[1]}/media?token=${encodeURIComponent(token.slice(0, -3))}xyz`)).status, 401);
  // Keys where they do not belong: in a query string, a wrong scheme, an unknown route, a garbage body.
  assert.equal((await call('GET', `/videos?api_key=${key}&token=${adminMadeKey}`, { headers: auth(key) })).status, 400);
  assert.equal((await call('GET', '/videos', { headers: { authorization: `Basic ${key}` } })).status, 401);
  await call('GET', `/no-such-route/${key}`, { headers: auth(key) });
  await call('POST', '/people', { headers: { ...auth(key), 'content-type': 'application/json' }, body: `{"name": "${key}", ` });
  // The admin token, right and wrong.
  assert.equal((await call('DELETE', '/admin/tenants/doomed', { headers: auth(secrets.adminToken) })).status, 200);
  assert.equal((await call('DELETE', '/admin/tenants/doomed', { headers: auth(`${secrets.adminToken}x`) })).status, 401);
  assert.equal((await call('GET', '/videos', { headers: auth(doomed) })).status, 401, 'a purged tenant key');

  // Both deliveries attempted (the failing one twice), signed with the webhook secret.
  await waitFor(
    async () => hooks.filter((h) => h.includes(secrets.callbackPath)).length >= 1 && hooks.filter((h) => h.includes(secrets.failingPath)).length >= 2,
    {
      timeoutMs: 60_000,
      what: 'webhook attempts',
    },
  );
  for (const [id, want] of [
    [videos[2], 'ready'],
    [videos[3], 'failed'],
  ])
    await waitFor(async () => (await call('GET', `/videos/${id}`, { headers: auth(key) })).body.status === want, {
      timeoutMs: 120_000,
      what: `ingest ${want}`,
    });
  assert.ok(ingestGets >= 2, 'the first download attempt was refused and retried');
  await waitFor(async () => worker.logs.filter((l) => l.msg === 'webhook attempt').length >= 3, { timeoutMs: 20_000, what: 'attempt log lines' });

  const apiOut = api.output();
  const workerOut = worker.output();
  // The logs are there to be searched: every request was logged, with its URL, and the worker logged each attempt.
  assert.ok(apiOut.includes(`"url":"/videos/${videos[1]}/media?token=`), 'the media request was logged with its query string');
  assert.match(apiOut, /"url":"\/admin\/tenants\/doomed"/);
  assert.match(workerOut, /"msg":"webhook attempt"/);
  assert.match(workerOut, new RegExp(`"url":"http://127\\.0\\.0\\.1:\\d+/…"`));
  const all = { ...secrets, adminMadeKey, key, doomed, token, tokenSignature: token.split('.').at(-1)! };
  for (const [what, secret] of Object.entries(all)) {
    assert.ok(!apiOut.includes(secret), `${what} is in the API's log:\n${apiOut.split('\n').find((l) => l.includes(secret))}`);
    assert.ok(!workerOut.includes(secret), `${what} is in the worker's log:\n${workerOut.split('\n').find((l) => l.includes(secret))}`);
  }
  // What stays: the parameter's name, so a reader sees a token was sent.
  assert.match(apiOut, new RegExp(`"url":"/videos/${videos[1]}/media\\?token=\\[REDACTED\\]"`));
});
