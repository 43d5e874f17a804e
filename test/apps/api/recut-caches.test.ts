// The re-cut's caches (cuts kept per (video, tree, options); suggestions per cut and people state) are caches only:
// every answer equals the one computed from scratch, and a people edit shows in the very next answer.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startApi, type RunningApi } from '../../e2e/support/api.js';
import { seedReadyVideo, type SeedFace } from '../../e2e/support/seed.js';
import { sql } from '../../e2e/support/services.js';
import { DEFAULT_CLUSTER } from '../../../libs/config/index.js';

let api: RunningApi;
let first: string;
let second: string;

function rng(seed: number) {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

/** 180 faces of 6 people (the same people in every video of this seed), 2 per frame. */
function faces(seed: number): SeedFace[] {
  const centres = rng(3);
  const people = Array.from({ length: 6 }, () => ({
    face: Array.from({ length: 128 }, () => centres() * 2 - 1),
    cloth: Array.from({ length: 128 }, () => centres() * 2 - 1),
  }));
  const r = rng(seed);
  return Array.from({ length: 180 }, (_, i) => {
    const p = people[Math.floor(r() * people.length)];
    const frame = Math.floor(i / 2);
    return {
      frame,
      k: i % 2,
      t: frame * 0.5,
      // Faces of 100 px: recognised at the normal threshold (libs/recognition's quality gate refuses small ones).
      box: [120 * (i % 2), 10, 100, 100],
      score: 0.9,
      face: p.face.map((x) => x + (r() - 0.5) * 0.25),
      cloth: p.cloth.map((x) => x + (r() - 0.5) * 0.25),
    };
  });
}

before(async () => {
  // Trees of these 180 faces are computed in the request (an edit needs a new one).
  api = await startApi('keycast_test_recut_caches', { rateLimitMax: 0, syncLinkageMaxFaces: 1000 });
  const probe = { duration_s: 45, fps: 2, width: 640, height: 360, rotation: 0, codec: 'h264', frame_count: 90 };
  first = (await seedReadyVideo(api.deps.store, { tenantId: api.auth.tenantId, filename: 'a.mp4', probe, faces: faces(1) })).id;
  second = (await seedReadyVideo(api.deps.store, { tenantId: api.auth.tenantId, filename: 'b.mp4', probe, faces: faces(2) })).id;
});

after(async () => {
  await api?.close();
});

/** An answer of GET /videos/:id/clusters without what legitimately differs between two identical requests. */
async function answer(video: string, query: string) {
  const r = await api.call('GET', `/videos/${video}/clusters?${query}`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const { timings: _t, linkage_cached: _l, ...rest } = r.body as Record<string, unknown>;
  return rest;
}

/** POST /people with a name and public face ids: 201, the person's id. */
async function createPerson(name: string, faces: string[]) {
  const created = await api.call('POST', '/people', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, faces }),
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return created;
}

/** The same request with every cache of this process dropped first: computed from the stored tree. */
async function fresh(video: string, query: string) {
  api.deps.clusters.forget(video);
  return answer(video, query);
}

const QUERIES = ['sim=auto', 'sim=0.3', 'sim=0.5&faces_per_cluster=3', 'sim=0.7&faces_limit=10', 'sim=0.5&min_csize=4', 'sim=0.5&merge=true'];

test('every cut, hot or cold, in any order: the answer of the computation from scratch (clusters, ids, faces, people, suggestions)', async () => {
  const expected = new Map<string, unknown>();
  for (const q of QUERIES) expected.set(q, await fresh(first, q));
  for (const q of [...QUERIES, ...QUERIES.toReversed(), ...QUERIES]) assert.deepEqual(await answer(first, q), expected.get(q), q);
  // The pages of one cut (a cluster's faces_next) come from that cut: the same faces as the full answer embeds.
  const full = (await answer(first, 'sim=0.5&faces_per_cluster=1000')) as { clusters: { id: number; faces: string[] }[] };
  for (const c of full.clusters) {
    const page = await api.call('GET', `/videos/${first}/faces?sim=0.5&cluster=${c.id}&limit=1000`);
    assert.deepEqual(
      page.body.items.map((f: { id: string }) => f.id),
      c.faces,
      `cluster ${c.id}`,
    );
  }
});

test('a revisited cut is served as the bytes of its first answer, which are those of the answer from scratch (timings aside)', async () => {
  const raw = async (query: string) => {
    const r = await fetch(`${api.baseUrl}/videos/${first}/clusters?${query}`, { headers: api.auth.headers });
    assert.equal(r.status, 200);
    const text = await r.text();
    assert.match(text, /,"timings":\{"load_ms":[\d.]+,.*"total_ms":[\d.]+\}\}$/, 'the timings of this request, last');
    return `${r.headers.get('content-type')} ${text.replace(/"timings":\{[^}]*\}/, '"timings":…')}`;
  };
  const queries = [...QUERIES, 'sim=0.5&faces_per_cluster=0&faces_limit=0', 'sim=0.5&faces_per_cluster=1&faces_limit=3'];
  const cold = new Map<string, string>();
  for (const q of queries) {
    api.deps.clusters.forget(first);
    cold.set(q, await raw(q));
  }
  assert.equal(new Set(cold.values()).size, queries.length, 'every query shape has its own answer');
  assert.ok(cold.get(queries[0])!.startsWith('application/json; charset=utf-8 {"video":'));
  // Hot, in any order, several shapes of one cut in turn: each the bytes computed from scratch.
  for (const q of [...queries, ...queries.toReversed(), ...queries]) assert.equal(await raw(q), cold.get(q), q);
});

