// The review app's "From a link": the URL is sent, the list names the video by its host only, shows its download's
// progress while it runs, then why it failed. The video server is a loopback server this test starts (ingest allowed to
// 127.0.0.1 only by INGEST_ALLOWED_HOSTS); it sends a tenth of the body and stalls, so the download is seen running.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { createWorkerDeps, type WorkerDeps } from '../../../apps/worker/deps.js';
import { startWorkers, type RunningWorkers } from '../../../apps/worker/workers.js';
import { startApi, type RunningApi } from '../../e2e/support/api.js';
import { launchChromium, openPage, screenshotPath, signIn } from './browser.js';

const SIZE = 1_000_000;
let api: RunningApi;
let deps: WorkerDeps;
let workers: RunningWorkers;
let browser: Browser;
let server: Server;
let host: string;

before(async () => {
  server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': String(SIZE) });
    res.write(Buffer.alloc(SIZE / 10)); // then nothing: the download stalls
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  api = await startApi('keycast_test_web_link', { rateLimitMax: 0, ingestAllowedHosts: ['127.0.0.1'], ingestReadTimeoutMs: 3000, ingestAttempts: 1 });
  deps = createWorkerDeps({ ...api.config }, { poolSize: 1 });
  workers = startWorkers(deps);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await workers?.close();
  await deps?.close();
  await api?.close().catch(() => undefined);
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

test('"From a link": downloading with its progress, named by its host, then failed with its code; the URL never on the page', async () => {
  const w = await openPage(browser, api.baseUrl);
  const { page } = w;
  await signIn(page, api.auth.key);
  await page.getByRole('heading', { name: 'Videos' }).waitFor();
  await page.getByRole('textbox', { name: 'From a link' }).fill(`http://${host}/clip.mp4?X-Amz-Signature=pagesecret`);
  await page.getByRole('button', { name: 'Upload', exact: true }).click();

  // The page opens the new video: named by its host, its download's progress, then why it failed.
  await page.getByRole('heading', { name: `From ${host}` }).waitFor({ timeout: 20_000 });
  await page
    .getByRole('status')
    .filter({ hasText: /^Downloading · 10% of / })
    .waitFor({ timeout: 20_000 });
  assert.equal(await page.getByRole('progressbar', { name: 'Download progress' }).getAttribute('value'), '10');
  await page.screenshot({ path: screenshotPath('from-a-link-downloading') });
  await page
    .getByRole('alert')
    .filter({ hasText: /could not be analysed: .*sent nothing for 3000 ms \(SOURCE_STALLED\)/ })
    .waitFor({ timeout: 30_000 });
  const html = await page.content();
  assert.doesNotMatch(html, /pagesecret|clip\.mp4/);
  await page.getByRole('link', { name: '← All videos' }).click();
  await page
    .getByRole('listitem')
    .filter({ hasText: `From ${host}` })
    .getByText(/SOURCE_STALLED/)
    .waitFor();
  assert.equal(await page.getByRole('textbox', { name: 'From a link' }).inputValue(), '', 'the field is empty again');
  const list = await api.call('GET', '/videos');
  assert.equal(list.body.items.length, 1);
  assert.equal(list.body.items[0].download.host, host);
  assert.deepEqual(w.appErrors(), []);
  await w.context.close();
});
