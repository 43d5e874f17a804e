// downloadToFile against loopback servers this test starts: resume with Range, retries, timeouts, limits and the
// address rules at every connection (redirects included). No traffic leaves 127.0.0.0/8.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { downloadToFile, type DownloadOptions } from '../../../libs/ingest/index.js';
import { tempDir } from '../../e2e/support/services.js';

const BODY = randomBytes(256 * 1024);
const dir = tempDir('ingest-download');
const servers: Server[] = [];
after(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
  dir.cleanup();
});

interface Seen {
  hits: number;
  ranges: (string | undefined)[];
}
async function serve(handler: (req: IncomingMessage, res: ServerResponse, seen: Seen) => void, host = '127.0.0.1'): Promise<{ url: string; seen: Seen }> {
  const seen: Seen = { hits: 0, ranges: [] };
  const s = createServer((req, res) => {
    seen.hits++;
    seen.ranges.push(req.headers.range);
    handler(req, res, seen);
  });
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, host, r));
  return { url: `http://${host}:${(s.address() as AddressInfo).port}`, seen };
}

/** Serves BODY, honouring `Range: bytes=N-`. */
function sendBody(req: IncomingMessage, res: ServerResponse, { cutAt }: { cutAt?: number } = {}) {
  const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  const start = m ? Number(m[1]) : 0;
  const headers = { 'content-type': 'video/mp4', 'accept-ranges': 'bytes', etag: '"v1"', 'content-length': String(BODY.length - start) };
  if (m) res.writeHead(206, { ...headers, 'content-range': `bytes ${start}-${BODY.length - 1}/${BODY.length}` });
  else res.writeHead(200, headers);
  if (cutAt !== undefined) {
    // Part of the body, then the connection dropped once the client has stored some of it (what it resumes from).
    res.write(BODY.subarray(start, cutAt));
    void partStored().then(() => res.socket?.destroy());
  } else res.end(BODY.subarray(start));
}

/** Resolves once the newest download's part file holds bytes (the client's progress, which the server cannot see). */
async function partStored(): Promise<void> {
  const d = join(dir.dir, `v${n}`);
  for (let i = 0; i < 500; i++) {
    const parts = existsSync(d) ? readdirSync(d).filter((f) => f.endsWith('.part')) : [];
    if (parts.some((f) => statSync(join(d, f)).size > 0)) return;
    await new Promise((r) => setTimeout(r, 10));
  }
}

const loopback: DownloadOptions = {
  policy: { allowPrivate: false, allowedHosts: ['127.0.0.1'] },
  maxBytes: 10 * 1024 * 1024,
  readTimeoutMs: 300,
  totalTimeoutMs: 10_000,
  attempts: 3,
  backoffMs: 20,
};
let n = 0;
const destOf = () => join(dir.dir, `v${++n}`, 'source');

async function fails(url: string, opts: Partial<DownloadOptions>, code: string, message?: RegExp) {
  const dest = destOf();
  let err: any = null;
  await downloadToFile(url, dest, { ...loopback, ...opts }).catch((e) => (err = e));
  assert.ok(err, `expected ${code}`);
  assert.equal(err.code, code, err.message);
  if (message) assert.match(err.message, message);
  assert.equal(existsSync(dest), false, 'no file');
  assert.deepEqual(existsSync(dirname(dest)) ? readdirSync(dirname(dest)) : [], [], 'no part file left behind');
  return err;
}

test('a whole body arrives byte for byte; progress reports the Content-Length', async () => {
  const { url } = await serve((req, res) => sendBody(req, res));
  const dest = destOf();
  const seen: number[] = [];
  const r = await downloadToFile(`${url}/v.mp4?sig=abc`, dest, { ...loopback, onProgress: (p) => seen.push(p.total ?? -1) });
  assert.equal(r.bytes, BODY.length);
  assert.equal(r.host, url.replace('http://', ''));
  assert.deepEqual(readFileSync(dest), BODY);
  assert.ok(seen.length > 0 && seen.every((t) => t === BODY.length));
  assert.deepEqual(readdirSync(dirname(dest)), ['source'], 'only the file: its part renamed');
});

test('a connection dropped mid-body is resumed with Range from the bytes already stored', async () => {
  const { url, seen } = await serve((req, res, s) => sendBody(req, res, s.hits === 1 ? { cutAt: 100_000 } : {}));
  const dest = destOf();
  const retries: number[] = [];
  const r = await downloadToFile(`${url}/v.mp4`, dest, { ...loopback, onRetry: (x) => retries.push(x.resumeFrom) });
  assert.deepEqual(readFileSync(dest), BODY);
  assert.equal(seen.hits, 2);
  assert.equal(seen.ranges[0], undefined);
  assert.match(seen.ranges[1] ?? '', /^bytes=\d+-$/);
  const from = Number(/=(\d+)-/.exec(seen.ranges[1]!)![1]);
  assert.ok(from > 0 && from <= 100_000, `resumed from ${from}`);
  assert.deepEqual(retries, [from]);
  assert.equal(r.resumed, 1);
});

test('a server that ignores Range sends the whole body again: the file is rewritten, not appended to', async () => {
  const { url, seen } = await serve((_req, res, s) => {
    res.writeHead(200, { 'content-length': String(BODY.length) });
    if (s.hits === 1) {
      res.write(BODY.subarray(0, 50_000));
      void partStored().then(() => res.socket?.destroy());
    } else res.end(BODY);
  });
  const dest = destOf();
  await downloadToFile(`${url}/v`, dest, loopback);
  assert.equal(seen.hits, 2);
  assert.deepEqual(readFileSync(dest), BODY);
});

