/**
 * The review app at a real video's size, timed in Debian's Chromium (playwright-core): a ready video of 10,000
 * real-descriptor faces (test/e2e/support/large-video.ts, its tree cached) served by a real API on loopback.
 *
 *   node --import tsx bench/review-app.ts [--n 10000] [--steps 20] [--opens 5] [--record]
 *
 * Rows: opening the video (navigation to its page → the characters listed), a Similarity slider step (key press →
 * the new cut's list rendered, the list's data-cut), the requests and bytes of a step (the page's fetch/XHR calls),
 * and opening a character's faces. Reference in the same run: one no-op round trip to the page (what driving the
 * browser costs on this load). With --record the table replaces the section of bench/RESULTS.md.
 */
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import type { Request } from 'playwright-core';
import { launchChromium, openPage } from '../test/apps/web/browser.js';
import { startApi } from '../test/e2e/support/api.js';
import { largeVideoMissing, seedLargeVideo } from '../test/e2e/support/large-video.js';
import { REPO_ROOT } from '../test/e2e/support/services.js';
import { replaceResultsSection } from './results-file.js';
import { numberArg as arg, percentile as pct } from './measure.js';

const SECTION = "## Review app at a real video's size (10,000 faces, Chromium)";

async function main(): Promise<void> {
  const n = arg('--n', 10_000);
  const steps = arg('--steps', 20);
  const opens = arg('--opens', 5);
  const missing = largeVideoMissing();
  if (missing) throw new Error(missing);
  const load0 = loadavg();
  const api = await startApi(`keycast_bench_review${process.env.KEYCAST_TEST_DB_SUFFIX ?? ''}`, { rateLimitMax: 0 });
  const browser = await launchChromium();
  const open: number[] = [];
  const step: number[] = [];
  const stepCalls: number[] = [];
  const stepBytes: number[] = [];
  const faces: number[] = [];
  const ref: number[] = [];
  let characters: number | undefined;
  try {
    const video = await seedLargeVideo(api.deps.store, api.databaseUrl, { tenantId: api.auth.tenantId, n });
    const w = await openPage(browser, api.baseUrl);
    const { page } = w;
    const calls: { url: string; bytes: Promise<number> }[] = [];
    page.on('request', (r: Request) => {
      if (r.resourceType() === 'fetch' || r.resourceType() === 'xhr')
        calls.push({ url: r.url(), bytes: r.response().then(async (res) => (res ? (await res.body()).length : 0)) });
    });
    await page.goto('/');
    await page.getByRole('textbox', { name: 'API key' }).fill(api.auth.key);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Videos' }).waitFor();
    const list = page.locator('[aria-label="Characters"]');
    for (let i = 0; i < opens + 1; i++) {
      await page.goto('/#/');
      await page.getByRole('heading', { name: 'Videos' }).waitFor();
      const t0 = performance.now();
      await page.goto(`/#/videos/${video.id}`);
      await page.locator('[aria-label="Characters"][data-cut="auto"]').waitFor({ timeout: 60_000 });
      if (i > 0) open.push(performance.now() - t0); // the first open warms the API's caches
    }
    characters = await page.locator('[aria-label="Characters"] > li').count();
    const slider = page.getByRole('slider', { name: 'Similarity' });
    await slider.focus();
    for (let i = 0; i < steps; i++) {
      const key = i % 10 < 5 ? 'ArrowLeft' : 'ArrowRight';
      const before = calls.length;
      const t0 = performance.now();
      await page.keyboard.press(key);
      const sim = await slider.inputValue();
      await page.locator(`[aria-label="Characters"][data-cut="${Number(sim)}"]`).waitFor({ timeout: 30_000 });
      step.push(performance.now() - t0);
      await page.waitForTimeout(300);
      const mine = calls.slice(before);
      stepCalls.push(mine.length);
      stepBytes.push((await Promise.all(mine.map((c) => c.bytes))).reduce((a, b) => a + b, 0));
      const r0 = performance.now();
      await list.waitFor();
      ref.push(performance.now() - r0);
    }
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      await list.locator('> li').nth(i).getByRole('button', { name: 'Faces' }).click();
      await page
        .getByRole('region', { name: /^Faces of / })
        .getByRole('checkbox')
        .first()
        .waitFor({ timeout: 30_000 });
      faces.push(performance.now() - t0);
      await page.getByRole('button', { name: 'Close faces' }).click();
    }
    await w.context.close();
  } finally {
    await browser.close();
    await api.close();
  }
  const load1 = loadavg();
  const f = (x: number) => x.toFixed(0);
  const table = [
    SECTION,
    '',
    `Command: \`node --import tsx bench/review-app.ts --record\` (n = ${n}, ${steps} slider steps, ${opens} opens). Recorded ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${cpus().length} cores shared with other sessions (load average ${load0.map((x) => x.toFixed(1)).join(', ')} before, ${load1.map((x) => x.toFixed(1)).join(', ')} after); Chromium headless, API in the same process as the bench. Node ${process.version}.`,
    '',
    '| what | p50 | p95 | max |',
    '|---|---:|---:|---:|',
    `| open the video: navigation → characters listed (ms) | ${f(pct(open, 0.5))} | ${f(pct(open, 0.95))} | ${f(Math.max(...open))} |`,
    `| slider step: key press → new list rendered (ms) | ${f(pct(step, 0.5))} | ${f(pct(step, 0.95))} | ${f(Math.max(...step))} |`,
    `| slider step: API requests | ${pct(stepCalls, 0.5)} | ${pct(stepCalls, 0.95)} | ${Math.max(...stepCalls)} |`,
    `| slider step: KB of JSON | ${(pct(stepBytes, 0.5) / 1024).toFixed(0)} | ${(pct(stepBytes, 0.95) / 1024).toFixed(0)} | ${(Math.max(...stepBytes) / 1024).toFixed(0)} |`,
    `| open a character's faces: click → first tiles (ms) | ${f(pct(faces, 0.5))} | ${f(pct(faces, 0.95))} | ${f(Math.max(...faces))} |`,
    `| reference: one no-op round trip to the page (ms) | ${f(pct(ref, 0.5))} | ${f(pct(ref, 0.95))} | ${f(Math.max(...ref))} |`,
    '',
    `Characters rendered at first: ${characters} (the list renders a window and adds more as it scrolls).`,
  ].join('\n');
  process.stdout.write(`${table}\n`);
  if (process.argv.includes('--record'))
    replaceResultsSection(join(REPO_ROOT, 'bench/RESULTS.md'), SECTION, table, '<!-- review-app notes -->', '<!-- /review-app notes -->');
}

await main();
