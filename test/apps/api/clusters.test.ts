import { test, before, after } from 'node:test';
import { randomUUID } from 'node:crypto';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { DEFAULT_CLUSTER, DEFAULT_EXTRACT, resolveClusterOptions } from '../../../libs/config/index.js';
import { clusterFaces } from '../../../libs/flow/index.js';
import { ClusterService } from '../../../libs/services/index.js';
import { createClient } from '../../../libs/sdk/index.js';
import { CharacterFaces, fetchCharacterFaces, fetchCharacters, STEP_FACES } from '../../../apps/web/src/cluster-faces.js';
import type { FaceRecord } from '../../../libs/pipeline/types.js';
import { startApi, type RunningApi } from '../../e2e/support/api.js';
import { sql } from '../../e2e/support/services.js';
import { linkageKeyOf, storedLinkageKeys } from '../../helpers/linkages.js';

// Three synthetic people: fingerprints drawn around three well-separated centres, 12/8/5 faces, plus 1 outlier.
const SIZES = [12, 8, 5];
let api: RunningApi;
let videoId: string;
let pendingId: string;

function rng(seed: number) {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

function around(centre: Float32Array, r: () => number, noise: number): Float32Array {
  return centre.map((c) => c + (r() - 0.5) * noise);
}

async function jpeg(colour: number): Promise<Buffer> {
  return sharp({ create: { width: 24, height: 24, channels: 3, background: { r: colour, g: 80, b: 160 } } })
    .jpeg()
    .toBuffer();
}

before(async () => {
  api = await startApi('keycast_test_api_clusters');
  const { store } = api.deps;
  const r = rng(7);
  const centres = [0, 1, 2, 3].map(() => ({
    face: Float32Array.from({ length: 128 }, () => r() * 2 - 1),
    cloth: Float32Array.from({ length: 128 }, () => r() * 2 - 1),
  }));
  const faces: FaceRecord[] = [];
  let frame = 0;
  const img = await jpeg(200);
  SIZES.forEach((n, p) => {
    for (let i = 0; i < n; i++) {
      faces.push({
        frame: frame * 30,
        k: 0,
        t: frame,
        box: [10, 10, 40, 40],
        score: 0.9,
        face: around(centres[p].face, r, 0.1),
        cloth: around(centres[p].cloth, r, 0.1),
        thumbnail: img,
        body: img,
      });
      frame++;
    }
  });
  faces.push({ frame: frame * 30, k: 0, t: frame, box: [5, 5, 20, 20], score: 0.6, face: centres[3].face, cloth: centres[3].cloth, thumbnail: img, body: img });
  const v = await store.videos.create({
    tenantId: api.auth.tenantId,
    options: { ...DEFAULT_EXTRACT },
    sourceKey: 'videos/s/source',
    sizeBytes: 1,
    filename: 'synthetic.mp4',
    probe: { path: 'synthetic.mp4', duration_s: 30, fps: 30, width: 640, height: 360, rotation: 0, codec: 'h264', frame_count: 900 },
  });
  videoId = v.id;
  await store.segments.ensure(v.id, [{ idx: 0, startS: 0, endS: 30 }]);
  await store.writeFaceBatch(v.id, 0, faces, { frames: faces.length, faces: faces.length, t: 26, fraction: 1 });
  await new ClusterService(store).storeDefaultLinkage(v.id);
  await store.videos.markReady(v.id, { faceCount: faces.length, frameCount: faces.length, timings: {} });
  pendingId = (await store.videos.create({ tenantId: api.auth.tenantId, options: { ...DEFAULT_EXTRACT }, sourceKey: 'videos/p/source', sizeBytes: 1 })).id;
});
after(async () => {
  await api?.close();
});

/** The linkages row key of some options (libs/flow linkageKey, as text). */
const rowKey = (o: Record<string, unknown>, w = '1,1') => linkageKeyOf({ ...o, face_cloth_weights: w });
const linkageRows = () => storedLinkageKeys(api.databaseUrl, videoId);

test('GET /videos/:id/clusters: the three people, same labels as clusterFaces on the stored fingerprints, thumbnails as URLs', async () => {
  const r = await api.call('GET', `/videos/${videoId}/clusters`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(
    r.body.clusters.map((c: { size: number }) => c.size),
    SIZES,
  );
  assert.equal(r.body.faces.length, 26);
  assert.equal(r.body.unclustered.length, 1, 'the outlier is below min_csize 2');
  assert.equal(r.body.linkage_cached, true, 'the worker cached the default linkage');
  assert.equal('linkage' in r.body, false, 'no internal field');
  assert.equal(r.body.params.sim, DEFAULT_CLUSTER.sim);
  assert.equal(r.body.params.capture_interval_sec, DEFAULT_EXTRACT.capture_interval_sec);
  assert.equal(r.body.video.duration_s, 30);
  const f0 = r.body.faces[0];
  assert.equal(f0.thumbnail, `/faces/${f0.id}/thumbnail`);
  assert.deepEqual(f0.box, [10, 10, 40, 40]);
  // Same partition as the library computes from the same fingerprints.
  const fps = await api.deps.store.faces.loadFingerprints(videoId);
  const { labels } = clusterFaces(fps, resolveClusterOptions({}));
  const byId = new Map(r.body.faces.map((f: { id: string; cluster: number | null }) => [f.id, f.cluster]));
  const pairs = (ls: (number | null)[]) => ls.flatMap((a, i) => ls.slice(i + 1).map((b) => a !== null && a === b));
  assert.deepEqual(pairs(fps.map((f) => byId.get(f.publicId) as number | null)), pairs(labels));
  const big = r.body.clusters[0];
  assert.equal(big.screen_time_s > 0, true);
  assert.equal(big.representative_thumbnail, `/faces/${big.representative}/thumbnail`);
  // key characters: the flag on every cluster, key ones first; the gate only re-cuts (no new linkage)
  assert.ok(r.body.clusters.every((c: { key: unknown }) => typeof c.key === 'boolean'));
  const keys = r.body.clusters.map((c: { key: boolean }) => c.key);
  assert.deepEqual(
    keys,
    [...keys].sort((a, b) => Number(b) - Number(a)),
    'key characters first',
  );
  const strict = await api.call('GET', `/videos/${videoId}/clusters?key_min_s=1000&key_min_share=1`);
  assert.equal(strict.status, 200, JSON.stringify(strict.body));
  assert.ok(strict.body.clusters.every((c: { key: boolean }) => c.key === false));
  assert.equal(strict.body.linkage_cached, true, 'the gate cuts the cached tree');
  const loose = await api.call('GET', `/videos/${videoId}/clusters?key_min_s=0`);
  assert.ok(loose.body.clusters.every((c: { key: boolean }) => c.key === true));
  assert.equal((await api.call('GET', `/videos/${videoId}/clusters?key_min_share=2`)).status, 400);
});

test('a new sim only cuts the cached linkage (no new row); new weights or method compute and cache one', async () => {
  assert.deepEqual(await linkageRows(), [rowKey({})]);
  const hi = await api.call('GET', `/videos/${videoId}/clusters?sim=0.99&min_csize=1`);
  assert.equal(hi.status, 200);
  assert.equal(hi.body.linkage_cached, true);
  assert.ok(hi.body.clusters.length > 3, 'sim near 1 splits');
  const lo = await api.call('GET', `/videos/${videoId}/clusters?sim=0&merge=false`);
  assert.equal(lo.body.clusters.length, 1, 'sim 0 = one cluster');
  const auto = await api.call('GET', `/videos/${videoId}/clusters?sim=auto`);
  assert.equal(auto.status, 200);
  assert.equal(auto.body.linkage_cached, true, 'a number and "auto" cut the same tree');
  assert.deepEqual(await linkageRows(), [rowKey({})]);

  const w = await api.call('GET', `/videos/${videoId}/clusters?face_cloth_weights=1,0.5`);
  assert.equal(w.status, 200);
  assert.equal(w.body.linkage_cached, false);
  const m = await api.call('GET', `/videos/${videoId}/clusters?method=complete`);
  assert.equal(m.body.linkage_cached, false);
  assert.deepEqual(await linkageRows(), [rowKey({}), rowKey({}, '1,0.5'), rowKey({ method: 'complete' })]);
  const again = await api.call('GET', `/videos/${videoId}/clusters?method=complete&sim=0.5`);
  assert.equal(again.body.linkage_cached, true);
  assert.equal((await linkageRows()).length, 3);
});

test('cannot_link, tracks, quality_weighting and shot_aware shape the tree: each setting computes and caches its own linkage; the reference flow keeps its old key', async () => {
  const before = (await linkageRows()).length;
  const seen = new Set(await linkageRows());
  for (const q of [
    'cannot_link=false',
    'tracks=true',
    'quality_weighting=false',
    'shot_aware=false',
    'sim=0.4&cannot_link=false&tracks=false&quality_weighting=false&shot_aware=false',
  ]) {
    const r = await api.call('GET', `/videos/${videoId}/clusters?${q}`);
    assert.equal(r.status, 200, `${q}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.linkage_cached, false, q);
    assert.deepEqual(
      r.body.clusters.map((c: { size: number }) => c.size),
      SIZES,
      `${q}: the three people`,
    );
    const again = await api.call('GET', `/videos/${videoId}/clusters?${q}&min_csize=1`);
    assert.equal(again.body.linkage_cached, true, `${q}: cached`);
    for (const k of await linkageRows()) seen.add(k);
  }
  assert.equal((await linkageRows()).length, before + 5);
  assert.ok(
    seen.has(JSON.stringify({ shape: { flow: 'reference', face_cloth_weights: [1, 1], method: 'average' }, people: null })),
    "the reference flow's linkage is stored under its method and weights alone",
  );
  const params = (await api.call('GET', `/videos/${videoId}/clusters?tracks=true&sim=auto`)).body.params;
  assert.equal(params.tracks, true);
  assert.equal(params.sim, 'auto');
  assert.equal(params.cannot_link, DEFAULT_CLUSTER.cannot_link);
});

test('clusters: 409 VIDEO_NOT_READY while not ready, 404 unknown video, 400 bad parameters (named)', async () => {
  const pending = await api.call('GET', `/videos/${pendingId}/clusters`);
  assert.equal(pending.status, 409);
  assert.equal(pending.body.error.code, 'VIDEO_NOT_READY');
  assert.match(pending.body.error.message, /queued/);
  const missing = await api.call('GET', '/videos/00000000-0000-4000-8000-000000000000/clusters');
  assert.equal(missing.status, 404);
  for (const [q, re] of [
    ['sim=1.5', /sim/],
    ['method=ward', /method/],
    ['min_csize=0', /min_csize/],
    ['face_cloth_weights=1', /face_cloth_weights/],
    ['face_cloth_weights=0,0', /face_cloth_weights/],
    ['simm=0.5', /simm/],
    ['iterations=x', /iterations/],
    ['sim=automatic', /sim/],
    ['tracks=maybe', /tracks/],
    ['cannot_link=2', /cannot_link/],
  ] as const) {
    const r = await api.call('GET', `/videos/${videoId}/clusters?${q}`);
    assert.equal(r.status, 400, q);
    assert.equal(r.body.error.code, 'INVALID_OPTION', q);
    assert.match(r.body.error.message, re, q);
  }
});

test('GET /videos/:id/faces: time order, cursor pages, cluster filter consistent with /clusters', async () => {
  const all: any[] = [];
  let cursor: string | null = null;
  do {
    const r: any = await api.call('GET', `/videos/${videoId}/faces?limit=10${cursor ? `&cursor=${cursor}` : ''}`);
    assert.equal(r.status, 200);
    all.push(...r.body.items);
    cursor = r.body.next_cursor;
  } while (cursor);
  assert.equal(all.length, 26);
  assert.deepEqual(
    all.map((f) => f.t),
    [...all.map((f) => f.t)].sort((a, b) => a - b),
  );
  const clusters = (await api.call('GET', `/videos/${videoId}/clusters`)).body;
  for (const c of clusters.clusters) {
    const r = await api.call('GET', `/videos/${videoId}/faces?cluster=${c.id}&limit=1000`);
    assert.deepEqual(r.body.items.map((f: { id: string }) => f.id).sort(), [...c.faces].sort());
    assert.ok(r.body.items.every((f: { cluster: number }) => f.cluster === c.id));
  }
  const un = await api.call('GET', `/videos/${videoId}/faces?cluster=unclustered`);
  assert.deepEqual(
    un.body.items.map((f: { id: string }) => f.id),
    clusters.unclustered,
  );
  const pend = await api.call('GET', `/videos/${pendingId}/faces?cluster=0`);
  assert.equal(pend.status, 409);
  const pendList = await api.call('GET', `/videos/${pendingId}/faces`);
  assert.equal(pendList.status, 200);
  assert.deepEqual(pendList.body.items, []);
  assert.equal((await api.call('GET', `/videos/${videoId}/faces?cluster=abc`)).status, 400);
  assert.equal((await api.call('GET', `/videos/${videoId}/faces?limit=0`)).status, 400);
});

/** Every face of a cluster from its embedded page on: follows faces_next, then each page's next_cursor, `limit` at a time. */
async function pageThrough(c: { faces: string[]; faces_next: string | null }, limit: number): Promise<string[]> {
  const ids = [...c.faces];
  let next = c.faces_next;
  while (next) {
    const u = new URL(next, 'http://x');
    u.searchParams.set('limit', String(limit));
    const r = await api.call('GET', `${u.pathname}${u.search}`);
    assert.equal(r.status, 200, `${next}: ${JSON.stringify(r.body)}`);
    assert.ok(r.body.items.length <= limit);
    ids.push(...r.body.items.map((f: { id: string }) => f.id));
    if (r.body.next_cursor) u.searchParams.set('cursor', r.body.next_cursor);
    next = r.body.next_cursor ? `${u.pathname}${u.search}` : null;
  }
  return ids;
}

test('GET /videos/:id/clusters?faces_per_cluster=N: each cluster embeds its first N faces (time order), size counts all, faces_next pages the rest once each', async () => {
  const all = (await api.call('GET', `/videos/${videoId}/clusters?faces_per_cluster=1000`)).body;
  // The faces of each cluster before any paging: the labels of every face of the video.
  const members = (b: any, id: number) => b.faces.filter((f: { cluster: number | null }) => f.cluster === id).map((f: { id: string }) => f.id);
  for (const c of all.clusters) {
    assert.equal(c.faces_next, null, 'all embedded: nothing to page');
    assert.deepEqual(c.faces, members(all, c.id), 'in time order, the order of /faces');
  }
  const byDefault = (await api.call('GET', `/videos/${videoId}/clusters`)).body;
  assert.ok(
    byDefault.clusters.every((c: { faces: string[] }) => c.faces.length <= 20),
    'the default embeds at most 20',
  );
  for (const n of [3, 1, 0]) {
    const r = await api.call('GET', `/videos/${videoId}/clusters?faces_per_cluster=${n}`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(
      r.body.clusters.map((c: { size: number }) => c.size),
      SIZES,
      'size counts every face, not the embedded ones',
    );
    for (const c of r.body.clusters) {
      const want = members(all, c.id);
      assert.deepEqual(c.faces, want.slice(0, n), `faces_per_cluster=${n}: exactly the first ${n}`);
      assert.equal(c.faces_next === null, c.size <= n);
      if (c.faces_next) assert.match(c.faces_next, new RegExp(`^/videos/${videoId}/faces\\?cluster=${c.id}(&|$)`));
      const paged = await pageThrough(c, 2);
      assert.deepEqual(paged, want, `faces_per_cluster=${n}, cluster ${c.id}: every face once, in order`);
      assert.equal(new Set(paged).size, c.size, 'no duplicates');
    }
  }
  // Non-default clustering parameters travel with faces_next, so its cluster id names the same cluster of the same cut.
  const q = 'sim=0.9&min_csize=1&cannot_link=false';
  const fine = (await api.call('GET', `/videos/${videoId}/clusters?${q}&faces_per_cluster=1000`)).body;
  const cut = (await api.call('GET', `/videos/${videoId}/clusters?${q}&faces_per_cluster=1`)).body;
  assert.ok(cut.clusters.length > 3, 'sim near 1 splits');
  let paged = 0;
  for (const c of cut.clusters) {
    if (c.size > 1) {
      assert.match(c.faces_next, /[?&]sim=0.9(&|$)/);
      assert.match(c.faces_next, /[?&]min_csize=1(&|$)/);
      assert.match(c.faces_next, /[?&]cannot_link=false(&|$)/);
      paged++;
    }
    assert.deepEqual(await pageThrough(c, 1000), members(fine, c.id), `cluster ${c.id} of the fine cut`);
  }
  assert.ok(paged > 0, `some cluster of the fine cut was paged: sizes ${cut.clusters.map((c: { size: number }) => c.size)}`);
});

test('GET /videos/:id/clusters?faces_limit=N and the unclustered faces: every list of the answer is paged like /faces, none grows with the video', async () => {
  const all = (await api.call('GET', `/videos/${videoId}/clusters?faces_per_cluster=1000`)).body;
  assert.equal(all.face_count, 26);
  assert.equal(all.faces.length, 26, 'the default holds up to 1000');
  assert.equal(all.faces_next, null);
  assert.equal(all.unclustered_count, 1);
  assert.deepEqual(
    all.unclustered,
    all.faces.filter((f: { cluster: number | null }) => f.cluster === null).map((f: { id: string }) => f.id),
  );
  assert.equal(all.unclustered_next, null);
  const labelOf = new Map(all.faces.map((f: { id: string; cluster: number | null }) => [f.id, f.cluster]));
  for (const n of [5, 1, 0]) {
    const r = await api.call('GET', `/videos/${videoId}/clusters?faces_limit=${n}&faces_per_cluster=0`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.face_count, 26, 'face_count counts every face');
    assert.deepEqual(
      r.body.faces.map((f: { id: string }) => f.id),
      all.faces.slice(0, n).map((f: { id: string }) => f.id),
      `faces_limit=${n}: exactly the first ${n} in time order`,
    );
    assert.match(r.body.faces_next, new RegExp(`^/videos/${videoId}/faces(\\?|$)`));
    // Each later page carries the faces' clusters of the same cut: the labels of the unbounded answer.
    const u = new URL(r.body.faces_next, 'http://x');
    u.searchParams.set('limit', '4');
    const seen: string[] = r.body.faces.map((f: { id: string }) => f.id);
    for (;;) {
      const p = await api.call('GET', `${u.pathname}${u.search}`);
      assert.equal(p.status, 200, JSON.stringify(p.body));
      for (const f of p.body.items) {
        assert.equal(f.cluster, labelOf.get(f.id), `face ${f.id}: the cluster of the same cut`);
        seen.push(f.id);
      }
      if (!p.body.next_cursor) break;
      u.searchParams.set('cursor', p.body.next_cursor);
    }
    assert.deepEqual(
      seen,
      all.faces.map((f: { id: string }) => f.id),
      `faces_limit=${n}: every face once, in order`,
    );
    // faces_per_cluster=0 bounds the unclustered faces too: the one outlier is linked, not embedded.
    assert.equal(r.body.unclustered_count, 1);
    assert.deepEqual(r.body.unclustered, []);
    assert.match(r.body.unclustered_next, /[?&]cluster=unclustered(&|$)/);
    assert.deepEqual(await pageThrough({ faces: r.body.unclustered, faces_next: r.body.unclustered_next }, 2), all.unclustered);
  }
  for (const v of ['-1', '1001', 'x']) {
    const r = await api.call('GET', `/videos/${videoId}/clusters?faces_limit=${v}`);
    assert.equal(r.status, 400, v);
    assert.equal(r.body.error.message, `faces_limit must be an integer in [0, 1000], got ${JSON.stringify(v)}`);
  }
});

test('faces_per_cluster: 400 INVALID_OPTION with what it must be and what was sent', async () => {
  for (const v of ['-1', '1001', '1.5', 'abc', '']) {
    const r = await api.call('GET', `/videos/${videoId}/clusters?faces_per_cluster=${v}`);
    assert.equal(r.status, 400, v);
    assert.equal(r.body.error.code, 'INVALID_OPTION', v);
    assert.equal(r.body.error.message, `faces_per_cluster must be an integer in [0, 1000], got ${JSON.stringify(v)}`);
  }
  const twice = await api.call('GET', `/videos/${videoId}/clusters?faces_per_cluster=1&faces_per_cluster=2`);
  assert.equal(twice.status, 400);
  assert.match(twice.body.error.message, /faces_per_cluster/);
  const elsewhere = await api.call('GET', `/videos/${videoId}/faces?faces_per_cluster=1`);
  assert.equal(elsewhere.status, 400, 'a /clusters parameter, not one of /faces');
  assert.equal(elsewhere.body.error.code, 'INVALID_OPTION');
  assert.match(elsewhere.body.error.message, /unknown parameter "faces_per_cluster"/);
});

test("the review app's data (apps/web cluster-faces): a step's few faces per character, each character's faces on demand, the faces of the full cut", async () => {
  const client = createClient({ baseUrl: api.baseUrl, auth: api.auth.key });
  const full = (await api.call('GET', `/videos/${videoId}/clusters?sim=0.9&faces_per_cluster=1000`)).body.clusters;
  const step = await fetchCharacters(client, videoId, 0.9);
  assert.ok('clusters' in step);
  assert.deepEqual(
    step.clusters.map((c) => [c.id, c.size, c.representative, c.screen_time_s, c.segments]),
    full.map((c: any) => [c.id, c.size, c.representative, c.screen_time_s, c.segments]),
    'the same characters as the full answer',
  );
  assert.ok(step.clusters.every((c) => c.faces.length <= STEP_FACES));
  assert.deepEqual(step.faces, [], 'no face list in a step');
  const faces = new CharacterFaces(client, videoId, 0.9);
  for (const [i, c] of step.clusters.entries()) {
    assert.deepEqual(await faces.ids(c), full[i].faces, `every face of cluster ${c.id}`);
    assert.deepEqual(
      (await faces.faces(c)).map((f) => f.id),
      full[i].faces,
    );
  }
  // Pages of at most 1,000: a character is complete however many faces it has (its cursor continues the cut).
  const paged = await fetchCharacterFaces(client, videoId, 0.9, step.clusters[0]);
  assert.equal(paged.length, full[0].size);
  assert.ok(
    paged.every((f, i) => i === 0 || f.t >= paged[i - 1].t),
    'time order',
  );
});

test('GET /faces/:id/thumbnail: the stored JPEG bytes; body kind; 404 unknown; 400 not an id', async () => {
  const face = (await api.deps.store.faces.loadFingerprints(videoId))[0];
  const res = await fetch(`${api.baseUrl}/faces/${face.publicId}/thumbnail`, { headers: api.auth.headers });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'image/jpeg');
  const bytes = Buffer.from(await res.arrayBuffer());
  assert.equal(Buffer.compare(bytes, await api.deps.store.files.read(face.thumbKey)), 0);
  assert.equal((await sharp(bytes).metadata()).format, 'jpeg');
  const body = await fetch(`${api.baseUrl}/faces/${face.publicId}/thumbnail?kind=body`, { headers: api.auth.headers });
  assert.equal(body.status, 200);
  const missing = await api.call('GET', `/faces/${randomUUID()}/thumbnail`);
  assert.equal(missing.status, 404);
  assert.equal(missing.body.error.code, 'NOT_FOUND');
  assert.equal((await api.call('GET', '/faces/abc/thumbnail')).status, 400);
  assert.equal((await api.call('GET', `/faces/${face.publicId}/thumbnail?kind=hand`)).status, 400);
});

test('face images are private: no shared or lasting cache (Cache-Control private, no-store; Vary: Authorization), thumbnails and montage', async () => {
  const face = (await api.deps.store.faces.loadFingerprints(videoId))[0];
  for (const path of [`/faces/${face.publicId}/thumbnail`, `/faces/${face.publicId}/thumbnail?kind=body`, `/videos/${videoId}/montage.png`]) {
    const res = await fetch(`${api.baseUrl}${path}`, { headers: api.auth.headers });
    assert.equal(res.status, 200, path);
    const cc = (res.headers.get('cache-control') ?? '').split(',').map((s) => s.trim());
    assert.ok(cc.includes('private') && cc.includes('no-store'), `${path}: cache-control ${res.headers.get('cache-control')}`);
    assert.ok(!cc.includes('public') && !cc.some((d) => d.startsWith('max-age') || d === 'immutable'), path);
    assert.ok(
      (res.headers.get('vary') ?? '')
        .toLowerCase()
        .split(/\s*,\s*/)
        .includes('authorization'),
      `${path}: vary ${res.headers.get('vary')}`,
    );
  }
});

test('face ids are random public ids (UUIDs), never the sequential database key: lists, cluster reports, thumbnail URLs', async () => {
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
  const keys = await sql<{ id: string; public_id: string }>(api.databaseUrl, 'SELECT id::text, public_id::text FROM faces WHERE video_id = $1 ORDER BY id', [
    videoId,
  ]);
  assert.equal(keys.length, 26);
  const r = await api.call('GET', `/videos/${videoId}/clusters`);
  const list = await api.call('GET', `/videos/${videoId}/faces?limit=1000`);
  const shown: string[] = [
    ...r.body.faces.map((f: { id: string }) => f.id),
    ...r.body.clusters.flatMap((c: { faces: string[]; representative: string }) => [...c.faces, c.representative]),
    ...r.body.unclustered,
    ...list.body.items.map((f: { id: string }) => f.id),
  ];
  for (const id of shown) assert.match(id, uuid);
  assert.deepEqual(new Set(shown), new Set(keys.map((k) => k.public_id)));
  const urls = [
    ...r.body.faces.map((f: { thumbnail: string }) => f.thumbnail),
    ...r.body.clusters.map((c: { representative_thumbnail: string }) => c.representative_thumbnail),
    ...list.body.items.flatMap((f: { thumbnail: string; body: string }) => [f.thumbnail, f.body]),
  ];
  for (const u of urls) assert.match(u, /^\/faces\/[0-9a-f-]{36}\/thumbnail(\?kind=body)?$/);
  // The internal key reaches nothing: as a path parameter it is not an id at all.
  const byKey = await api.call('GET', `/faces/${keys[0].id}/thumbnail`);
  assert.equal(byKey.status, 400);
  assert.equal(byKey.body.error.code, 'INVALID_OPTION');
  // Two faces stored one after the other share no prefix a client could count on.
  assert.notEqual(keys[0].public_id.slice(0, 8), keys[1].public_id.slice(0, 8));
});

test('GET /videos/:id/montage.png: a PNG one tile column per cluster; 409 while not ready', async () => {
  const res = await fetch(`${api.baseUrl}/videos/${videoId}/montage.png?tile=32`, { headers: api.auth.headers });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'image/png');
  const meta = await sharp(Buffer.from(await res.arrayBuffer())).metadata();
  assert.equal(meta.format, 'png');
  assert.equal(meta.width, 3 * 32);
  const pending = await api.call('GET', `/videos/${pendingId}/montage.png`);
  assert.equal(pending.status, 409);
  assert.equal(pending.body.error.code, 'VIDEO_NOT_READY');
});
