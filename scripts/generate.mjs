#!/usr/bin/env node
// Code generation that a fresh clone needs before tests or start-up (outputs are gitignored):
//   1. the Prisma client (libs/store/generated) from prisma/schema.prisma — offline: Prisma's CLI
//      would download a schema engine it does not need for `generate`, so point it at /bin/true;
//   2. the API's OpenAPI document (apps/api/dump-openapi.ts → libs/sdk/generated/openapi.json) and the
//      TypeScript SDK generated from it by @hey-api/openapi-ts (libs/sdk/generated, exported by libs/sdk/index.ts);
//      skipped with --prisma-only;
//   3. the review app's bundle (apps/web/dist, scripts/build-web.mjs), which calls the API through that SDK.
// Each step is skipped when its output is newer than its inputs (set KEYCAST_FORCE_GENERATE=1 to force).
// It runs at install (package.json's postinstall, with --postinstall: a step whose generator is not
// installed, as under `npm ci --omit=dev`, is skipped there and never fails the install) and again at
// start (scripts/start.mjs, bin/keycast.js, prestart:*), where an output that is missing and cannot be
// made is one line, `keycast: NOT_GENERATED: …`, and exit 1.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { upToDate } from './freshness.mjs';

const root = resolve(new URL('..', import.meta.url).pathname);
const prismaOnly = process.argv.includes('--prisma-only');
const postinstall = process.argv.includes('--postinstall');

/** An output that cannot be made: fatal at start, a note at install (the start retries it). */
function cannotGenerate(what, missingTool) {
  const line = `keycast: NOT_GENERATED: ${what} cannot be generated: ${missingTool} is not installed (it is a devDependency: run npm ci, then npm run generate)`;
  if (postinstall) {
    process.stderr.write(`${line}; skipped at install\n`);
    return;
  }
  process.stderr.write(`${line}\n`);
  process.exit(1);
}

function run(cmd, args, env = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

const prismaStamp = join(root, 'libs/store/generated/client.ts');
const prismaCli = join(root, 'node_modules/prisma/build/index.js');
if (!upToDate(prismaStamp, [join(root, 'prisma/schema.prisma'), join(root, 'prisma.config.ts')]) && !existsSync(prismaCli)) {
  // A stale client still runs; a missing one does not.
  if (!existsSync(prismaStamp)) cannotGenerate('the Prisma client (libs/store/generated)', 'prisma');
} else if (!upToDate(prismaStamp, [join(root, 'prisma/schema.prisma'), join(root, 'prisma.config.ts')])) {
  run(process.execPath, [prismaCli, 'generate'], {
    PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY || '/bin/true',
    PRISMA_HIDE_UPDATE_MESSAGE: '1',
  });
}

const dumper = join(root, 'apps/api/dump-openapi.ts');
const sdkDir = join(root, 'libs/sdk/generated');
const sdkStamp = join(sdkDir, 'index.ts');
const sdkGenerator = join(root, 'node_modules/@hey-api/openapi-ts/bin/run.js');
const sdkStale =
  !prismaOnly && existsSync(dumper) && !upToDate(sdkStamp, [join(root, 'apps/api'), join(root, 'libs/config'), join(root, 'scripts/generate.mjs')]);
if (sdkStale && !existsSync(sdkGenerator)) {
  if (!existsSync(sdkStamp)) cannotGenerate('the API SDK (libs/sdk/generated)', '@hey-api/openapi-ts');
} else if (sdkStale) {
  // The generator empties its output folder: the document is written beside it first, then kept inside.
  const tmp = mkdtempSync(join(tmpdir(), 'keycast-openapi-'));
  const spec = join(tmp, 'openapi.json');
  run(process.execPath, ['--import', 'tsx', dumper, spec]);
  const sdkSpec = join(tmp, 'openapi-sdk.json');
  writeFileSync(sdkSpec, JSON.stringify(oneBodyPerOperation(JSON.parse(readFileSync(spec, 'utf8')))));
  run(process.execPath, [sdkGenerator, '-i', sdkSpec, '-o', sdkDir, '-c', '@hey-api/client-fetch', '--silent'], { NODE_NO_WARNINGS: '1' });
  copyFileSync(spec, join(sdkDir, 'openapi.json'));
  patchDomTypes(join(sdkDir, 'client/client.gen.ts'));
  rmSync(tmp, { recursive: true, force: true });
}

// The review app (apps/web) calls the API through that SDK: built after it, when stale (scripts/build-web.mjs).
if (!prismaOnly) run(process.execPath, [join(root, 'scripts/build-web.mjs')]);

// @hey-api/openapi-ts reads one media type per request body, JSON whenever an operation lists it
// (hey-api/hey-api#2311). POST /videos takes multipart/form-data (a `file`, or a `url` field) or JSON (a `url`):
// the SDK keeps the form, which does both, so an SDK upload stays an upload. The served document lists both.
function oneBodyPerOperation(doc) {
  for (const ops of Object.values(doc.paths ?? {})) {
    for (const op of Object.values(ops)) {
      const content = op?.requestBody?.content;
      if (content?.['multipart/form-data'] && content['application/json']) delete content['application/json'];
    }
  }
  return doc;
}

// The fetch client names DOM's BodyInit; this project compiles without the DOM lib, where Node's
// global Response still says what a body may be.
function patchDomTypes(file) {
  if (!existsSync(file)) return;
  const src = readFileSync(file, 'utf8');
  if (!/\bBodyInit\b/.test(src) || src.includes('type BodyInit =')) return;
  writeFileSync(file, `type BodyInit = NonNullable<ConstructorParameters<typeof Response>[0]>;\n${src}`);
}
