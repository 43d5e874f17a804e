// When a generated output is stale: shared by generate.mjs and build-web.mjs.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The newest modification time (ms) of the given files and, recursively, of the files in the given folders. */
export function newest(paths) {
  let m = 0;
  for (const p of paths) {
    if (!existsSync(p)) continue;
    const s = statSync(p);
    if (s.isDirectory()) m = Math.max(m, newest(readdirSync(p).map((n) => join(p, n))));
    else m = Math.max(m, s.mtimeMs);
  }
  return m;
}

/** True when `output` exists and is newer than every input, unless KEYCAST_FORCE_GENERATE=1. */
export function upToDate(output, inputs) {
  return process.env.KEYCAST_FORCE_GENERATE !== '1' && existsSync(output) && statSync(output).mtimeMs >= newest(inputs);
}
