// The review app in a real browser (Debian's Chromium via playwright-core) against the real API and worker, real
// PostgreSQL, Redis, ffmpeg and face models, on the real Hamilton clip. Every test checks the API's state afterwards,
// not only the page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { createWorkerDeps, type WorkerDeps } from '../../../apps/worker/deps.js';
import { startWorkers, type RunningWorkers } from '../../../apps/worker/workers.js';
import { createPrismaClient, ApiKeyRepository } from '../../../libs/store/index.js';
import { startApi, type RunningApi } from '../../e2e/support/api.js';
import { createTestKey } from '../../e2e/support/auth.js';
import { waitFor } from '../../e2e/support/services.js';
import { testVideo } from '../../e2e/support/media.js';
import { makeBadInputs } from '../../helpers/media.js';
import { fitsWidth, launchChromium, openPage, screenshotPath, signIn } from './browser.js';

const clip = testVideo();
let api: RunningApi;
let deps: WorkerDeps;
let workers: RunningWorkers;
let browser: Browser;
let tmp: string;
let noFaces: string;
/** The clip uploaded through the page, once ready. */
let videoId: string;
let peopleRoutes = false;

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'keycast-web-'));
  noFaces = makeBadInputs(tmp).noFaces;
  api = await startApi('keycast_test_web', { rateLimitMax: 0 });
  deps = createWorkerDeps({ ...api.config }, { poolSize: 1 });
  workers = startWorkers(deps);
  browser = await launchChromium();
  const doc = (await api.call('GET', '/openapi.json')).body as { paths: Record<string, unknown> };
  peopleRoutes = '/people' in doc.paths;
});

after(async () => {
  await browser?.close();
  await workers?.close();
  await deps?.close();
  await api?.close().catch(() => undefined);
  rmSync(tmp, { recursive: true, force: true });
});

/**
 * Waits until the page shows `n` characters (its summary line; the list renders them a window at a time). Polled
 * from here: the page's policy forbids eval, so Playwright's string predicates cannot run in it (which this also proves).
 */
const characterCount = (page: Page, n: number) =>
  waitFor(
    async () =>
      (
        (await page
          .getByText(/^\d+ characters · /)
          .first()
          .textContent()
          .catch(() => null)) ?? ''
      ).startsWith(`${n} characters · `),
    {
      timeoutMs: 20_000,
      what: `${n} characters on the page`,
    },
  );

const get = async (path: string) => {
  const r = await api.call('GET', path);
  assert.equal(r.status, 200, `${path}: ${JSON.stringify(r.body)}`);
  return r.body;
};

