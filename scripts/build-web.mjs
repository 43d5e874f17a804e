#!/usr/bin/env node
// Builds the review app (apps/web, Vite + Preact) into apps/web/dist, which the API serves at /. Run by
// `npm run generate` (so by `npm test`), `npm run build:web` and `npm run start:api`; skipped when the bundle is
// newer than its sources and the SDK it calls (KEYCAST_FORCE_GENERATE=1 forces it). The bundle is never committed.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { upToDate } from './freshness.mjs';

const root = resolve(new URL('..', import.meta.url).pathname);
const web = join(root, 'apps/web');
const stamp = join(web, 'dist/index.html');

const inputs = [
  join(web, 'src'),
  join(web, 'index.html'),
  join(web, 'vite.config.mjs'),
  join(web, 'browser-only.mjs'),
  join(root, 'libs/sdk'),
  join(root, 'scripts/build-web.mjs'),
];
if (upToDate(stamp, inputs)) process.exit(0);
if (!existsSync(join(root, 'libs/sdk/generated/index.ts'))) {
  console.error('build-web: the SDK is not generated yet: run `npm run generate` first');
  process.exit(1);
}
const { build } = await import('vite');
await build({ configFile: join(web, 'vite.config.mjs'), logLevel: 'warn' });