test("slider steps: each cluster's serialised parts are reused from cut to cut, and every answer is the bytes of its cut from scratch", async () => {
  // A person (a name to escape) and suggestions, so every part of a cluster is written.
  const top = ((await answer(first, 'sim=auto&faces_per_cluster=1000')) as { clusters: { faces: string[] }[] }).clusters[0];
  const person = (await createPerson('Ann "the" \\ first', top.faces)).body.id as string;
  const raw = async (video: string, query: string) => {
    const r = await fetch(`${api.baseUrl}/videos/${video}/clusters?${query}`, { headers: api.auth.headers });
    assert.equal(r.status, 200);
    return `${r.headers.get('content-type')} ${(await r.text()).replace(/"timings":\{[^}]*\}/, '"timings":…')}`;
  };
  // Steps of 0.01 (few clusters change from one to the next), page sizes alternating, back and forth, both videos.
  const sims = Array.from({ length: 25 }, (_, i) => (0.3 + i * 0.01).toFixed(2));
  const shapes = ['', '&faces_per_cluster=2&faces_limit=5', '&faces_per_cluster=0&faces_limit=0&key_min_s=2'];
  const queries = [...sims, ...sims.toReversed()].map((s, i) => `sim=${s}${shapes[i % shapes.length]}`);
  // The tree of the new constraints is computed by the first request (linkage_cached false in that answer only).
  for (const v of [first, second]) await raw(v, 'sim=auto');
  const hot: [string, string, string][] = [];
  for (const v of [first, second]) for (const q of queries) hot.push([v, q, await raw(v, q)]);
  assert.ok(hot.some(([, , a]) => a.includes(',"person":{"id":')) && hot.some(([, , a]) => a.includes(',"suggestion":{"person":')));
  for (const [v, q, a] of hot) {
    api.deps.clusters.forget(v);
    assert.equal(a, await raw(v, q), `${v === first ? 'first' : 'second'} ${q}`);
  }
  assert.equal((await api.call('DELETE', `/people/${person}`)).status, 204);
});

