// The review app at a real video's size: a ready video of 10,000 real-descriptor faces (test/e2e/support/large-video.ts,
// its tree cached) in Debian's Chromium. A slider step asks for what the page shows: at most 2 requests and 400 KB,
// counted from the browser's own request events (times are the bench's job: bench/review-app.ts). A character's faces
// are fetched when it is opened; the list renders a window of the characters, not all of them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page, Request } from 'playwright-core';
import { largeVideoMissing, seedLargeVideo, type LargeVideo } from '../../e2e/support/large-video.js';
import { startApi, type RunningApi } from '../../e2e/support/api.js';
import { launchChromium, openPage, signIn } from './browser.js';

const missing = largeVideoMissing();
let api: RunningApi;
let browser: Browser;
let video: LargeVideo;

before(async () => {
  if (missing) return;
  api = await startApi('keycast_test_web_large', { rateLimitMax: 0 });
  video = await seedLargeVideo(api.deps.store, api.databaseUrl, { tenantId: api.auth.tenantId, n: 10_000 });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await api?.close().catch(() => undefined);
});

/** The API calls the page makes (fetch/XHR: what a step costs; images and the video are the media's own). */
function recordCalls(page: Page) {
  const calls: { url: string; bytes: Promise<number> }[] = [];
  page.on('request', (r: Request) => {
    if (r.resourceType() !== 'fetch' && r.resourceType() !== 'xhr') return;
    calls.push({
      url: r.url(),
      bytes: r.response().then(async (res) => (res ? (await res.body()).length : 0)),
    });
  });
  return calls;
}

/** The summary line's count of characters ("N characters · …"). */
async function shownCount(page: Page): Promise<number | null> {
  const text = await page
    .getByText(/^\d+ characters · /)
    .first()
    .textContent()
    .catch(() => null);
  return text ? Number(text.split(' ')[0]) : null;
}

test("10,000 faces: a slider step is one small request; a character's faces come when it opens; a window of the list renders", async (t) => {
  if (missing) {
    t.skip(missing);
    return;
  }
  const w = await openPage(browser, api.baseUrl);
  const { page } = w;
  const calls = recordCalls(page);
  await signIn(page, api.auth.key);
  await page.getByRole('heading', { name: 'Videos' }).waitFor();
  await page.goto(`/#/videos/${video.id}`);
  const list = page.getByRole('list', { name: 'Characters' });
  await list.waitFor({ timeout: 60_000 });
  const auto = (await api.call('GET', `/videos/${video.id}/clusters?sim=auto&faces_per_cluster=0&faces_limit=0`)).body;
  await page.locator('[aria-label="Characters"][data-cut="auto"]').waitFor();
  assert.equal(await shownCount(page), auto.clusters.length);
  const rendered = await list.getByRole('listitem').count();
  assert.ok(rendered < auto.clusters.length || auto.clusters.length <= 30, `${rendered} of ${auto.clusters.length} characters rendered`);

  const slider = page.getByRole('slider', { name: 'Similarity' });
  await slider.focus();
  for (const key of ['ArrowLeft', 'ArrowLeft', 'ArrowRight', 'PageUp']) {
    const before = calls.length;
    await page.keyboard.press(key);
    const sim = Number(await slider.inputValue());
    await page.locator(`[aria-label="Characters"][data-cut="${sim}"]`).waitFor({ timeout: 30_000 });
    const want = (await api.call('GET', `/videos/${video.id}/clusters?sim=${sim}&faces_per_cluster=0&faces_limit=0`)).body.clusters.length;
    assert.equal(await shownCount(page), want, `the cut at ${sim}: the API's characters`);
    // Anything the step still asks for comes within a moment of the list.
    await page.waitForTimeout(600);
    const step = calls.slice(before);
    const bytes = (await Promise.all(step.map((c) => c.bytes))).reduce((a, b) => a + b, 0);
    assert.ok(step.length <= 2, `${key} (sim ${sim}): ${step.length} requests: ${step.map((c) => c.url).join(', ')}`);
    assert.ok(bytes <= 400 * 1024, `${key} (sim ${sim}): ${bytes} bytes`);
    assert.ok(
      step.every((c) => !c.url.includes('/faces?')),
      'no face pages on a step',
    );
  }

  // Opening a character fetches its faces (all of them, in pages of 1,000), then shows them.
  const before = calls.length;
  await list.getByRole('listitem').first().getByRole('button', { name: 'Faces' }).click();
  const panel = page.getByRole('region', { name: /^Faces of / });
  await panel.getByRole('checkbox').first().waitFor();
  const heading = (await panel.getByRole('heading').innerText()) ?? '';
  const size = Number(/\((\d+)\)$/.exec(heading)?.[1]);
  assert.ok(size > 0, heading);
  const pages = calls.slice(before).filter((c) => c.url.includes(`/videos/${video.id}/faces?`));
  assert.equal(pages.length, Math.ceil(size / 1000), `${size} faces in ${pages.length} pages`);
  assert.deepEqual(w.appErrors(), []);
  await w.context.close();
});
