// Ingest by URL through the API and the worker: real PostgreSQL, Redis and HTTP; the video server is a loopback
// server this test starts (ingest is allowed to reach 127.0.0.1 only through INGEST_ALLOWED_HOSTS). The same faces as
// a multipart upload; a dropped connection resumed with Range; each failure's documented code on the video and in
// its webhook, with nothing left in storage; the URL never in an answer beyond its host, nor in any log line.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import { createLogger } from '../../../libs/logger/index.js';
import { createWorkerDeps, type WorkerDeps } from '../../../apps/worker/deps.js';
import { startWorkers, type RunningWorkers } from '../../../apps/worker/workers.js';
import { startApi, type RunningApi } from '../../e2e/support/api.js';
import { testVideo } from '../../e2e/support/media.js';
import { startReceiver } from '../../e2e/support/receiver.js';
import { waitFor } from '../../e2e/support/services.js';

const video = testVideo();
const BYTES = readFileSync(video.path);
/** In every URL's query and path: no log line or answer may ever hold it. */
const SECRET = 'SIGsecret0123456789';
const LIMIT = BYTES.length + 64 * 1024;
/**
 * Short, so the stall case is quick; not shorter: this one process runs the API, the worker and the video server, and
 * a main thread busy for a few hundred ms (first-time module loads and query compiles, on a loaded machine) fires the
 * socket's idle timer before the bytes that did arrive are read, a stall the server never made.
 */
const READ_TIMEOUT_MS = 1000;

const logLines: string[] = [];
const sink = new Writable({
  write(chunk: Buffer, _enc, cb) {
    logLines.push(chunk.toString());
    cb();
  },
});
const log = (component: string) => createLogger({ level: 'debug', component, destination: sink });

let api: RunningApi;
let deps: WorkerDeps;
let workers: RunningWorkers;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let media: { url: string; seen: { path: string; range?: string }[] };
let inside: { url: string; hits: number };
const servers: Server[] = [];
const dropped = new Set<string>();

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void, host = '127.0.0.1'): Promise<string> {
  const s = createServer(handler);
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, host, r));
  return `http://${host}:${(s.address() as AddressInfo).port}`;
}

/** BYTES with Range; `cut`: the first request of this path gets part of the body and then a dropped connection. */
function sendVideo(req: IncomingMessage, res: ServerResponse, key: string, cut: boolean) {
  const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  const start = m ? Number(m[1]) : 0;
  const headers = { 'content-type': 'video/mp4', 'accept-ranges': 'bytes', etag: '"clip"', 'content-length': String(BYTES.length - start) };
  res.writeHead(m ? 206 : 200, m ? { ...headers, 'content-range': `bytes ${start}-${BYTES.length - 1}/${BYTES.length}` } : headers);
  if (cut && !dropped.has(key)) {
    dropped.add(key);
    // Half the body; the connection is dropped once the worker has stored some of it (what it resumes from).
    res.write(BYTES.subarray(0, Math.floor(BYTES.length / 2)));
    void partStored().then(() => res.socket?.destroy());
  } else res.end(BYTES.subarray(start));
}

/** Resolves once a download's part file in storage holds bytes (polled: the server cannot see the worker's progress). */
async function partStored(): Promise<void> {
  const find = (dir: string): number => {
    let best = 0;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) best = Math.max(best, find(p));
      else if (e.name.endsWith('.part')) best = Math.max(best, statSync(p).size);
    }
    return best;
  };
  await waitFor(async () => existsSync(api.config.storageDir) && find(api.config.storageDir) > 0, { intervalMs: 20, what: 'a part file with bytes' });
}

