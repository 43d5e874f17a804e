// The people routes on a real server and PostgreSQL, over real fingerprints (a labelled set analysed by
// keycast, bench/labelled-faces.ts, stored as a ready video): every route, the constraints in
// GET /videos/:id/clusters, moves, splits, rejections, merges, deletions, history, webhooks, another tenant.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { labelledFaces } from '../../../bench/labelled-faces.js';
import { faceKey, seedReadyVideo } from '../../e2e/support/seed.js';
import { startApi, call, type RunningApi } from '../../e2e/support/api.js';
import { createTestKey, type TestKey } from '../../e2e/support/auth.js';
import { sql } from '../../e2e/support/services.js';
import { isConstrained, linkageKeyOf, storedLinkageKeys } from '../../helpers/linkages.js';

let api: RunningApi;
let B: TestKey;
/** Two ready videos of tenant A holding the same real faces (different face ids); the first has a callback URL. */
let v1: string;
let v2: string;
/** Face ids (the API's: public ids) of each true identity in v1 and v2, in time order. */
const ids1 = new Map<string, string[]>();
const ids2 = new Map<string, string[]>();
/** Identities with the most faces, largest first. */
let people: string[];

async function seedVideo(
  faces: Awaited<ReturnType<typeof labelledFaces>>,
  truth: (string | null)[],
  into: Map<string, string[]>,
  callbackUrl: string | null,
): Promise<string> {
  const v = await seedReadyVideo(api.deps.store, {
    tenantId: api.auth.tenantId,
    filename: 'demo-samples.mp4',
    probe: faces.fingerprints.video,
    faces: faces.faces,
    callbackUrl,
  });
  const idOf = new Map(v.stored.map((f) => [faceKey(f), f.publicId]));
  v.stored.forEach((f) => order.set(f.publicId, f.id));
  faces.faces.forEach((f, i) => {
    const t = truth[i];
    if (t !== null) into.set(t, [...(into.get(t) ?? []), idOf.get(faceKey(f))!]);
  });
  return v.id;
}

before(async () => {
  // This file tests the constraints' semantics at every edit: each edit needs a new tree, computed in the request here
  // (clusters-queued.test.ts covers the worker's path, taken above SYNC_LINKAGE_MAX_FACES).
  api = await startApi('keycast_test_api_people', { syncLinkageMaxFaces: 100_000 });
  B = await createTestKey(api.databaseUrl, 'tenant-b');
  const set = await labelledFaces('demo-samples');
  v1 = await seedVideo(set, set.truth, ids1, 'http://127.0.0.1:9/hook');
  v2 = await seedVideo(set, set.truth, ids2, null);
  people = [...ids1.entries()].sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0])).map(([id]) => id);
});
after(async () => {
  await api?.close();
});