test('the page is served at / with a strict policy, its assets open, the API still closed', async () => {
  const r = await fetch(`${api.baseUrl}/`);
  assert.equal(r.status, 200);
  const csp = r.headers.get('content-security-policy') ?? '';
  assert.match(csp, /script-src 'self'(;|$)/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  const html = await r.text();
  assert.doesNotMatch(html.replace(/<script[^>]*src=[^>]*><\/script>/g, ''), /<script/i, 'no inline script');
  const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
  assert.ok(asset);
  const js = await fetch(`${api.baseUrl}${asset}`);
  assert.equal(js.status, 200);
  assert.match(js.headers.get('cache-control') ?? '', /immutable/);
  assert.equal((await fetch(`${api.baseUrl}/videos`)).status, 401, 'the page is open, the API is not');
});

test('a wrong key is refused with a clear message; the right one signs in with the keyboard only', async () => {
  const w = await openPage(browser, api.baseUrl);
  const { page } = w;
  await signIn(page, 'kc_this-is-not-a-key-of-anyone-at-all-000000000');
  await page.getByRole('alert').filter({ hasText: 'That API key was refused' }).waitFor();
  assert.equal(await page.evaluate("sessionStorage.getItem('keycast.apiKey')"), null, 'a refused key is not kept');
  await page.screenshot({ path: screenshotPath('sign-in-wrong-key') });

  // Keyboard only: Tab to the field (the focus ring shows), type, Enter.
  await page.getByRole('textbox', { name: 'API key' }).fill('');
  await page.getByRole('link', { name: 'keycast' }).focus();
  await page.keyboard.press('Tab');
  const ring = await page.getByRole('textbox', { name: 'API key' }).evaluate((el: any) => {
    const doc = el.ownerDocument;
    const style = doc.defaultView.getComputedStyle(el);
    return { focused: doc.activeElement === el, outline: style.outlineStyle as string, width: parseFloat(style.outlineWidth) };
  });
  assert.ok(ring.focused, 'Tab reaches the API key field');
  assert.ok(ring.outline !== 'none' && ring.width >= 2, `a visible focus ring: ${JSON.stringify(ring)}`);
  await page.keyboard.type(api.auth.key);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Videos' }).waitFor();
  assert.equal(await page.evaluate("sessionStorage.getItem('keycast.apiKey')"), api.auth.key);
  // The API saw the key used (last_used_at), and the one attempt with the wrong key changed nothing.
  const keys = await new ApiKeyRepository(api.deps.store.db).list({ tenant: 'test' });
  assert.ok(keys.find((k) => k.prefix === api.auth.key.slice(0, 8))?.lastUsedAt);
  assert.deepEqual(w.appErrors(), []);
  await w.context.close();
});

test('upload the clip with options, watch both progress bars, open its characters', async () => {
  const w = await openPage(browser, api.baseUrl);
  const { page } = w;
  await signIn(page, api.auth.key);
  await page.getByRole('heading', { name: 'Videos' }).waitFor();
  await page.screenshot({ path: screenshotPath('videos') });
  await page.getByLabel('Upload video').setInputFiles(clip.path);
  await page.getByRole('spinbutton', { name: 'Capture interval (seconds)' }).fill('0.75');
  await page.getByRole('button', { name: 'Upload', exact: true }).click();
  // The page goes to the video once the transfer is accepted, and follows its extraction.
  await page.waitForURL(/#\/videos\/[0-9a-f-]{36}$/);
  videoId = /#\/videos\/([0-9a-f-]{36})$/.exec(page.url())![1];
  const list = page.getByRole('list', { name: 'Characters' });
  await list.waitFor({ timeout: 300_000 });

  const video = await get(`/videos/${videoId}`);
  assert.equal(video.status, 'ready');
  assert.equal(video.options.capture_interval_sec, 0.75, 'the option chosen in the form reached the API');
  assert.equal(video.filename, clip.name);
  const clusters = await get(`/videos/${videoId}/clusters?sim=auto&faces_per_cluster=1000`);
  const items = list.getByRole('listitem');
  assert.equal(await items.count(), clusters.clusters.length, 'one list item per character of the API');
  assert.ok(clusters.clusters.length >= 2, `${clusters.clusters.length} characters`);
  // Sorted by screen time, with faces count and share as the API computes them.
  const top = [...clusters.clusters].sort((a: any, b: any) => b.screen_time_s - a.screen_time_s || b.size - a.size)[0];
  const first = await items.first().innerText();
  assert.match(first, new RegExp(`${top.size} faces`));
  assert.match(first, /Unknown/);
  assert.match(first, /% of the video/);
  // Faces have alt text and load through a media token (the page's images succeed).
  const img = items.first().getByRole('img');
  assert.equal(await img.getAttribute('alt'), 'Face of Unknown');
  // They load lazily, as each nears the viewport: each is brought into view in turn, so a list taller than the window
  // (17 characters on the demo-photo video, the last ones never loaded unscrolled) is checked whole.
  const thumbs = page.locator('.characters img');
  const n = await thumbs.count();
  assert.equal(n, clusters.clusters.length, 'a thumbnail per character');
  for (let i = 0; i < n; i++) {
    const thumb = thumbs.nth(i);
    await thumb.scrollIntoViewIfNeeded();
    await waitFor(async () => await thumb.evaluate((el: any) => el.complete && el.naturalWidth > 0), {
      timeoutMs: 20_000,
      what: `thumbnail ${i + 1} of ${n} loaded`,
    });
  }
  await items.first().scrollIntoViewIfNeeded();
  await page.screenshot({ path: screenshotPath('characters-1280'), fullPage: true });
  assert.ok(await fitsWidth(page), 'no sideways scrolling at 1280 px');
  await page.setViewportSize({ width: 390, height: 844 });
  assert.ok(await fitsWidth(page), 'no sideways scrolling at 390 px');
  await page.screenshot({ path: screenshotPath('characters-390'), fullPage: true });
  assert.deepEqual(w.errors, [], 'no console errors');
  await w.context.close();
});

test('the Similarity slider re-cuts live: the list follows the API at each value', async () => {
  const w = await openPage(browser, api.baseUrl);
  const { page } = w;
  await signIn(page, api.auth.key);
  await page.goto(`/#/videos/${videoId}`);
  const list = page.getByRole('list', { name: 'Characters' });
  await list.waitFor();
  const slider = page.getByRole('slider', { name: 'Similarity' });
  const counts: Record<string, number> = {};
  for (const [key, sim] of [
    ['Home', '0'],
    ['End', '1'],
  ] as const) {
    await slider.focus();
    await page.keyboard.press(key);
    const want = (await get(`/videos/${videoId}/clusters?sim=${sim}`)).clusters.length;
    await characterCount(page, want);
    counts[sim] = want;
  }
  assert.notEqual(counts['0'], counts['1'], `the two ends of the slider cut differently: ${JSON.stringify(counts)}`);
  // Back to auto: the count is the API's auto cut again, without a page load.
  await page.getByRole('checkbox', { name: 'Auto' }).check();
  const auto = (await get(`/videos/${videoId}/clusters?sim=auto&faces_per_cluster=1000`)).clusters.length;
  await characterCount(page, auto);
  assert.equal(await page.evaluate("performance.getEntriesByType('navigation').length"), 1, 'one page load');
  assert.deepEqual(w.errors, []);
  await w.context.close();
});

test('clicking a segment of the timeline plays the stored video from there (range requests)', async () => {
  const w = await openPage(browser, api.baseUrl);
  const { page } = w;
  const media: { status: number; range: string | null; contentRange: string | null }[] = [];
  page.on('response', (r) => {
    if (r.url().includes(`/videos/${videoId}/media`))
      media.push({ status: r.status(), range: r.request().headers().range ?? null, contentRange: r.headers()['content-range'] ?? null });
  });
  await signIn(page, api.auth.key);
  await page.goto(`/#/videos/${videoId}`);
  const list = page.getByRole('list', { name: 'Characters' });
  await list.waitFor();
  const clusters = await get(`/videos/${videoId}/clusters?sim=auto&faces_per_cluster=1000`);
  const top = [...clusters.clusters].sort((a: any, b: any) => b.screen_time_s - a.screen_time_s || b.size - a.size)[0];
  const [start] = top.segments[top.segments.length - 1] as [number, number];
  const segment = list
    .getByRole('listitem')
    .first()
    .getByRole('button', { name: /^Play Unknown from / })
    .last();
  // Where the player seeks to, recorded by the element itself as the seek starts (it then plays on, so currentTime
  // moves past it).
  await page.locator('video').evaluate((el: any) =>
    el.addEventListener(
      'seeking',
      () => {
        el.dataset.seekedTo = String(el.currentTime);
      },
      { once: true },
    ),
  );
  await segment.click();
  await waitFor(async () => (await page.locator('video').getAttribute('data-seeked-to')) !== null, { timeoutMs: 20_000, what: 'the player to seek' });
  await waitFor(async () => (await page.locator('video').evaluate((el: any) => el.seeking as boolean)) === false, {
    timeoutMs: 20_000,
    what: 'the seek to end',
  });
  const seekedTo = Number(await page.locator('video').getAttribute('data-seeked-to'));
  assert.ok(Math.abs(seekedTo - start) < 0.1, `seeked to ${seekedTo}, the segment starts at ${start}`);
  await waitFor(async () => (await page.locator('video').evaluate((el: any) => el.readyState as number)) >= 2, {
    timeoutMs: 20_000,
    what: 'a frame at the new position',
  });
  assert.ok(
    media.some((m) => m.status === 206 && /^bytes \d+-\d+\/\d+$/.test(m.contentRange ?? '')),
    `range answers: ${JSON.stringify(media)}`,
  );
  // The API serves what the player asked: a token URL, no key in it.
  const src = await page.locator('video').getAttribute('src');
  assert.match(src ?? '', /\/media\?token=m2\./);
  assert.ok(!(src ?? '').includes(api.auth.key));
  await page.screenshot({ path: screenshotPath('playback-1280') });

  // A character's faces: a virtualised grid of lazy thumbnails, each with alt text and a labelled checkbox.
  await list.getByRole('listitem').first().getByRole('button', { name: 'Faces' }).click();
  const panel = page.getByRole('region', { name: 'Faces of Unknown' });
  await panel.waitFor();
  const tiles = panel.getByRole('checkbox');
  // Its faces are fetched when it opens.
  await tiles.first().waitFor();
  assert.equal(await tiles.count(), await panel.locator('li').count(), 'one checkbox per rendered face');
  assert.ok((await tiles.count()) >= 1);
  assert.match((await panel.getByRole('img').first().getAttribute('alt')) ?? '', /^Face 1 at \d+:\d\d$/);
  assert.equal(await panel.getByRole('img').first().getAttribute('loading'), 'lazy');
  await tiles.first().check();
  await panel.getByText('1 selected').waitFor();
  await page.screenshot({ path: screenshotPath('faces-panel') });
  assert.deepEqual(w.errors, []);
  await w.context.close();
});

test('a video without faces and a failed video each say so clearly', async () => {
  const w = await openPage(browser, api.baseUrl);
  const { page } = w;
  await signIn(page, api.auth.key);
  await page.getByLabel('Upload video').setInputFiles(noFaces);
  await page.getByRole('button', { name: 'Upload', exact: true }).click();
  await page.waitForURL(/#\/videos\/[0-9a-f-]{36}$/);
  const emptyId = /#\/videos\/([0-9a-f-]{36})$/.exec(page.url())![1];
  await page.getByText('No faces were found in this video').waitFor({ timeout: 120_000 });
  const empty = await get(`/videos/${emptyId}`);
  assert.equal(empty.status, 'ready');
  assert.equal(empty.face_count, 0);

  // A video the worker gave up on (made in the store: no real upload fails on demand).
  const failed = await api.deps.store.videos.create({
    tenantId: api.auth.tenantId,
    options: empty.options,
    filename: 'broken.mp4',
    sourceKey: `videos/x/source.mp4`,
    sizeBytes: 10,
  });
  await api.deps.store.videos.markFailed(failed.id, 'DECODE_FAILED', 'ffmpeg could not decode frame 12');
  await page.goto(`/#/videos/${failed.id}`);
  await page.getByRole('alert').filter({ hasText: 'This video could not be analysed: ffmpeg could not decode frame 12 (DECODE_FAILED)' }).waitFor();
  await page.screenshot({ path: screenshotPath('failed-video') });
  assert.equal((await get(`/videos/${failed.id}`)).status, 'failed');
  // The list says why too.
  await page.goto('/#/');
  await page.getByText('Failed: ffmpeg could not decode frame 12 (DECODE_FAILED)').waitFor();
  assert.deepEqual(w.errors, []);

  // Delete asks first, then the API no longer has it.
  await page.getByRole('button', { name: 'Delete broken.mp4' }).click();
  await page.getByRole('button', { name: 'Yes, delete' }).click();
  await page.getByRole('link', { name: 'broken.mp4' }).waitFor({ state: 'detached' });
  assert.equal((await api.call('GET', `/videos/${failed.id}`)).status, 404);
  await w.context.close();
});

test('corrections through the people routes: rename, undo, merge, split, move a face, remove a face', async (t) => {
  if (!peopleRoutes) {
    t.skip('the people routes (issue 11) are not in this API yet');
    return;
  }
  const w = await openPage(browser, api.baseUrl);
  const { page } = w;
  await signIn(page, api.auth.key);
  await page.goto(`/#/videos/${videoId}`);
  const list = page.getByRole('list', { name: 'Characters' });
  await list.waitFor();
  const items = list.getByRole('listitem');
  type C = { faces: string[]; representative: string; size: number; person: { id: string; name: string | null } | null; screen_time_s: number };
  /** The API's characters in the page's order (screen time, then size). */
  const characters = async () =>
    ((await get(`/videos/${videoId}/clusters?sim=auto&faces_per_cluster=1000`)).clusters as C[]).sort(
      (a, b) => b.screen_time_s - a.screen_time_s || b.size - a.size,
    );
  const saved = (what: string) =>
    page
      .getByRole('status')
      .filter({ hasText: `Saved: ${what}` })
      .waitFor();
  const samePage = async () => characterCount(page, (await characters()).length);
  const panel = page.getByRole('region', { name: /^Faces of / });
  /** A character's list item, found by its representative face (the page re-sorts after each edit). */
  const itemOf = (c: C) => items.filter({ has: page.locator(`img[src*="/faces/${c.representative}/"]`) });
  /** Opens a character's faces (a panel open for it stays open). */
  const openFaces = async (c: C) => {
    await itemOf(c).waitFor();
    const button = itemOf(c).getByRole('button', { name: /faces$/i });
    if ((await button.innerText()) === 'Faces') await button.click();
    await panel.getByRole('checkbox').first().waitFor();
    assert.equal(await panel.getByRole('checkbox').count(), Math.min(c.faces.length, await panel.locator('li').count()));
    // The page re-cuts after each edit on its own schedule: give it a few seconds to show what the API says.
    const want = new RegExp(`\\(${c.faces.length}\\)$`);
    for (let i = 0; i < 50 && !want.test((await panel.getByRole('heading').innerText()) ?? ''); i++) await page.waitForTimeout(200);
    assert.match((await panel.getByRole('heading').innerText()) ?? '', want, 'the panel of that character');
  };

  // Rename: naming an unnamed cluster creates the person with its faces (Enter saves).
  const first = (await characters())[0];
  await items.first().getByRole('button', { name: 'Rename' }).click();
  await page.getByRole('textbox', { name: 'Name' }).fill('Hamilton');
  await page.getByRole('textbox', { name: 'Name' }).press('Enter');
  await list.getByRole('listitem').filter({ hasText: 'Hamilton' }).waitFor();
  const named = (await characters()).find((c) => c.person?.name === 'Hamilton');
  assert.ok(named?.person, 'the API has the person on a cluster');
  const personId = named.person.id;
  const person = await get(`/people/${personId}`);
  assert.deepEqual([...person.faces].sort(), [...first.faces].sort(), 'the person holds the faces of the renamed character');
  await page.screenshot({ path: screenshotPath('renamed') });

  // Undo: the person the rename created is gone again.
  await page.getByRole('button', { name: /^Undo rename/ }).click();
  await list.getByRole('listitem').filter({ hasText: 'Hamilton' }).waitFor({ state: 'detached' });
  assert.equal((await api.call('GET', `/people/${personId}`)).status, 404);
  assert.equal((await get('/people')).items.length, 0);

  // Merge the first two characters: one person holds both, and one cluster shows them.
  const [m1, m2] = await characters();
  await items.nth(0).getByRole('checkbox', { name: 'Select for merge' }).check();
  await items.nth(1).getByRole('checkbox', { name: 'Select for merge' }).check();
  await page.getByRole('button', { name: /^Merge selected/ }).click();
  await saved('merge');
  const afterMerge = await get('/people');
  assert.equal(afterMerge.items.length, 1, 'one person after the merge');
  const merged = await get(`/people/${afterMerge.items[0].id}`);
  assert.deepEqual([...merged.faces].sort(), [...m1.faces, ...m2.faces].sort());
  const together = (await characters()).find((c) => c.person?.id === merged.id);
  assert.ok(together && [...m1.faces, ...m2.faces].every((f) => together.faces.includes(f)), 'one cluster holds both');
  await samePage();

  // Split: one face of the merged character into a new person, the rest excluded from it.
  const top = (await characters()).find((c) => c.person?.id === merged.id)!;
  await openFaces(top);
  await panel.getByRole('checkbox').first().check();
  await page.screenshot({ path: screenshotPath('split') });
  await panel.getByRole('button', { name: 'Split selected into a new person' }).click();
  await saved('split');
  const splitOff = (await get('/people')).items.find((p: { id: string }) => p.id !== merged.id);
  assert.ok(splitOff, 'a new person');
  const part = await get(`/people/${splitOff.id}`);
  assert.equal(part.faces.length, 1);
  assert.deepEqual([...part.rejected].sort(), top.faces.filter((f) => f !== part.faces[0]).sort(), 'the rest is excluded from it');
  const cut = await characters();
  assert.ok(!cut.some((c) => c.faces.includes(part.faces[0]) && c.faces.includes(top.faces.find((f) => f !== part.faces[0])!)), 'the split face is apart');
  await samePage();

  // Move a face of the merged person to another character.
  const from = cut.find((c) => c.person?.id === merged.id)!;
  await openFaces(from);
  await panel.getByRole('checkbox').first().check();
  const target = await panel.getByRole('combobox', { name: 'Move to' }).inputValue();
  await panel.getByRole('button', { name: 'Move selected', exact: true }).click();
  await saved('move');
  const moved = from.faces[0];
  const holder = (await characters()).find((c) => c.faces.includes(moved))!;
  assert.ok(holder.person && holder.person.id !== merged.id, "the moved face is in another person's cluster");
  assert.ok((await get(`/people/${holder.person.id}`)).faces.includes(moved), 'and confirmed for that person');
  assert.ok(!(await get(`/people/${merged.id}`)).faces.includes(moved), "no longer the merged person's");
  assert.ok(target.length > 0);

  // Undo the move: the face is the merged person's again.
  await page.getByRole('button', { name: /^Undo move/ }).click();
  await page.getByRole('status').filter({ hasText: 'Undone: move' }).waitFor();
  assert.ok((await get(`/people/${merged.id}`)).faces.includes(moved), 'undo gives the face back');
  await samePage();

  // Remove a face from the merged person: it is rejected from it.
  const again = (await characters()).find((c) => c.person?.id === merged.id)!;
  await openFaces(again);
  const removed = again.faces[0];
  await panel.getByRole('checkbox').first().check();
  await panel.getByRole('button', { name: /^Remove selected from / }).click();
  await saved('remove');
  const after = await get(`/people/${merged.id}`);
  assert.ok(after.rejected.includes(removed) && !after.faces.includes(removed));
  assert.ok(!(await characters()).find((c) => c.person?.id === merged.id)!.faces.includes(removed));
  assert.deepEqual(w.errors, []);
  await w.context.close();
});

test('suggestions: "Is this X?" on a second video of the same people, accepted and declined through the people routes', async (t) => {
  if (!peopleRoutes || !videoId) {
    t.skip('needs the people routes and the uploaded clip');
    return;
  }
  // Start from no people, then name the two largest characters of the first video.
  for (const p of (await get('/people')).items as { id: string }[]) assert.equal((await api.call('DELETE', `/people/${p.id}`)).status, 204);
  type C = { faces: string[]; representative: string; person: { id: string } | null; suggestion: { person: { id: string; name: string | null } } | null };
  const firstCut = (await get(`/videos/${videoId}/clusters?sim=auto&faces_per_cluster=1000`)).clusters as C[];
  assert.ok(firstCut.length >= 2, 'two characters to name');
  const named: { id: string; name: string }[] = [];
  for (const [i, name] of ['Lead', 'Second'].entries()) {
    const r = await api.call('POST', '/people', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name, faces: firstCut[i].faces }),
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    named.push({ id: r.body.id, name });
  }
  // The same clip again: its characters are the named people, never confirmed in this video.
  const form = new FormData();
  form.append('file', new Blob([readFileSync(clip.path)]), clip.name);
  const up = await api.call('POST', '/videos', { method: 'POST', body: form });
  assert.equal(up.status, 202, JSON.stringify(up.body));
  const second = up.body.id as string;
  await waitFor(async () => (await get(`/videos/${second}`)).status === 'ready', { timeoutMs: 180_000, what: 'the second video ready' });
  const cut = async () => (await get(`/videos/${second}/clusters?sim=auto&faces_per_cluster=1000`)).clusters as C[];
  const suggested = (name: string) => async () => (await cut()).find((c) => !c.person && c.suggestion?.person.name === name);
  assert.ok(await suggested('Lead')(), 'the API suggests Lead in the second video');
  assert.ok(await suggested('Second')(), 'and Second');

  const w = await openPage(browser, api.baseUrl);
  const { page } = w;
  await signIn(page, api.auth.key);
  await page.goto(`/#/videos/${second}`);
  const list = page.getByRole('list', { name: 'Characters' });
  await list.waitFor();

  // Yes: the cluster's faces become the person's, and the cluster carries the person.
  const lead = (await suggested('Lead')())!;
  await list
    .getByRole('group', { name: /^Suggestion for / })
    .filter({ hasText: 'Is this Lead?' })
    .first()
    .getByRole('button', { name: 'Yes' })
    .click();
  await page.getByRole('status').filter({ hasText: 'Saved: accept Lead' }).waitFor();
  const person = await get(`/people/${named[0].id}`);
  assert.ok(
    lead.faces.every((f) => person.faces.includes(f)),
    'the accepted faces are confirmed for Lead',
  );
  assert.ok(
    (await cut()).some((c) => c.person?.id === named[0].id && lead.faces.every((f) => c.faces.includes(f))),
    'one cluster of the second video is Lead',
  );

  // No: the representative face is rejected from the person, and no cluster holding it is suggested as them again.
  const other = (await suggested('Second')())!;
  await list
    .getByRole('group', { name: /^Suggestion for / })
    .filter({ hasText: 'Is this Second?' })
    .first()
    .getByRole('button', { name: 'No' })
    .click();
  await page.getByRole('status').filter({ hasText: 'Saved: decline Second' }).waitFor();
  assert.ok((await get(`/people/${named[1].id}`)).rejected.includes(other.representative), 'the declined face is rejected from Second');
  assert.ok(!(await cut()).some((c) => c.faces.includes(other.representative) && (c.person?.id === named[1].id || c.suggestion?.person.id === named[1].id)));
  assert.deepEqual(w.errors, []);
  await w.context.close();
});

test('an expired session (revoked key) sends the page back to sign-in with a message', async () => {
  const other = await createTestKey(api.databaseUrl, 'test');
  const w = await openPage(browser, api.baseUrl);
  const { page } = w;
  await signIn(page, other.key);
  await page.getByRole('heading', { name: 'Videos' }).waitFor();
  const db = createPrismaClient(api.databaseUrl, { max: 1 });
  try {
    const keys = await new ApiKeyRepository(db).list({ tenant: 'test' });
    await new ApiKeyRepository(db).revoke(keys.find((k) => k.prefix === other.key.slice(0, 8))!.id);
  } finally {
    await db.$disconnect();
  }
  // The list's next poll gets 401.
  await page.getByRole('status').filter({ hasText: 'Your session has ended' }).waitFor({ timeout: 15_000 });
  await page.getByRole('textbox', { name: 'API key' }).waitFor();
  assert.equal(await page.evaluate("sessionStorage.getItem('keycast.apiKey')"), null);
  assert.equal((await fetch(`${api.baseUrl}/videos`, { headers: { authorization: `Bearer ${other.key}` } })).status, 401);
  await page.screenshot({ path: screenshotPath('session-ended') });
  assert.deepEqual(w.appErrors(), []);
  await w.context.close();
});

test('the API going away mid-session shows a banner, never a blank page', async () => {
  const w = await openPage(browser, api.baseUrl);
  const { page } = w;
  await signIn(page, api.auth.key);
  await page.goto(`/#/videos/${videoId}`);
  await page.getByRole('list', { name: 'Characters' }).waitFor();
  // Gone at once: open connections (the player's streaming range request) are cut, not drained.
  const closing = api.app.close();
  api.app.server.closeAllConnections();
  await closing;
  assert.equal(
    await fetch(`${api.baseUrl}/health`).then(
      () => 'up',
      () => 'down',
    ),
    'down',
    'the API is gone',
  );
  // The next call (a re-cut from the slider) fails: the banner says so, and what was on the page stays.
  await page.getByRole('slider', { name: 'Similarity' }).focus();
  await page.keyboard.press('ArrowLeft');
  await page.getByRole('alert').filter({ hasText: 'The keycast API cannot be reached' }).first().waitFor();
  assert.ok(await page.getByRole('list', { name: 'Characters' }).isVisible(), 'the characters stay on the page');
  await page.screenshot({ path: screenshotPath('api-gone') });
  assert.deepEqual(w.appErrors(), []);
  await w.context.close();
});
