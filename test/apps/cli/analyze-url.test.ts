// `keycast analyze https://…`: the video downloaded to a temporary file first (then removed), under the service's
// address rules unless --allow-private-url. The server is a loopback server this test starts.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { keycast } from '../../helpers/cli.js';
import { testVideo } from '../../e2e/support/media.js';

const video = testVideo();
const BYTES = readFileSync(video.path);
let server: Server;
let base: string;
let dir: string;
const requests: string[] = [];
const downloads = () => readdirSync(tmpdir()).filter((n) => n.startsWith('keycast-download-'));

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'keycast-cli-url-'));
  server = createServer((req, res) => {
    requests.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': String(BYTES.length) }).end(BYTES);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

test('a URL on 127.0.0.1 is refused by default: URL_NOT_ALLOWED, nothing fetched, the URL not echoed', async () => {
  const r = await keycast(['analyze', `${base}/clip.mp4?sig=s3cr3t`, '--out', join(dir, 'refused')]);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr.trim().split('\n').pop()!, /^keycast: URL_NOT_ALLOWED: url host 127\.0\.0\.1 is a loopback address/);
  assert.doesNotMatch(r.stderr, /s3cr3t/);
  assert.equal(requests.length, 0);
  assert.equal(existsSync(join(dir, 'refused', 'result.json')), false);
});

test(`--allow-private-url: downloaded with a progress bar, analysed, the temporary file removed (${video.name})`, async () => {
  const before = downloads();
  const out = join(dir, 'ok');
  const r = await keycast(['analyze', `${base}/clip.mp4?sig=s3cr3t`, '--allow-private-url', '--stop-sec', '3', '--out', out], { timeoutMs: 240_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /download done in [\d.]+s: [\d.]+ MB from 127\.0\.0\.1:\d+/);
  assert.doesNotMatch(r.stderr, /s3cr3t/);
  assert.deepEqual(requests, ['/clip.mp4?sig=s3cr3t']);
  const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8'));
  assert.ok(Array.isArray(result.faces));
  assert.deepEqual(downloads(), before, 'the temporary download is gone');
});
