// GET /videos/:id/questions and POST /videos/:id/questions/:qid/answer on real faces: the labelled set "mixed"
// (bench/labelled-faces.ts), whose default cut holds two lookalikes in one cluster. The first question parts them;
// an answer is a people edit (history), is never asked again, and the next page comes back; another tenant sees
// nothing; a cut whose linkage is not cached answers 202 as GET /clusters does.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { labelledFaces } from '../../../bench/labelled-faces.js';
import { missingSources } from '../../../bench/labelled-sets.js';
import { faceKey, seedReadyVideo } from '../../e2e/support/seed.js';
import { startApi, call, type RunningApi } from '../../e2e/support/api.js';
import { createTestKey, type TestKey } from '../../e2e/support/auth.js';

let api: RunningApi;
let A: TestKey;
let B: TestKey;
let video: string;
/** Public face id → true identity (null: unlabelled). */
const truthOf = new Map<string, string | null>();

type Side = { face_ids: string[]; cluster: number | null; person: { id: string; name: string | null } | null };
type Question = { id: string; kind: string; a: Side; b: Side; gain: number; p: number; moved: number };

const send = (who: TestKey, method: string, path: string, body?: unknown) =>
  call(
    api.baseUrl,
    method,
    path,
    body === undefined ? { headers: who.headers } : { body: JSON.stringify(body), headers: { ...who.headers, 'content-type': 'application/json' } },
  );

/** The identity most of a side's faces are (the oracle a user is). */
function identity(s: Side): string | null {
  const votes = new Map<string, number>();
  for (const f of s.face_ids) if (truthOf.get(f)) votes.set(truthOf.get(f)!, (votes.get(truthOf.get(f)!) ?? 0) + 1);
  return [...votes].sort((a, b) => b[1] - a[1])[0]?.[0] ?? null;
}

/** Identities that share a cluster of the default cut. */
async function mixedClusters(): Promise<string[][]> {
  const r = await send(A, 'GET', `/videos/${video}/clusters?faces_per_cluster=1000`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return (r.body.clusters as { faces: string[] }[])
    .map((c) => [...new Set(c.faces.map((f) => truthOf.get(f)).filter((t): t is string => !!t))].sort())
    .filter((ids) => ids.length > 1);
}

/** Why the real faces these tests need are absent (../shared/data), or false: then every test skips with it. */
const missing = missingSources('mixed');

before(async () => {
  if (missing) return;
  api = await startApi('keycast_test_api_questions', { syncLinkageMaxFaces: 100_000 });
  A = api.auth;
  B = await createTestKey(api.databaseUrl, 'questions-b');
  const set = await labelledFaces('mixed');
  const v = await seedReadyVideo(api.deps.store, { tenantId: A.tenantId, filename: 'mixed.mp4', probe: set.fingerprints.video, faces: set.faces });
  const truth = new Map(set.faces.map((f, i) => [faceKey(f), set.truth[i]]));
  for (const f of v.stored) truthOf.set(f.publicId, truth.get(faceKey(f)) ?? null);
  video = v.id;
});
after(async () => {
  await api?.close();
});

test('the first question parts the two lookalikes; a no splits them, in the history, and is not asked again', { skip: missing }, async () => {
  assert.equal((await mixedClusters()).length, 1, 'the default cut mixes two identities in one cluster');
  const r = await send(A, 'GET', `/videos/${video}/questions?limit=3`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.video_id, video);
  assert.equal(r.body.items.length, 3);
  assert.ok(r.body.total >= 3);
  const items: Question[] = r.body.items;
  for (let k = 1; k < items.length; k++) assert.ok(items[k - 1].gain >= items[k].gain, 'best gain first');
  for (const q of items) for (const f of [...q.a.face_ids, ...q.b.face_ids]) assert.ok(truthOf.has(f), `face ${f} is not one of the video's public ids`);
  const [q] = items;
  assert.equal(q.kind, 'split');
  assert.equal(q.a.cluster, q.b.cluster);
  assert.ok(q.a.face_ids.length >= 1 && q.a.face_ids.length <= 4);
  const [x, y] = [identity(q.a), identity(q.b)];
  assert.ok(x && y && x !== y, `the sides are two people: ${x}, ${y}`);
  // Same parameters, same question, same id.
  const again = await send(A, 'GET', `/videos/${video}/questions?limit=3`);
  assert.equal(again.body.items[0].id, q.id);

  const ans = await send(A, 'POST', `/videos/${video}/questions/${q.id}/answer?limit=5`, { same: false });
  assert.equal(ans.status, 200, JSON.stringify(ans.body));
  assert.equal(ans.body.answered.id, q.id);
  assert.equal(ans.body.answered.same, false);
  assert.equal(ans.body.answered.people.length, 2, 'both parts became people');
  assert.ok(ans.body.items.length >= 1 && ans.body.items.length <= 5);
  assert.ok(!ans.body.items.some((x: Question) => x.id === q.id), 'asked again');
  // The cut is right now, and the answer is a people edit with its history.
  assert.deepEqual(await mixedClusters(), []);
  for (const id of ans.body.answered.people) {
    const h = await send(A, 'GET', `/people/${id}/history`);
    assert.equal(h.status, 200);
    assert.equal(h.body.items[0].action, 'created');
  }
  // Answered: gone (the documented error shape).
  const twice = await send(A, 'POST', `/videos/${video}/questions/${q.id}/answer`, { same: false });
  assert.equal(twice.status, 404);
  assert.equal(twice.body.error.code, 'NOT_FOUND');
  const after = await send(A, 'GET', `/videos/${video}/questions?limit=100`);
  assert.ok(!after.body.items.some((x: Question) => x.id === q.id));
});

test('a yes puts both sides in one cluster, which carries the person the answer confirmed', { skip: missing }, async () => {
  const r = await send(A, 'GET', `/videos/${video}/questions?limit=100`);
  const q = (r.body.items as Question[]).find((x) => identity(x.a) && identity(x.a) === identity(x.b));
  assert.ok(q, 'a question the oracle answers yes');
  const ans = await send(A, 'POST', `/videos/${video}/questions/${q.id}/answer`, { same: true });
  assert.equal(ans.status, 200, JSON.stringify(ans.body));
  assert.equal(ans.body.answered.people.length, 1);
  const [person] = ans.body.answered.people;
  const c = await send(A, 'GET', `/videos/${video}/clusters?faces_per_cluster=1000`);
  const holding = (f: string) => (c.body.clusters as { faces: string[]; person: { id: string } | null }[]).find((x) => x.faces.includes(f));
  const home = holding(q.a.face_ids[0]);
  assert.ok(home);
  assert.equal(home.person?.id, person);
  for (const f of [...q.a.face_ids, ...q.b.face_ids]) assert.equal(holding(f), home);
  const p = await send(A, 'GET', `/people/${person}`);
  for (const f of [...q.a.face_ids, ...q.b.face_ids]) assert.ok(p.body.faces.includes(f), `face ${f} confirmed`);
  assert.deepEqual(await mixedClusters(), []);
});

test('concurrent answers to one question: exactly one is recorded, the others find it answered', { skip: missing }, async () => {
  const people = async () => new Set(((await send(A, 'GET', '/people?limit=100')).body.items as { id: string }[]).map((p) => p.id));
  const r = await send(A, 'GET', `/videos/${video}/questions?limit=1`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const [q] = r.body.items as Question[];
  assert.ok(q, 'an open question');
  const had = await people();
  const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => send(A, 'POST', `/videos/${video}/questions/${q.id}/answer`, { same: i % 3 !== 0 })));
  const won = answers.filter((a) => a.status === 200);
  assert.equal(won.length, 1, `statuses: ${answers.map((a) => a.status).join(',')}`);
  for (const a of answers.filter((x) => x.status !== 200)) {
    assert.ok(a.status === 404 || a.status === 409, `status ${a.status}: ${JSON.stringify(a.body)}`);
    assert.ok(a.body.error?.code, 'the documented error shape');
  }
  // Only the winner's edits: every person made since is one its answer names.
  const made = [...(await people())].filter((id) => !had.has(id));
  const named = new Set(won[0].body.answered.people as string[]);
  for (const id of made) assert.ok(named.has(id), `person ${id} comes from a losing answer`);
});