before(async () => {
  if (!video.real) console.log(`# ${video.name}: ../shared/data/videos/short_hamilton_clip.mp4 absent, using a video made from face-api's demo photos`);
  receiver = await startReceiver();
  const hits = { n: 0 };
  const insideUrl = await listen((_req, res) => {
    hits.n++;
    res.writeHead(200).end('internal');
  }, '127.0.0.2');
  inside = {
    url: insideUrl,
    get hits() {
      return hits.n;
    },
  };
  const seen: { path: string; range?: string }[] = [];
  const url = await listen((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    seen.push({ path, range: req.headers.range });
    if (path.startsWith('/clip/')) return sendVideo(req, res, path, false);
    if (path.startsWith('/drop/')) return sendVideo(req, res, path, true);
    if (path.startsWith('/missing/')) return res.writeHead(404).end('not here');
    if (path.startsWith('/stall/')) {
      res.writeHead(200, { 'content-length': String(BYTES.length) });
      return res.write(BYTES.subarray(0, 1000)); // then nothing
    }
    if (path.startsWith('/inside/')) return res.writeHead(302, { location: `${insideUrl}/admin?${SECRET}` }).end();
    if (path.startsWith('/huge/')) {
      res.writeHead(200, { 'content-length': String(LIMIT + 1) });
      return res.end(BYTES.subarray(0, 100));
    }
    if (path.startsWith('/endless/')) {
      res.writeHead(200); // chunked, no Content-Length
      const more = () => {
        if (res.destroyed) return;
        if (res.write(BYTES)) setImmediate(more);
        else res.once('drain', more);
      };
      return more();
    }
    if (path.startsWith('/text/')) return res.writeHead(200, { 'content-type': 'text/html' }).end('<html>not a video</html>'.repeat(100));
    res.writeHead(500).end();
  });
  media = { url, seen };
  api = await startApi(
    'keycast_test_ingest_url',
    {
      ingestAllowedHosts: ['127.0.0.1'],
      webhookAllowedHosts: ['127.0.0.1'],
      ingestReadTimeoutMs: READ_TIMEOUT_MS,
      ingestAttempts: 2,
      ingestBackoffMs: 20,
      maxUploadBytes: LIMIT,
      logLevel: 'debug',
      // A loaded machine must not make a job lose its lock and run twice: the request counts below are exact.
      workerLockMs: 30_000,
    },
    { log: log('api') },
  );
  deps = createWorkerDeps({ ...api.config }, { poolSize: 1, log: log('worker') });
  workers = startWorkers(deps);
});

