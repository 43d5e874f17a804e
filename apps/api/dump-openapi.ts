// Writes the OpenAPI document to the given path (default: stdout). Used by scripts/generate.mjs for the SDK.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { openApiDocument } from './openapi.js';

const out = process.argv[2];
const json = JSON.stringify(await openApiDocument(), null, 2);
if (out) {
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, json);
} else process.stdout.write(json);
process.exit(0);
