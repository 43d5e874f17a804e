#!/usr/bin/env node
// Runs the TypeScript CLI through tsx, so `npx keycast` works right after `npm ci` with no build step.
// The Prisma client (needed by `keycast apikey`) is generated here when install did not make it; when
// it cannot be, scripts/generate.mjs prints one line (`keycast: NOT_GENERATED: …`) and the CLI stops.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

const root = fileURLToPath(new URL('..', import.meta.url));
if (process.argv[2] === 'apikey' && !existsSync(`${root}libs/store/generated/client.ts`)) {
  const r = spawnSync(process.execPath, [`${root}scripts/generate.mjs`, '--prisma-only'], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
register();
await import('../apps/cli/main.ts');
