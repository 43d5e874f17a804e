import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { threadId } from 'node:worker_threads';
import { readTfjsWeights, type TfjsWeights } from './tfjs-weights.js';

const HERE = dirname(fileURLToPath(import.meta.url));

/**
 * Where built graphs are kept: the install's node_modules/.cache (where tools keep what they can rebuild), or
 * KEYCAST_MODEL_CACHE; "off" builds every time. Building a graph from face-api's weights takes ~1 s of CPU per
 * worker thread and process, which on a short video was most of the pipeline's start.
 */
function cacheDir(): string | null {
  const env = process.env.KEYCAST_MODEL_CACHE;
  if (env === 'off') return null;
  return env || join(HERE, '../../../node_modules/.cache/keycast/onnx');
}

/** What a built graph is made of: the weights (manifest and shards) and this folder's code that turns them into one. */
function sourceHash(modelDir: string, manifest: string): string {
  const h = createHash('sha256');
  const m = readFileSync(join(modelDir, manifest));
  h.update(m);
  for (const g of JSON.parse(m.toString('utf8')) as { paths: string[] }[]) for (const p of g.paths) h.update(readFileSync(join(modelDir, p)));
  for (const f of readdirSync(HERE)
    .filter((n) => /\.[cm]?[jt]s$/.test(n))
    .sort())
    h.update(f).update(readFileSync(join(HERE, f)));
  return h.digest('hex').slice(0, 20);
}

/**
 * The ONNX bytes of the net whose weights `manifest` lists: read back when this exact build was kept, else built and
 * kept (written under another name, then renamed, so a concurrent reader never sees half a file; older builds of the
 * same net are removed). A cache that cannot be written (a read-only install) only means building each time.
 */
export function cachedModel(modelDir: string, manifest: string, build: () => Uint8Array): Uint8Array {
  const dir = cacheDir();
  if (!dir) return build();
  const net = manifest.replace(/-weights_manifest\.json$/, '');
  const name = `${net}-${sourceHash(modelDir, manifest)}.onnx`;
  try {
    // A view, not `new Uint8Array(buffer)`: that copies element by element, ~150-200 ms for the 22 MB SSD graph.
    const b = readFileSync(join(dir, name));
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  } catch {
    // Not built yet.
  }
  const bytes = build();
  try {
    mkdirSync(dir, { recursive: true });
    const tmp = join(dir, `${name}.${process.pid}.${threadId}.tmp`);
    writeFileSync(tmp, bytes);
    renameSync(tmp, join(dir, name));
    for (const old of readdirSync(dir)) if (old.startsWith(`${net}-`) && old.endsWith('.onnx') && old !== name) rmSync(join(dir, old), { force: true });
  } catch {
    // Not writable: the next start builds again.
  }
  return bytes;
}

/** {@link cachedModel} of a net built from its face-api weights alone (the SSD detector also reads its anchors from them). */
export function cachedNet(modelDir: string, manifest: string, build: (weights: TfjsWeights) => Uint8Array): Uint8Array {
  return cachedModel(modelDir, manifest, () => build(readTfjsWeights(modelDir, manifest)));
}
