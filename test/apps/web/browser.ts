// Debian's Chromium driven by playwright-core (no browser download): headless, no sandbox (CI runs as root), nothing
// that phones home. Each page records its console errors and uncaught exceptions, which the tests assert on.
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { REPO_ROOT } from '../../e2e/support/services.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium (.ci/run does), or set CHROMIUM_PATH`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

export interface WatchedPage {
  context: BrowserContext;
  page: Page;
  /** Console errors and uncaught exceptions so far. */
  errors: string[];
  /** Errors other than the browser's own "Failed to load resource" lines (what an expected 401 or a dead API prints). */
  appErrors(): string[];
}

export async function openPage(browser: Browser, baseUrl: string, width = 1280, height = 900): Promise<WatchedPage> {
  const context = await browser.newContext({ baseURL: baseUrl, viewport: { width, height } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(`uncaught: ${e.message}`));
  return { context, page, errors, appErrors: () => errors.filter((e) => !e.startsWith('Failed to load resource')) };
}

/**
 * Screenshots of the main screens: into docs/screenshots (committed, linked from the README) when
 * KEYCAST_WRITE_SCREENSHOTS=1, else into a temporary folder, so a test run leaves the checkout clean.
 */
export function screenshotPath(name: string): string {
  const dir = process.env.KEYCAST_WRITE_SCREENSHOTS === '1' ? join(REPO_ROOT, 'docs/screenshots') : join(tmpdir(), 'keycast-screenshots');
  mkdirSync(dir, { recursive: true });
  return join(dir, `${name}.png`);
}

/** True when nothing on the page is wider than the viewport (no sideways scrolling). */
export async function fitsWidth(page: Page): Promise<boolean> {
  return page.evaluate<boolean>('document.documentElement.scrollWidth <= window.innerWidth');
}

/** Opens the app and signs in with an API key (what a user types); a good key lands on the videos list. */
export async function signIn(page: Page, key: string): Promise<void> {
  await page.goto('/');
  await page.getByRole('textbox', { name: 'API key' }).fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
}