test('a people edit shows in the next answer of a cut already served: person, name, suggestion; deleting them undoes it', async () => {
  const q = 'sim=auto&faces_per_cluster=1000';
  const before = (await answer(first, q)) as { clusters: { id: number; faces: string[]; person: unknown }[] };
  const other = (await answer(second, q)) as { clusters: { suggestion: unknown }[] };
  assert.ok(before.clusters.every((c) => c.person === null));
  assert.ok(other.clusters.every((c) => c.suggestion === null));
  const top = before.clusters[0];
  const created = await createPerson('Ada', top.faces);
  const id = created.body.id as string;

  type Answer = {
    clusters: { faces: string[]; person: { id: string; name: string | null } | null; suggestion: { person: { id: string; name: string | null } } | null }[];
  };
  const carried = async () => ((await answer(first, q)) as Answer).clusters.find((c) => c.person?.id === id);
  const suggested = async () => ((await answer(second, q)) as Answer).clusters.filter((c) => c.suggestion?.person.id === id);
  const mine = await carried();
  assert.ok(mine && top.faces.every((f) => mine.faces.includes(f)), 'the cluster carries the new person at once');
  assert.equal(mine.person?.name, 'Ada');
  assert.ok((await suggested()).length >= 1, 'the other video suggests them at once');
  assert.deepEqual(await answer(first, q), await fresh(first, q), 'and it is the answer from scratch');
  assert.deepEqual(await answer(second, q), await fresh(second, q));

  assert.equal(
    (await api.call('PATCH', `/people/${id}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Grace' }) }))
      .status,
    200,
  );
  assert.equal((await carried())?.person?.name, 'Grace', 'a rename shows at once');
  assert.equal((await suggested())[0]?.suggestion?.person.name, 'Grace');

  assert.equal((await api.call('DELETE', `/people/${id}`)).status, 204);
  assert.equal(await carried(), undefined, 'a deleted person is gone at once');
  assert.equal((await suggested()).length, 0);
  assert.deepEqual(await answer(first, q), before, 'the answer before the edit again');
});

test("an edit by another API process (the database changed, this process's caches not told) shows in the next answer", async () => {
  const q = 'sim=auto&faces_per_cluster=1000';
  type Answer = { clusters: { faces: string[]; person: { id: string; name: string | null } | null; suggestion: { person: { name: string | null } } | null }[] };
  const top = ((await answer(first, q)) as Answer).clusters[0];
  const created = await createPerson('Ada', top.faces);
  const id = created.body.id as string;
  const names = async () => ({
    carried: ((await answer(first, q)) as Answer).clusters.find((c) => c.person?.id === id)?.person?.name,
    suggested: ((await answer(second, q)) as Answer).clusters.flatMap((c) => (c.suggestion ? [c.suggestion.person.name] : [])),
  });
  assert.deepEqual(await names(), await names(), 'served twice (the second time from the kept answers)');
  const was = await names();
  assert.equal(was.carried, 'Ada');
  assert.ok(was.suggested.includes('Ada'));
  // A rename elsewhere: the tree, the cut and this process's kept answers are not told. The carried person's name is
  // read with the constraints on every request; the suggestions follow the tenant's people stamp (updated_at).
  await sql(api.databaseUrl, `UPDATE people SET name = 'Grace' WHERE id = $1`, [id]);
  assert.deepEqual(await names(), { carried: 'Grace', suggested: was.suggested }, 'the name carried at once; the gallery not yet stamped');
  await sql(api.databaseUrl, `UPDATE people SET updated_at = now() WHERE id = $1`, [id]);
  const now = await names();
  assert.equal(now.carried, 'Grace');
  assert.ok(now.suggested.includes('Grace') && !now.suggested.includes('Ada'));
  assert.equal((await api.call('DELETE', `/people/${id}`)).status, 204);
});

test('questions are kept per cut and people state: the same page from scratch, asked once, and an edit shows at once', async () => {
  const q = 'sim=0.5&limit=100';
  const page = async () => {
    const r = await api.call('GET', `/videos/${first}/questions?${q}`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const { linkage_cached: _l, ...rest } = r.body as Record<string, unknown>;
    return rest as { total: number; items: { id: string; a: { face_ids: string[]; person: { id: string; name: string | null } | null } }[] };
  };
  const hot = await page();
  assert.ok(hot.total > 0, 'the cut has open questions');
  assert.deepEqual(await page(), hot);
  api.deps.clusters.forget(first);
  assert.deepEqual(await page(), hot, 'the page computed from scratch');

  // The service's memo: one computation per (cut, people state), whatever the requests.
  const video = (await api.deps.store.videos.get(first))!;
  const run = await api.deps.clusters.cluster(video, { ...DEFAULT_CLUSTER, sim: 0.5 });
  const actor = { scope: { tenantId: api.auth.tenantId }, keyId: null };
  const asked = await api.deps.questions.ask(actor, first, run, new Map());
  assert.equal(await api.deps.questions.ask(actor, first, await api.deps.clusters.cluster(video, { ...DEFAULT_CLUSTER, sim: 0.5 }), new Map()), asked);

  // A person made of the best question's first side: the next page is asked under it at once.
  const best = hot.items[0];
  const created = await createPerson('Lin', best.a.face_ids);
  const after = await page();
  assert.ok(!after.items.some((x) => x.id === best.id) || after.items.some((x) => x.a.person?.name === 'Lin'), 'the edit shows in the next page');
  assert.notDeepEqual(after, hot);
  api.deps.clusters.forget(first);
  assert.deepEqual(await page(), after, 'and it is the page from scratch');
  assert.equal((await api.call('DELETE', `/people/${created.body.id as string}`)).status, 204);
  assert.deepEqual(await page(), hot, 'deleting the person asks the first page again');
});
