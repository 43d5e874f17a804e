import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createFrameAnalyzer, detectFaces, initBackend, loadFaceModels, tf } from '../../../libs/vision/index.js';
import { FACE_API_DEMO, SHARED_DATA, needsSharedData } from '../../helpers/paths.js';
import { readRgb } from '../../helpers/images.js';

before(async () => {
  const b = await initBackend();
  assert.ok(['tensorflow', 'wasm', 'cpu'].includes(b.name));
  await loadFaceModels();
});

async function facesIn(path: string, maxFaces = 100, pad = 0) {
  const { rgb, width, height } = await readRgb(path, pad);
  const image = tf.tensor3d(new Uint8Array(rgb), [height, width, 3], 'int32');
  try {
    return await detectFaces(image, { minScore: 0.5, maxFaces });
  } finally {
    image.dispose();
  }
}

test('finds the faces of a real group photo, with 128-d descriptors', async () => {
  const r = await facesIn(join(FACE_API_DEMO, 'sample1.jpg'));
  assert.ok(r.count >= 3, `found ${r.count} faces`);
  assert.equal(r.faces.length, r.count);
  for (const f of r.faces) {
    assert.equal(f.descriptor.length, 128);
    assert.ok(f.score >= 0.5 && f.box[2] > 10 && f.box[3] > 10);
  }
});

test('crowd frames skip descriptors but report the count', async () => {
  const r = await facesIn(join(FACE_API_DEMO, 'sample1.jpg'), 2);
  assert.ok(r.count > 2);
  assert.equal(r.faces.length, 0);
});

test('descriptors put the same person nearer than others (dlib johns, nearest neighbour)', { skip: needsSharedData() }, async () => {
  const root = join(SHARED_DATA, 'faces/johns');
  const people = readdirSync(root).sort();
  const items: { who: string; d: Float32Array }[] = [];
  for (const who of people) {
    for (const file of readdirSync(join(root, who)).sort().slice(0, 3)) {
      const r = await facesIn(join(root, who, file), 100, 75);
      if (r.faces[0]) items.push({ who, d: r.faces[0].descriptor });
    }
  }
  assert.ok(items.length >= 12, `descriptors for ${items.length} chips`);
  let correct = 0;
  for (const a of items) {
    let best: { who: string; dist: number } = { who: '', dist: Infinity };
    for (const b of items) {
      if (a === b) continue;
      const dist = Math.sqrt(a.d.reduce((s, v, i) => s + (v - b.d[i]) ** 2, 0));
      if (dist < best.dist) best = { who: b.who, dist };
    }
    if (best.who === a.who) correct++;
  }
  assert.ok(correct / items.length >= 0.9, `nearest-neighbour accuracy ${correct}/${items.length}`);
});

test('frame analyzer returns faces with clothing vectors and JPEG thumbnails', async () => {
  const { rgb, width, height } = await readRgb(join(FACE_API_DEMO, 'sample2.jpg'));
  const analyze = createFrameAnalyzer({ minScore: 0.5, maxFaces: 100, clothEncoder: 'cnn' });
  const r = await analyze({ rgb, width, height });
  assert.ok(r.faces.length >= 1);
  for (const f of r.faces) {
    assert.equal(f.cloth.length, 128);
    assert.deepEqual([...f.thumbnail.subarray(0, 3)], [0xff, 0xd8, 0xff]);
    assert.deepEqual([...f.body.subarray(0, 3)], [0xff, 0xd8, 0xff]);
  }
});
