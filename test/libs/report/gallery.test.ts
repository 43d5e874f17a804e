import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { KeycastError } from '../../../libs/config/index.js';
import { renderGallery, summarizeClusters, thumbnailsFromDir, type AnalysisResult, type ResultFace } from '../../../libs/report/index.js';

const samplePhoto = fileURLToPath(new URL('../../../node_modules/@vladmandic/face-api/demo/sample1.jpg', import.meta.url));

/** Real photo crops as thumbnails: face k is a 120×120 crop at a different place in sample1.jpg. */
async function makeThumbs(ids: number[]): Promise<Map<number, Buffer>> {
  const m = new Map<number, Buffer>();
  for (const id of ids) {
    m.set(
      id,
      await sharp(samplePhoto)
        .extract({ left: (id * 97) % 1700, top: (id * 53) % 1100, width: 120, height: 120 })
        .resize(64, 64)
        .jpeg({ quality: 80 })
        .toBuffer(),
    );
  }
  return m;
}

function fixture(): AnalysisResult {
  const mk = (id: number, t: number, cluster: number | null, side = 40): ResultFace => ({
    id,
    t,
    frame: Math.round(t * 25),
    box: [100, 50, side, side],
    score: 0.9,
    cluster,
    thumbnail: `faces/${id}.jpg`,
  });
  const faces = [mk(1, 2, 3), mk(2, 3, 3, 80), mk(3, 10, 3), mk(4, 11, 3), mk(5, 12, 3), mk(6, 13, 3), mk(7, 14, 3), mk(8, 5, 1), mk(9, 6, 1), mk(10, 7, null)];
  return {
    video: { path: '/videos/<script>alert(1)</script>&"clip".mp4', duration_s: 20, fps: 25, width: 1280, height: 720 },
    params: { capture_interval_sec: 1, sim: 0.63, min_csize: 2, method: 'average', note: '"><img src=x onerror=alert(1)>' },
    faces,
    clusters: summarizeClusters(faces, { sample_interval_s: 1, duration_s: 20 }),
    unclustered: [10],
    timings: { total_ms: 1500.25 },
  };
}

test('gallery: one card per cluster in order, timeline segments placed over the duration', async () => {
  const result = fixture();
  assert.deepEqual(
    result.clusters.map((c) => [c.id, c.segments]),
    [
      [
        3,
        [
          [2, 4],
          [10, 15],
        ],
      ],
      [1, [[5, 7]]],
    ],
  );
  const thumbs = await makeThumbs(result.faces.map((f) => f.id));
  const html = await renderGallery(result, (id) => thumbs.get(id)!);

  assert.equal(html.match(/<section class="cluster"/g)?.length, 2);
  assert.ok(html.indexOf('id="cluster-3"') < html.indexOf('id="cluster-1"'));
  // [2, 4] and [10, 15] over 20 s; [5, 7] over 20 s.
  assert.ok(html.includes('style="left:10%;width:10%"'));
  assert.ok(html.includes('style="left:50%;width:25%"'));
  assert.ok(html.includes('style="left:25%;width:10%"'));
  assert.equal(html.match(/class="seg"/g)?.length, 3);
  assert.ok(html.includes('<dd>7 s (35% of the video)</dd>'), 'screen time of cluster 3');
  assert.ok(html.includes('alt="representative face 2"'), 'the 80-px face represents cluster 3');
  const unclustered = html.slice(html.indexOf('<section class="unclustered"'));
  assert.equal(unclustered.match(/<figure/g)?.length, 1);
  assert.ok(unclustered.includes('alt="face 10"'));
  assert.ok(unclustered.includes('<figcaption>0:07.0</figcaption>'));
});