type Cluster = { id: number; faces: string[]; person: { id: string; name: string | null } | null };
async function clusters(video: string, query = ''): Promise<{ clusters: Cluster[]; clusterOf: Map<string, number | null>; linkage: 'cached' | 'computed' }> {
  // Every face of every cluster embedded (these clips' clusters are far below the maximum page).
  const r = await api.call('GET', `/videos/${video}/clusters${query}${query ? '&' : '?'}faces_per_cluster=1000`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.ok(r.body.clusters.every((c: { faces_next: string | null }) => c.faces_next === null));
  return {
    clusters: r.body.clusters,
    clusterOf: new Map(r.body.faces.map((f: { id: string; cluster: number | null }) => [f.id, f.cluster])),
    linkage: r.body.linkage_cached ? 'cached' : 'computed',
  };
}
/** The API lists a person's faces in the order of their database keys, i.e. of storage (time order here). */
const order = new Map<string, number>();
const sortIds = (a: string, b: string) => order.get(a)! - order.get(b)!;
const json = (body: unknown) => ({ body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
const post = (path: string, body: unknown) => api.call('POST', path, json(body));

/** Every confirmed face of `person` is in one cluster that carries it; its rejected faces are elsewhere. */
async function assertHolds(person: { id: string; name: string | null; faces: string[]; rejected: string[] }, video: string, query = '') {
  const c = await clusters(video, query);
  const mine = person.faces.filter((f) => c.clusterOf.has(f));
  if (mine.length === 0) return null;
  const labels = new Set(mine.map((f) => c.clusterOf.get(f)));
  assert.equal(labels.size, 1, `${query}: ${person.id}'s faces in clusters ${[...labels].join(', ')}`);
  const cl = [...labels][0];
  assert.notEqual(cl, null, `${query}: a confirmed face was dropped`);
  const carrier = c.clusters.find((x) => x.id === cl)!;
  assert.deepEqual(carrier.person, { id: person.id, name: person.name }, `${query}: the cluster carries the person`);
  for (const r of person.rejected) if (c.clusterOf.has(r)) assert.notEqual(c.clusterOf.get(r), cl, `${query}: rejected face ${r} in the person's cluster`);
  return cl;
}

test('POST /people names faces: 201, the person with its faces and videos; GET /people/:id and GET /people show it; the cluster carries it at every linkage and sim', async () => {
  const faces = ids1.get(people[0])!.slice(0, 3);
  const r = await post('/people', { name: 'Ada', faces });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.equal(r.body.name, 'Ada');
  assert.deepEqual(r.body.faces, [...faces].sort(sortIds));
  assert.deepEqual(r.body.rejected, []);
  assert.deepEqual(r.body.videos, [{ id: v1, faces: 3 }]);
  assert.equal(r.body.face_count, 3);
  assert.equal(r.headers.get('location'), `/people/${r.body.id}`);
  const got = await api.call('GET', `/people/${r.body.id}`);
  assert.deepEqual(got.body, r.body);
  const list = await api.call('GET', '/people');
  assert.equal(list.status, 200);
  assert.ok(list.body.items.some((p: { id: string }) => p.id === r.body.id));
  for (const method of ['average', 'single', 'complete']) {
    for (const sim of ['auto', '0.3', '0.63', '0.9']) {
      await assertHolds(r.body, v1, `?method=${method}&sim=${sim}&min_csize=4`);
    }
  }
  await assertHolds(r.body, v1, '?sim=0.5&cannot_link=false&quality_weighting=false');
  const other = await clusters(v2);
  assert.ok(
    other.clusters.every((c) => c.person === null),
    'v2 holds none of its faces: no cluster carries it',
  );
  await api.call('DELETE', `/people/${r.body.id}`);
});

test("a face moved between two people: it leaves the first (recorded in its history), joins the second's cluster; the two never share one", async () => {
  const a = ids1.get(people[1])!;
  const p1 = (await post('/people', { name: 'One', faces: a.slice(0, 4) })).body;
  const p2 = (await post('/people', { name: 'Two', faces: [a[3], ids1.get(people[2])![0]] })).body;
  assert.deepEqual(p2.faces, [a[3], ids1.get(people[2])![0]].sort(sortIds));
  const p1After = (await api.call('GET', `/people/${p1.id}`)).body;
  assert.deepEqual(p1After.faces, a.slice(0, 3).sort(sortIds), 'the face left the first person');
  const c1 = await assertHolds(p1After, v1);
  const c2 = await assertHolds(p2, v1);
  assert.notEqual(c1, c2);
  // Moved back with POST /people/:id/faces.
  const back = await post(`/people/${p1.id}/faces`, { faces: [a[3]] });
  assert.equal(back.status, 200);
  assert.ok(back.body.faces.includes(a[3]));
  assert.ok(!(await api.call('GET', `/people/${p2.id}`)).body.faces.includes(a[3]));
  const h = await api.call('GET', `/people/${p1.id}/history`);
  assert.equal(h.status, 200);
  assert.deepEqual(
    h.body.items.map((e: { action: string }) => e.action),
    ['created', 'faces_moved_out', 'faces_confirmed'],
  );
  const [key] = await sql<{ id: string }>(api.databaseUrl, 'SELECT id FROM api_keys WHERE tenant_id = $1', [api.auth.tenantId]);
  assert.ok(h.body.items.every((e: { key_id: string; at: string }) => e.key_id === key.id && !Number.isNaN(Date.parse(e.at))));
  assert.deepEqual(h.body.items[1].detail, { faces: [a[3]], to: p2.id });
  for (const p of [p1, p2]) await api.call('DELETE', `/people/${p.id}`);
});

test('a split with exclude: the part becomes a person, the rest can never join it, at every sim', async () => {
  // The cluster of the largest identity at the defaults: split it into its first faces and the rest.
  const all = ids1.get(people[0])!;
  const part = all.slice(0, 2);
  const rest = all.slice(2);
  const r = await post('/people', { faces: part, exclude: rest });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.equal(r.body.name, null);
  assert.deepEqual(r.body.rejected, [...rest].sort(sortIds));
  for (const sim of ['auto', '0.2', '0.63']) {
    const cl = await assertHolds(r.body, v1, `?sim=${sim}`);
    const c = await clusters(v1, `?sim=${sim}`);
    assert.ok(rest.every((f) => c.clusterOf.get(f) !== cl));
  }
  // Both lists at once are a contradiction.
  const both = await post('/people', { faces: [all[0]], exclude: [all[0]] });
  assert.equal(both.status, 400);
  assert.equal(both.body.error.code, 'INVALID_OPTION');
  await api.call('DELETE', `/people/${r.body.id}`);
});

test("DELETE /people/:id/faces/:faceId rejects a face: no longer confirmed, rejected, never in the person's cluster", async () => {
  const a = ids1.get(people[3])!;
  const p = (await post('/people', { name: 'Rej', faces: a.slice(0, 3) })).body;
  const r = await api.call('DELETE', `/people/${p.id}/faces/${a[1]}`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(r.body.faces, [a[0], a[2]].sort(sortIds));
  assert.deepEqual(r.body.rejected, [a[1]]);
  for (const sim of ['auto', '0.1']) await assertHolds(r.body, v1, `?sim=${sim}`);
  // A face not confirmed for it can be rejected too (a suggestion refused); confirming it again lifts the rejection.
  const r2 = await api.call('DELETE', `/people/${p.id}/faces/${a[3]}`);
  assert.deepEqual(r2.body.rejected, [a[1], a[3]].sort(sortIds));
  const again = await post(`/people/${p.id}/faces`, { faces: [a[1]] });
  assert.deepEqual(again.body.rejected, [a[3]]);
  const h = (await api.call('GET', `/people/${p.id}/history`)).body.items.map((e: { action: string; detail: unknown }) => [e.action, e.detail]);
  assert.deepEqual(h.slice(1, 3), [
    ['face_rejected', { face: a[1], was_confirmed: true }],
    ['face_rejected', { face: a[3], was_confirmed: false }],
  ]);
  await api.call('DELETE', `/people/${p.id}`);
});

test('POST /people/:id/merge: faces, rejections and history move; the others are gone (404); one cluster holds them all', async () => {
  const a = ids1.get(people[4])!;
  const b = ids1.get(people[5])!;
  const keep = (await post('/people', { name: 'Keep', faces: [a[0]] })).body;
  const gone = (await post('/people', { name: 'Gone', faces: [b[0], a[1]], exclude: [b[1]] })).body;
  const m = await post(`/people/${keep.id}/merge`, { people: [gone.id] });
  assert.equal(m.status, 200, JSON.stringify(m.body));
  assert.deepEqual(m.body.faces, [a[0], a[1], b[0]].sort(sortIds));
  assert.deepEqual(m.body.rejected, [b[1]]);
  assert.equal((await api.call('GET', `/people/${gone.id}`)).status, 404);
  assert.equal((await post(`/people/${keep.id}/merge`, { people: [gone.id] })).status, 404, 'a merged person is gone');
  const self = await post(`/people/${keep.id}/merge`, { people: [keep.id] });
  assert.equal(self.status, 400);
  assert.equal(self.body.error.code, 'INVALID_OPTION');
  await assertHolds(m.body, v1);
  const actions = (await api.call('GET', `/people/${keep.id}/history`)).body.items.map((e: { action: string }) => e.action);
  assert.deepEqual([...actions].sort(), ['created', 'created', 'merged']);
  await api.call('DELETE', `/people/${keep.id}`);
});

test("a merge into a person that rejected a face the other confirmed: the face is the kept person's, no longer rejected", async () => {
  // One face both confirmed and rejected for one person is a contradiction (and not what the history says: replayed,
  // the merge's confirmed face drops the rejection, as it does for the merged people's own rejections).
  const a = ids1.get(people[6])!;
  const other = (await post('/people', { name: 'Other', faces: [a[0], a[1]] })).body;
  const keep = (await post('/people', { name: 'Keep', faces: [a[2]], exclude: [a[0]] })).body;
  assert.deepEqual(keep.rejected, [a[0]]);
  const m = await post(`/people/${keep.id}/merge`, { people: [other.id] });
  assert.equal(m.status, 200, JSON.stringify(m.body));
  assert.deepEqual(m.body.faces, [a[0], a[1], a[2]].sort(sortIds));
  assert.deepEqual(m.body.rejected, []);
  const rows = await sql(api.databaseUrl, 'SELECT 1 FROM person_rejections WHERE person_id = $1', [keep.id]);
  assert.equal(rows.length, 0, 'no rejection row is left behind');
  await assertHolds(m.body, v1);
  await api.call('DELETE', `/people/${keep.id}`);
});

test("PATCH renames; DELETE drops the person and its constraints (faces stay); a changed constraint recomputes only that video's tree", async () => {
  const a = ids1.get(people[6])!;
  const before2 = await clusters(v2);
  const p = (await post('/people', { faces: [a[0], a[1]] })).body;
  const first = await clusters(v1);
  assert.equal(first.linkage, 'computed', 'new constraints: a new tree');
  assert.equal((await clusters(v1)).linkage, 'cached', 'same constraints: cached');
  const renamed = await api.call('PATCH', `/people/${p.id}`, json({ name: 'Grace' }));
  assert.equal(renamed.status, 200);
  assert.equal(renamed.body.name, 'Grace');
  const c = await clusters(v1);
  assert.equal(c.linkage, 'cached', 'a rename changes no constraint');
  assert.ok(c.clusters.some((x) => x.person?.name === 'Grace'));
  const rows = () => storedLinkageKeys(api.databaseUrl, v1);
  const peopleRows = (await rows()).filter(isConstrained);
  assert.equal(peopleRows.length, 1);
  await post(`/people/${p.id}/faces`, { faces: [a[2]] });
  assert.deepEqual((await rows()).filter(isConstrained), [], "the old constraints' trees of v1 are dropped");
  assert.ok((await rows()).includes(linkageKeyOf({})), 'the unconstrained tree stays');
  assert.equal((await clusters(v1)).linkage, 'computed');
  assert.notEqual((await clusters(v2)).linkage, 'computed', 'v2 is untouched');
  assert.notEqual(before2.linkage, 'computed');
  const del = await api.call('DELETE', `/people/${p.id}`);
  assert.equal(del.status, 204);
  assert.equal((await api.call('GET', `/people/${p.id}`)).status, 404);
  assert.equal((await api.call('DELETE', `/people/${p.id}`)).status, 404);
  assert.equal((await api.call('GET', `/people/${p.id}/history`)).status, 404);
  const after = await clusters(v1);
  assert.ok(after.clusters.every((x) => x.person === null));
  assert.notEqual(after.linkage, 'computed', 'no people left: the unconstrained tree, cached');
  assert.equal((await api.call('GET', `/faces/${a[0]}/thumbnail`)).status, 200, 'the faces stay');
});

test('person.updated: each edit queues one webhook per video involved that has a callback URL', async () => {
  const a = ids1.get(people[7])!;
  const before = (await api.deps.queues.webhook.getJobs(['waiting', 'delayed', 'active', 'completed', 'failed'])).length;
  const p = (await post('/people', { name: 'Hook', faces: [a[0], ids2.get(people[7])![0]] })).body;
  const jobs = await api.deps.queues.webhook.getJobs(['waiting', 'delayed', 'active', 'completed', 'failed']);
  const mine = jobs.filter((j) => j.data.event === 'person.updated' && j.data.person?.id === p.id);
  assert.equal(jobs.length - before, 1);
  assert.equal(mine.length, 1, 'v1 has a callback URL, v2 none');
  assert.equal(mine[0].data.videoId, v1);
  assert.equal(mine[0].data.url, undefined, 'the URL stays in the database');
  assert.equal(mine[0].data.person?.action, 'created');
  await api.call('PATCH', `/people/${p.id}`, json({ name: 'Hooked' }));
  const after = (await api.deps.queues.webhook.getJobs(['waiting', 'delayed', 'active', 'completed', 'failed'])).filter((j) => j.data.person?.id === p.id);
  assert.deepEqual(after.map((j) => j.data.person?.action).sort(), ['created', 'renamed']);
  await api.call('DELETE', `/people/${p.id}`);
});

test('deleting a video drops its faces from every person (the person stays with its other faces)', async () => {
  const { store } = api.deps;
  const set = await labelledFaces('demo-samples');
  const ids3 = new Map<string, string[]>();
  const v3 = await seedVideo(set, set.truth, ids3, null);
  const p = (await post('/people', { name: 'Span', faces: [ids1.get(people[8])![0], ids3.get(people[8])![0]] })).body;
  assert.equal(p.videos.length, 2);
  assert.equal((await api.call('DELETE', `/videos/${v3}`)).status, 204);
  const after = (await api.call('GET', `/people/${p.id}`)).body;
  assert.deepEqual(after.faces, [ids1.get(people[8])![0]]);
  assert.deepEqual(after.videos, [{ id: v1, faces: 1 }]);
  assert.equal(await store.db.personFace.count({ where: { videoId: v3 } }), 0);
  await api.call('DELETE', `/people/${p.id}`);
});

test('another tenant: 404 for the person and for the faces, its list is empty, nothing of A changes', async () => {
  const a = ids1.get(people[9])!;
  const p = (await post('/people', { name: 'Mine', faces: [a[0]] })).body;
  const as = { headers: { ...B.headers, 'content-type': 'application/json' } };
  const asB = { headers: B.headers };
  const tries: [string, string, unknown?][] = [
    ['GET', `/people/${p.id}`],
    ['PATCH', `/people/${p.id}`, { name: 'x' }],
    ['DELETE', `/people/${p.id}`],
    ['GET', `/people/${p.id}/history`],
    ['POST', `/people/${p.id}/faces`, { faces: [a[1]] }],
    ['DELETE', `/people/${p.id}/faces/${a[0]}`],
    ['POST', `/people/${p.id}/merge`, { people: [p.id] }],
  ];
  for (const [method, path, body] of tries) {
    const r = await call(api.baseUrl, method, path, body ? { ...as, body: JSON.stringify(body) } : asB);
    if (path.endsWith('/merge')) {
      assert.ok([400, 404].includes(r.status));
      continue;
    }
    assert.equal(r.status, 404, `${method} ${path}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.error.code, 'NOT_FOUND');
  }
  const mine = (await post('/people', { faces: [] })).body;
  const merge = await call(
    api.baseUrl,
    'POST',
    `/people/${(await call(api.baseUrl, 'POST', '/people', { ...as, body: JSON.stringify({ faces: [] }) })).body.id}/merge`,
    { ...as, body: JSON.stringify({ people: [mine.id] }) },
  );
  assert.equal(merge.status, 404, "B cannot merge A's person into its own");
  const steal = await call(api.baseUrl, 'POST', '/people', { ...as, body: JSON.stringify({ faces: [a[0]] }) });
  assert.equal(steal.status, 404, "B cannot confirm A's face");
  assert.equal(steal.body.error.message, `no face ${a[0]}`);
  const list = await call(api.baseUrl, 'GET', '/people', as);
  assert.equal(list.status, 200);
  assert.ok(list.body.items.every((x: { id: string }) => x.id !== p.id && x.id !== mine.id));
  assert.deepEqual((await api.call('GET', `/people/${p.id}`)).body.faces, [a[0]]);
  assert.equal((await api.call('GET', `/people/${p.id}`)).body.name, 'Mine');
  await api.call('DELETE', `/people/${p.id}`);
  await api.call('DELETE', `/people/${mine.id}`);
});

test('invalid requests are refused up front in the error shape; GET /people pages', async () => {
  for (const [method, path, body] of [
    ['POST', '/people', { faces: ['x'] }],
    ['POST', '/people', { faces: [1], extra: 1 }],
    ['POST', '/people', {}],
    ['PATCH', '/people/00000000-0000-4000-8000-000000000000', { name: 'x'.repeat(201) }],
    ['GET', '/people/not-a-uuid'],
    ['POST', '/people/00000000-0000-4000-8000-000000000000/faces', { faces: [] }],
  ] as [string, string, unknown?][]) {
    const r = await api.call(method, path, body ? json(body) : {});
    assert.equal(r.status, 400, `${method} ${path} ${JSON.stringify(body)}: ${r.status} ${JSON.stringify(r.body)}`);
    assert.equal(r.body.error.code, 'INVALID_OPTION');
  }
  const unnamed = await post('/people', { name: '', faces: [] });
  assert.equal(unnamed.body.name, null, 'an empty name is no name');
  await api.call('DELETE', `/people/${unnamed.body.id}`);
  const missing = await post('/people', { faces: [randomUUID()] });
  assert.equal(missing.status, 404);
  const made: string[] = [];
  for (let i = 0; i < 3; i++) made.push((await post('/people', { name: `page-${i}`, faces: [] })).body.id);
  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const page: { status: number; body: { items: { id: string }[]; next_cursor: string | null } } = await api.call(
      'GET',
      `/people?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    assert.equal(page.status, 200);
    seen.push(...page.body.items.map((p) => p.id));
    cursor = page.body.next_cursor;
  } while (cursor);
  assert.deepEqual(
    seen.filter((x) => made.includes(x)),
    [...made].reverse(),
    'newest first, each once',
  );
  for (const id of made) await api.call('DELETE', `/people/${id}`);
});
