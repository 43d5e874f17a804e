import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Every regular file under `root` (recursively), as paths relative to it; [] when root does not exist. */
export function filesUnder(root: string): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath ?? (d as unknown as { path: string }).path, d.name).slice(root.length + 1))
    .sort();
}