test('404 fails at once with SOURCE_HTTP_ERROR and the status; 500 then 200 succeeds on the retry', async () => {
  const missing = await serve((_req, res) => res.writeHead(404).end('no'));
  const err = await fails(`${missing.url}/gone?X-Amz-Signature=s3cr3t`, {}, 'SOURCE_HTTP_ERROR', /HTTP 404/);
  assert.deepEqual(err.details, { status: 404 });
  assert.equal(missing.seen.hits, 1, 'a 404 is not retried');
  assert.doesNotMatch(err.message, /s3cr3t|gone/);

  const flaky = await serve((req, res, s) => (s.hits === 1 ? res.writeHead(500).end() : sendBody(req, res)));
  const dest = destOf();
  await downloadToFile(`${flaky.url}/v`, dest, loopback);
  assert.equal(flaky.seen.hits, 2);
  assert.deepEqual(readFileSync(dest), BODY);

  const down = await serve((_req, res) => res.writeHead(503).end());
  const e503 = await fails(`${down.url}/v`, {}, 'SOURCE_HTTP_ERROR', /HTTP 503/);
  assert.deepEqual(e503.details, { status: 503 });
  assert.equal(down.seen.hits, loopback.attempts, 'a 5xx is retried up to INGEST_ATTEMPTS');
});

test('a server that stalls is SOURCE_STALLED after the retries; the overall deadline ends a slow one', async () => {
  const stall = await serve((_req, res) => {
    res.writeHead(200, { 'content-length': '1000' });
    res.write('x'.repeat(10)); // then nothing
  });
  const t0 = Date.now();
  await fails(`${stall.url}/v`, { attempts: 2 }, 'SOURCE_STALLED', /sent nothing for 300 ms/);
  assert.ok(Date.now() - t0 < 5000);

  const slow = await serve((_req, res) => {
    res.writeHead(200, { 'content-length': String(1_000_000) });
    const tick = setInterval(() => (res.destroyed ? clearInterval(tick) : res.write('y'.repeat(100))), 50);
  });
  await fails(`${slow.url}/v`, { totalTimeoutMs: 600 }, 'SOURCE_STALLED', /did not finish within 600 ms/);
});

test('a body over the limit: refused from Content-Length before reading it, aborted without one', async () => {
  const big = await serve((_req, res) => {
    res.writeHead(200, { 'content-length': String(BODY.length) });
    res.end(BODY);
  });
  await fails(`${big.url}/v`, { maxBytes: 1000 }, 'SOURCE_TOO_LARGE', /says the video is 262144 bytes, more than the limit of 1000/);
  assert.equal(big.seen.hits, 1);

  const chunked = await serve((_req, res) => {
    res.writeHead(200); // no Content-Length: chunked
    res.end(BODY);
  });
  await fails(`${chunked.url}/v`, { maxBytes: 100_000 }, 'SOURCE_TOO_LARGE', /larger than the limit of 100000 bytes/);
  assert.equal(chunked.seen.hits, 1, 'too large is not retried');
});

test('redirects: followed to an allowed address; to a private one refused before any connection; at most 5', async () => {
  const target = await serve((req, res) => sendBody(req, res));
  const hop = await serve((_req, res) => res.writeHead(302, { location: `${target.url}/v.mp4?sig=1` }).end());
  const dest = destOf();
  await downloadToFile(`${hop.url}/start`, dest, loopback);
  assert.deepEqual(readFileSync(dest), BODY);

  const inside = await serve((_req, res) => res.writeHead(200).end('secret'), '127.0.0.2');
  const toPrivate = await serve((_req, res) => res.writeHead(307, { location: `${inside.url}/admin?token=t0ps3cret` }).end());
  const err = await fails(`${toPrivate.url}/v`, {}, 'URL_NOT_ALLOWED', /redirected to a URL whose host 127\.0\.0\.2 is a loopback address/);
  assert.doesNotMatch(err.message, /t0ps3cret|admin/);
  assert.equal(inside.seen.hits, 0, 'the refused address was never connected to');

  const self = { url: '' };
  const circle = await serve((_req, res) => res.writeHead(301, { location: `${self.url}/again` }).end());
  self.url = circle.url;
  await fails(`${circle.url}/v`, {}, 'SOURCE_HTTP_ERROR', /redirected more than 5 times/);
  assert.equal(circle.seen.hits, 6);
});

test('the default rules refuse 127.0.0.1 before connecting; credentials and other schemes are INVALID_URL', async () => {
  const s = await serve((req, res) => sendBody(req, res));
  await fails(
    `${s.url}/v`,
    { policy: { allowPrivate: false, allowedHosts: [] } },
    'URL_NOT_ALLOWED',
    /127\.0\.0\.1 is a loopback address: refused unless INGEST_ALLOWED_HOSTS or INGEST_ALLOW_PRIVATE/,
  );
  assert.equal(s.seen.hits, 0);
  const cred = await fails(s.url.replace('http://', 'http://user:hunter2@') + '/v', {}, 'INVALID_URL', /credentials/);
  assert.doesNotMatch(cred.message, /hunter2/);
  await fails('ftp://127.0.0.1/v', {}, 'INVALID_URL', /http or https/);
  assert.equal(s.seen.hits, 0);
});

test('a port nobody listens on is SOURCE_UNREACHABLE after the retries', async () => {
  const s = await serve(() => {});
  const url = s.url;
  await new Promise((r) => servers.pop()!.close(r));
  await fails(`${url}/v`, { attempts: 2 }, 'SOURCE_UNREACHABLE', /could not connect to 127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
});
