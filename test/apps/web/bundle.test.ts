// The review app's bundle holds no server code: the build fails on any import of a Node built-in (apps/web's
// browser-only plugin), and the real app builds with no warning at all. Builds go to a temporary folder, never to
// apps/web/dist, which the API serves.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, createLogger, type InlineConfig } from 'vite';
import { REPO_ROOT } from '../../helpers/paths.js';

const configFile = join(REPO_ROOT, 'apps/web/vite.config.mjs');
let tmp: string;

before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'keycast-bundle-'));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

/** Builds with the app's own config into `outDir`; resolves to every warning and error Vite logged. */
async function viteBuild(outDir: string, extra: InlineConfig['build'] = {}): Promise<string[]> {
  const logged: string[] = [];
  const logger = createLogger('warn', { allowClearScreen: false });
  logger.warn = (msg) => void logged.push(msg);
  logger.warnOnce = (msg) => void logged.push(msg);
  logger.error = (msg) => void logged.push(msg);
  // The bundler's own notices ("externalized for browser compatibility" among them) come through onLog, not the logger.
  const onLog = (level: string, log: { message: string }) => void logged.push(`${level}: ${log.message}`);
  await build({
    configFile,
    customLogger: logger,
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true, ...extra, rollupOptions: { ...extra.rollupOptions, onLog } },
  });
  return logged;
}

test('the review app builds with no warning, and its bundle imports nothing of Node', async () => {
  const out = join(tmp, 'app');
  const logged = await viteBuild(out);
  assert.deepEqual(logged, [], 'no "externalized for browser compatibility" notice nor any other warning');
  const js = readdirSync(join(out, 'assets')).filter((f) => f.endsWith('.js'));
  assert.equal(js.length, 1);
  const code = readFileSync(join(out, 'assets', js[0]), 'utf8');
  assert.ok(code.length > 10_000, 'the page is in it');
  assert.doesNotMatch(code, /__vite-browser-external|["']node:/);
});

test("an entry reaching Node code (the SDK's Node face: webhook signing, node:crypto) fails the build", async () => {
  const entry = join(tmp, 'entry.ts');
  writeFileSync(entry, `import { verifyWebhook } from '${join(REPO_ROOT, 'libs/sdk/node.js')}';\nconsole.log(verifyWebhook);\n`);
  await assert.rejects(viteBuild(join(tmp, 'bad'), { rollupOptions: { input: entry } }), (e: Error) => {
    assert.match(e.message, /Node-only import "node:[a-z/]+" in the browser bundle, imported by .*libs\/(webhooks|config)\//);
    return true;
  });
});

test('a bare Node built-in (no node: prefix) fails the build too', async () => {
  const entry = join(tmp, 'bare.ts');
  writeFileSync(entry, "import { readFileSync } from 'fs';\nconsole.log(readFileSync);\n");
  await assert.rejects(viteBuild(join(tmp, 'bare'), { rollupOptions: { input: entry } }), /Node-only import "fs" in the browser bundle/);
});
