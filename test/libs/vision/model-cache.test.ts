// Built ONNX graphs are kept between starts (libs/vision/onnx/model-cache.ts): a start reads the kept bytes instead of
// building the graph again, and a kept build of other weights or code is never read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cachedModel } from '../../../libs/vision/onnx/model-cache.js';
import { MODEL_DIR } from '../../../libs/vision/models.js';

const MANIFEST = 'face_landmark_68_model-weights_manifest.json';

test('cachedModel builds once, then reads the same bytes back; a missing build is built again; "off" always builds', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'keycast-model-cache-'));
  const before = process.env.KEYCAST_MODEL_CACHE;
  t.after(() => {
    if (before === undefined) delete process.env.KEYCAST_MODEL_CACHE;
    else process.env.KEYCAST_MODEL_CACHE = before;
    rmSync(dir, { recursive: true, force: true });
  });
  process.env.KEYCAST_MODEL_CACHE = dir;
  let builds = 0;
  const build = () => {
    builds++;
    return Uint8Array.from([1, 2, 3, builds]);
  };
  assert.deepEqual([...cachedModel(MODEL_DIR, MANIFEST, build)], [1, 2, 3, 1]);
  assert.deepEqual([...cachedModel(MODEL_DIR, MANIFEST, build)], [1, 2, 3, 1], 'the kept bytes, not a new build');
  assert.equal(builds, 1);
  const kept = readdirSync(dir);
  assert.equal(kept.length, 1, `one file, no temporary left: ${kept.join(', ')}`);
  assert.match(kept[0], /^face_landmark_68_model-[0-9a-f]{20}\.onnx$/);
  // A build of other code or weights has another name: it is never read, and a new build replaces it.
  rmSync(join(dir, kept[0]));
  assert.deepEqual([...cachedModel(MODEL_DIR, MANIFEST, build)], [1, 2, 3, 2]);
  process.env.KEYCAST_MODEL_CACHE = 'off';
  cachedModel(MODEL_DIR, MANIFEST, build);
  assert.equal(builds, 3, 'off: built every time');
});