after(async () => {
  await workers?.close();
  await deps?.close();
  await api?.close();
  await receiver?.close();
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

const linkTo = (path: string) => `${media.url}/${path}/${SECRET}.mp4?X-Amz-Signature=${SECRET}&X-Amz-Expires=600`;
const postJson = (body: unknown) => api.call('POST', '/videos', { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const storedFiles = (id: string) => existsSync(join(api.config.storageDir, 'videos', id));

async function settled(id: string, timeoutMs = 60_000) {
  return waitFor(
    async () => {
      const r = await api.call('GET', `/videos/${id}`);
      return r.body.status === 'ready' || r.body.status === 'failed' ? r.body : null;
    },
    { timeoutMs, intervalMs: 100, what: `video ${id} ready or failed` },
  );
}

const facesOf = async (id: string) => {
  const r = await api.call('GET', `/videos/${id}/faces?limit=500`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.items.map((f: any) => ({ t: f.t, frame: f.frame, k: f.k, box: f.box, score: f.score }));
};

test(`a URL gives the same faces as a multipart upload of the same file; a dropped connection is resumed with Range (${video.name})`, async () => {
  const options = { capture_interval_sec: 1, frame_batch_size: 4 };
  const form = new FormData();
  form.set('file', new Blob([BYTES]), 'clip.mp4');
  for (const [k, v] of Object.entries(options)) form.set(k, String(v));
  const up = await api.call('POST', '/videos', { body: form });
  assert.equal(up.status, 202, JSON.stringify(up.body));
  // Extracted before the URL is given: the first extraction's start-up (module loads, the face pool) blocks this
  // process's main thread, which must not overlap the dropped download's first try (see READ_TIMEOUT_MS).
  const a = await settled(up.body.id, 180_000);

  const byUrl = await postJson({ url: linkTo('drop'), ...options, callback_url: receiver.url });
  assert.equal(byUrl.status, 202, JSON.stringify(byUrl.body));
  assert.equal(byUrl.body.status, 'downloading');
  const first = await api.call('GET', `/videos/${byUrl.body.id}`);
  assert.equal(first.body.download.host, new URL(media.url).host);
  assert.doesNotMatch(JSON.stringify(first.body), new RegExp(SECRET));

  const b = await settled(byUrl.body.id, 180_000);
  assert.equal(a.status, 'ready', JSON.stringify(a.error));
  assert.equal(b.status, 'ready', JSON.stringify(b.error));
  assert.deepEqual(b.download, { host: new URL(media.url).host, received_bytes: BYTES.length, total_bytes: BYTES.length });
  assert.equal(b.size_bytes, BYTES.length);
  assert.deepEqual(b.media, a.media);
  assert.equal(b.filename, null, 'nothing of the URL but its host is shown');
  const [fa, fb] = [await facesOf(a.id), await facesOf(b.id)];
  assert.ok(fa.length >= 3, `${fa.length} faces`);
  assert.deepEqual(fb, fa);

  const requests = media.seen.filter((s) => s.path.startsWith('/drop/'));
  const trail = logLines.filter((l) => /download|stalled/.test(l)).join('');
  assert.equal(requests.length, 2, `one drop, one resume:\n${trail}`);
  assert.equal(requests[0].range, undefined);
  assert.match(requests[1].range ?? '', /^bytes=[1-9]\d*-$/, `the second request continues where the first stopped:\n${trail}`);
  const ready = await waitFor(async () => receiver.deliveries.map((d) => JSON.parse(d.body)).find((e) => e.video_id === b.id && e.type === 'video.ready'), {
    what: 'video.ready webhook',
  });
  assert.equal(ready.status, 'ready');
});

test('each failure ends the video failed with its documented code, in the answer and the webhook; nothing stays in storage', async () => {
  const cases: [string, string, RegExp][] = [
    ['missing', 'SOURCE_HTTP_ERROR', /HTTP 404/],
    ['stall', 'SOURCE_STALLED', new RegExp(`sent nothing for ${READ_TIMEOUT_MS} ms`)],
    ['inside', 'URL_NOT_ALLOWED', /redirected to a URL whose host 127\.0\.0\.2 is a loopback address/],
    ['huge', 'SOURCE_TOO_LARGE', /says the video is \d+ bytes, more than the limit/],
    ['endless', 'SOURCE_TOO_LARGE', /larger than the limit of \d+ bytes/],
    ['text', 'UNSUPPORTED_MEDIA', /the downloaded file/],
  ];
  const ids = new Map<string, string>();
  for (const [path] of cases) {
    const r = await postJson({ url: linkTo(path), callback_url: receiver.url });
    assert.equal(r.status, 202, `${path}: ${JSON.stringify(r.body)}`);
    ids.set(path, r.body.id);
  }
  for (const [path, code, message] of cases) {
    const v = await settled(ids.get(path)!);
    assert.equal(v.status, 'failed', path);
    assert.equal(v.error.code, code, `${path}: ${v.error.message}`);
    assert.match(v.error.message, message, path);
    assert.doesNotMatch(v.error.message, new RegExp(SECRET), path);
    assert.equal(storedFiles(v.id), false, `${path}: files left in storage`);
    const event = await waitFor(async () => receiver.deliveries.map((d) => JSON.parse(d.body)).find((e) => e.video_id === v.id), {
      what: `${path} webhook`,
    });
    assert.equal(event.type, 'video.failed');
    assert.equal(event.error.code, code);
  }
  assert.equal(inside.hits, 0, 'the private address the redirect named was never connected to');
  assert.equal(media.seen.filter((s) => s.path.startsWith('/missing/')).length, 1, 'a 404 is not retried');
  assert.equal(media.seen.filter((s) => s.path.startsWith('/huge/')).length, 1, 'too large is not retried');
});

test('refused at request time: 127.0.0.1 under the default rules, credentials, other schemes; url and file together', async () => {
  const { config } = api.app.keycast;
  const allowed = config.ingestAllowedHosts;
  config.ingestAllowedHosts = [];
  try {
    const before = media.seen.length;
    const r = await postJson({ url: linkTo('clip') });
    assert.equal(r.status, 400);
    assert.equal(r.body.error.code, 'URL_NOT_ALLOWED');
    assert.match(r.body.error.message, /127\.0\.0\.1 is a loopback address: refused unless INGEST_ALLOWED_HOSTS or INGEST_ALLOW_PRIVATE allows it/);
    assert.equal(media.seen.length, before, 'nothing was fetched');
  } finally {
    config.ingestAllowedHosts = allowed;
  }
  const cred = await postJson({ url: linkTo('clip').replace('http://', 'http://user:hunter2@') });
  assert.equal(cred.status, 400);
  assert.equal(cred.body.error.code, 'INVALID_URL');
  assert.doesNotMatch(JSON.stringify(cred.body), /hunter2|SIGsecret/);
  for (const url of ['ftp://127.0.0.1/v.mp4', 'not a url', 42]) {
    const bad = await postJson({ url });
    assert.equal(bad.status, 400, String(url));
    assert.equal(bad.body.error.code, 'INVALID_URL', String(url));
  }
  // A host that does not resolve is the client's mistake: 400, never 5xx; the fields are checked before the name.
  // (.invalid never resolves, RFC 6761.)
  const nowhere = 'http://no-such-host.invalid/v.mp4';
  const unresolved = await postJson({ url: nowhere });
  assert.equal(unresolved.status, 400, JSON.stringify(unresolved.body));
  assert.equal(unresolved.body.error.code, 'INVALID_URL');
  assert.match(unresolved.body.error.message, /no-such-host\.invalid does not resolve/);
  const fieldFirst = await postJson({ url: nowhere, capture_interval_sec: -1 });
  assert.equal(fieldFirst.status, 400, JSON.stringify(fieldFirst.body));
  assert.equal(fieldFirst.body.error.code, 'INVALID_OPTION');
  const unknown = await postJson({ url: linkTo('clip'), sim: 0.5 });
  assert.equal(unknown.body.error.code, 'UNKNOWN_OPTION');
  const badOption = await postJson({ url: linkTo('clip'), capture_interval_sec: -1 });
  assert.equal(badOption.body.error.code, 'INVALID_OPTION');

  const both = new FormData();
  both.set('url', linkTo('clip'));
  both.set('file', new Blob([BYTES]), 'clip.mp4');
  const r = await api.call('POST', '/videos', { body: both });
  assert.equal(r.status, 400);
  assert.equal(r.body.error.code, 'INVALID_OPTION');
  const rows = await api.call('GET', '/videos?limit=100');
  assert.ok(
    rows.body.items.every((v: any) => v.status !== 'downloading' || v.download),
    'no refused request left a video behind',
  );
});

test('a multipart form with a `url` field instead of a file is a video given by URL', async () => {
  const form = new FormData();
  form.set('url', linkTo('missing'));
  form.set('capture_interval_sec', '2');
  const r = await api.call('POST', '/videos', { body: form });
  assert.equal(r.status, 202, JSON.stringify(r.body));
  assert.equal(r.body.status, 'downloading');
  const v = await settled(r.body.id);
  assert.equal(v.error.code, 'SOURCE_HTTP_ERROR');
  assert.equal(v.options.capture_interval_sec, 2);
});

test("no log line of the API or the worker holds the URL's path or query", () => {
  const all = logLines.join('');
  assert.ok(logLines.length > 10, `${logLines.length} log lines captured`);
  assert.ok(all.includes(new URL(media.url).host), 'the host is logged (the lines are about the downloads)');
  assert.equal(all.includes(SECRET), false, logLines.filter((l) => l.includes(SECRET)).join('\n'));
  assert.equal(all.includes('hunter2'), false);
});