test('gallery: self-contained, every image inlined byte for byte, no external resources', async () => {
  const result = fixture();
  const thumbs = await makeThumbs(result.faces.map((f) => f.id));
  const html = await renderGallery(result, (id) => thumbs.get(id)!);

  assert.doesNotMatch(html, /https?:\/\//i);
  assert.doesNotMatch(html, /<(link|script|iframe|object|embed)\b/i);
  assert.doesNotMatch(html, /url\(/i);
  const srcs = [...html.matchAll(/\bsrc="([^"]*)"/g)].map((m) => m[1]);
  // 9 clustered faces + 2 representatives + 1 unclustered.
  assert.equal(srcs.length, 12);
  assert.ok(srcs.every((s) => s.startsWith('data:image/jpeg;base64,')));
  const fig = html.match(/<img src="data:image\/jpeg;base64,([^"]+)" alt="face 4"/);
  assert.ok(fig, 'face 4 is shown');
  assert.deepEqual(Buffer.from(fig[1], 'base64'), thumbs.get(4));
});

test('gallery: escapes strings from the result', async () => {
  const result = fixture();
  const thumbs = await makeThumbs(result.faces.map((f) => f.id));
  const html = await renderGallery(result, (id) => thumbs.get(id)!);
  assert.doesNotMatch(html, /<script/i);
  assert.ok(html.includes('/videos/&lt;script&gt;alert(1)&lt;/script&gt;&amp;&quot;clip&quot;.mp4'));
  assert.ok(!html.includes('"><img src=x'));
  assert.ok(html.includes('&quot;&gt;&lt;img src=x onerror=alert(1)&gt;'));
});

test('gallery: other image formats are re-encoded as PNG; unknown faces and bad thumbnails are INVALID_FILE', async () => {
  const result = fixture();
  const tiff = await sharp({ create: { width: 8, height: 8, channels: 3, background: { r: 1, g: 2, b: 3 } } })
    .tiff()
    .toBuffer();
  const html = await renderGallery(result, () => tiff);
  const srcs = [...html.matchAll(/\bsrc="([^"]*)"/g)].map((m) => m[1]);
  assert.equal(srcs.length, 12);
  assert.ok(srcs.every((s) => s.startsWith('data:image/png;base64,')));

  const broken = { ...result, unclustered: [10, 99] };
  await assert.rejects(
    renderGallery(broken, () => tiff),
    (e: unknown) => e instanceof KeycastError && e.code === 'INVALID_FILE' && e.message.includes('99'),
  );
  await assert.rejects(
    renderGallery(result, () => Buffer.from('garbage')),
    (e: unknown) => e instanceof KeycastError && e.code === 'INVALID_FILE',
  );
});

test('gallery: no clusters and no unclustered faces still renders a valid page', async () => {
  const html = await renderGallery({ ...fixture(), faces: [], clusters: [], unclustered: [] }, () => Buffer.alloc(0));
  assert.ok(html.startsWith('<!DOCTYPE html>'));
  assert.ok(html.includes('No clusters.'));
  assert.equal(html.match(/<img/g), null);
});

test('thumbnailsFromDir reads relative paths inside the output dir and refuses escapes', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'keycast-report-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'faces'));
  writeFileSync(join(dir, 'faces', '1.jpg'), Buffer.from([0xff, 0xd8, 0xff, 1, 2, 3]));
  writeFileSync(join(dir, 'secret.txt'), 'x');
  const faces = [
    { id: 1, thumbnail: 'faces/1.jpg' },
    { id: 2, thumbnail: '../secret.txt' },
    { id: 3, thumbnail: '/etc/passwd' },
    { id: 4, thumbnail: 'faces/../../x' },
  ] as ResultFace[];
  const src = thumbnailsFromDir({ faces }, dir);
  assert.deepEqual(await src(1), Buffer.from([0xff, 0xd8, 0xff, 1, 2, 3]));
  for (const id of [2, 3, 4]) {
    await assert.rejects(Promise.resolve(src(id)), (e: unknown) => e instanceof KeycastError && e.code === 'INVALID_FILE');
  }
  await assert.rejects(Promise.resolve(src(42)), (e: unknown) => e instanceof KeycastError && e.code === 'NOT_FOUND');
});