test('tenant scoping, validation, and 202 while the cut needs a linkage the worker computes', { skip: missing }, async () => {
  const other = await send(B, 'GET', `/videos/${video}/questions`);
  assert.equal(other.status, 404);
  assert.equal(other.body.error.code, 'NOT_FOUND');
  const r = await send(A, 'GET', `/videos/${video}/questions`);
  const qid = r.body.items[0].id;
  assert.equal((await send(B, 'POST', `/videos/${video}/questions/${qid}/answer`, { same: true })).status, 404);
  for (const [path, body] of [
    [`/videos/${video}/questions/${qid}/answer`, { same: 'yes' }],
    [`/videos/${video}/questions/${qid}/answer`, {}],
    [`/videos/${video}/questions/not-a-question/answer`, { same: true }],
  ] as const) {
    const bad = await send(A, 'POST', path, body);
    assert.equal(bad.status, 400, `${path} ${JSON.stringify(body)}: ${JSON.stringify(bad.body)}`);
    assert.ok(bad.body.error.code);
  }
  assert.equal((await send(A, 'GET', `/videos/${video}/questions?limit=0`)).status, 400);
  assert.equal((await send(A, 'GET', `/videos/${video}/questions?sim=2`)).status, 400);

  // Another linkage (method) on a video over the synchronous limit: 202 and nothing asked.
  const config = api.deps.config as { syncLinkageMaxFaces: number };
  const keep = config.syncLinkageMaxFaces;
  config.syncLinkageMaxFaces = 10;
  try {
    const pending = await send(A, 'GET', `/videos/${video}/questions?method=complete`);
    assert.equal(pending.status, 202, JSON.stringify(pending.body));
    assert.equal(pending.body.status, 'computing');
    assert.match(pending.headers.get('location') ?? '', new RegExp(`/videos/${video}/questions\\?method=complete$`));
  } finally {
    config.syncLinkageMaxFaces = keep;
  }
});
