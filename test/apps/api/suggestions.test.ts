// Cluster suggestions in GET /videos/:id/clusters on real faces: a labelled set of real scenes (Big Bang
// Theory group photos, bench/labelled-faces.ts) cut in two videos by time, so the same people appear in
// both in other shots and outfits. A person enrolled from the first video is suggested in the second;
// the people never enrolled stay unknown; another tenant never sees them; edits and deletion show at once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { RECOGNITION } from '../../../libs/recognition/index.js';
import { AppearanceService, ClusterService } from '../../../libs/services/index.js';
import { labelledFaces, type LabelledFaces } from '../../../bench/labelled-faces.js';
import { missingSources } from '../../../bench/labelled-sets.js';
import { faceKey, seedReadyVideo } from '../../e2e/support/seed.js';
import { startApi, call, type RunningApi } from '../../e2e/support/api.js';
import { createTestKey, type TestKey } from '../../e2e/support/auth.js';

let api: RunningApi;
let A: TestKey;
let B: TestKey;
/** Tenant A: the first half of the scenes (enrolment) and the second half (recognition). B: the second half too. */
let first: string;
let second: string;
let secondB: string;
/** Public face id → true identity (null: unlabelled), over every seeded video. */
const truthOf = new Map<string, string | null>();
/** The identity enrolled: the one with the most faces in both halves. */
let enrolled: string;

type Cluster = {
  id: number;
  faces: string[];
  person: { id: string } | null;
  suggestion: { person: { id: string; name: string | null }; score: number; quality: { face_px: number; gate: string; threshold: number | null } } | null;
};

async function seedVideo(tenantId: string, set: LabelledFaces, keep: (t: number) => boolean): Promise<string> {
  const picked = set.faces.map((f, i) => ({ f, truth: set.truth[i] })).filter(({ f }) => keep(f.t));
  const v = await seedReadyVideo(api.deps.store, { tenantId, filename: 'scenes.mp4', probe: set.fingerprints.video, faces: picked.map(({ f }) => f) });
  const truth = new Map(picked.map(({ f, truth }) => [faceKey(f), truth]));
  for (const f of v.stored) truthOf.set(f.publicId, truth.get(faceKey(f)) ?? null);
  return v.id;
}

/** A JSON request of `who`. */
const send = (who: TestKey, method: string, path: string, body?: unknown) =>
  call(
    api.baseUrl,
    method,
    path,
    body === undefined ? { headers: who.headers } : { body: JSON.stringify(body), headers: { ...who.headers, 'content-type': 'application/json' } },
  );

async function clusters(who: TestKey, video: string): Promise<Cluster[]> {
  // Every face of every cluster embedded (these scenes' clusters are far below the maximum page).
  const r = await call(api.baseUrl, 'GET', `/videos/${video}/clusters?faces_per_cluster=1000`, { headers: who.headers });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.ok(r.body.clusters.every((c: { faces_next: string | null }) => c.faces_next === null));
  return r.body.clusters;
}

/** The identity most of a cluster's faces are (null when most are unlabelled). */
function identityOf(c: Cluster): string | null {
  const n = new Map<string | null, number>();
  for (const f of c.faces) n.set(truthOf.get(f) ?? null, (n.get(truthOf.get(f) ?? null) ?? 0) + 1);
  return [...n].sort((a, b) => b[1] - a[1])[0][0];
}

/** The cluster of `video` holding most of `identity`'s faces. */
function clusterOf(cs: Cluster[], identity: string): Cluster {
  const held = (c: Cluster) => c.faces.filter((f) => truthOf.get(f) === identity).length;
  return [...cs].sort((a, b) => held(b) - held(a))[0];
}

/** Why the real faces these tests need are absent (../shared/data), or false: then every test skips with it. */
const missing = missingSources('bbt-scenes');

before(async () => {
  if (missing) return;
  api = await startApi('keycast_test_api_suggest', { syncLinkageMaxFaces: 100_000 });
  A = api.auth;
  B = await createTestKey(api.databaseUrl, 'suggest-b');
  const set = await labelledFaces('bbt-scenes');
  const half = set.fingerprints.video.duration_s / 2;
  first = await seedVideo(A.tenantId, set, (t) => t < half);
  second = await seedVideo(A.tenantId, set, (t) => t >= half);
  secondB = await seedVideo(B.tenantId, set, (t) => t >= half);
  const count = (keep: (t: number) => boolean) => {
    const n = new Map<string, number>();
    set.faces.forEach((f, i) => {
      const id = set.truth[i];
      if (id !== null && keep(f.t)) n.set(id, (n.get(id) ?? 0) + 1);
    });
    return n;
  };
  const a = count((t) => t < half);
  const b = count((t) => t >= half);
  enrolled = [...a.keys()].filter((id) => (b.get(id) ?? 0) >= 3).sort((x, y) => Math.min(a.get(y)!, b.get(y)!) - Math.min(a.get(x)!, b.get(x)!))[0];
  assert.ok(enrolled, 'an identity in both halves');
});
after(async () => {
  await api?.close();
});

test('no people: every cluster has suggestion null', { skip: missing }, async () => {
  for (const c of await clusters(A, second)) assert.equal(c.suggestion, null);
});

test(
  "a person enrolled from one video's cluster is suggested for their cluster in another video; people never enrolled stay unknown",
  { skip: missing },
  async () => {
    const mine = clusterOf(await clusters(A, first), enrolled);
    const faces = mine.faces.filter((f) => truthOf.get(f) === enrolled);
    const created = await send(A, 'POST', '/people', { name: 'Enrolled', faces });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const person = created.body.id as string;

    // The enrolment video: the person's cluster carries the person, not a suggestion.
    const again = (await clusters(A, first)).find((c) => c.person?.id === person);
    assert.ok(again);
    assert.equal(again.suggestion, null);

    const cs = await clusters(A, second);
    const theirs = clusterOf(cs, enrolled);
    assert.equal(theirs.person, null);
    assert.ok(theirs.suggestion, `cluster of ${enrolled} in the second video: ${JSON.stringify(theirs)}`);
    assert.deepEqual(theirs.suggestion.person, { id: person, name: 'Enrolled' });
    assert.ok(theirs.suggestion.score >= RECOGNITION.threshold && theirs.suggestion.score <= 1, `score ${theirs.suggestion.score}`);
    assert.notEqual(theirs.suggestion.quality.gate, 'refused');
    assert.ok(theirs.suggestion.score >= theirs.suggestion.quality.threshold!, 'at least the threshold its face size asks');
    // Open set: clusters of the other people (never enrolled) are not named.
    // (A stranger's cluster: mostly one labelled person, none of the enrolled one's faces; unlabelled faces prove nothing.)
    const strangers = cs.filter((c) => identityOf(c) !== null && !c.faces.some((f) => truthOf.get(f) === enrolled));
    assert.ok(strangers.length >= 2, `${strangers.length} clusters of other people`);
    for (const c of strangers) assert.equal(c.suggestion, null, `cluster of ${identityOf(c)} named: ${JSON.stringify(c.suggestion)}`);

    // Another tenant with the same faces never sees A's people.
    for (const c of await clusters(B, secondB)) assert.equal(c.suggestion, null);

    // Suggestions follow the people: a rename shows in the next read.
    const renamed = await send(A, 'PATCH', `/people/${person}`, { name: 'Renamed' });
    assert.equal(renamed.status, 200, JSON.stringify(renamed.body));
    assert.equal(clusterOf(await clusters(A, second), enrolled).suggestion?.person.name, 'Renamed');

    // A face of the suggested cluster rejected from the person: that cluster is not suggested as them any more.
    const rejectedFace = theirs.faces[0];
    const rej = await send(A, 'DELETE', `/people/${person}/faces/${rejectedFace}`);
    assert.equal(rej.status, 200, JSON.stringify(rej.body));
    const holding = (await clusters(A, second)).find((c) => c.faces.includes(rejectedFace))!;
    assert.notEqual(holding.suggestion?.person.id, person);

    // Deleting the person removes its model: no suggestion any more.
    const del = await send(A, 'DELETE', `/people/${person}`);
    assert.equal(del.status, 204, JSON.stringify(del.body));
    for (const c of await clusters(A, second)) assert.equal(c.suggestion, null);
  },
);

test(
  "GET /people/:id/appearances: per ready video, the person's faces, screen time, segments, first and last seen; a deleted video is gone",
  { skip: missing },
  async () => {
    // Enrol from the first video, then accept the suggestion in the second (POST /people/:id/faces with the cluster's faces).
    const mine = clusterOf(await clusters(A, first), enrolled);
    const created = await send(A, 'POST', '/people', { name: 'Seen', faces: mine.faces.filter((f) => truthOf.get(f) === enrolled) });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const person = created.body.id as string;
    const suggested = clusterOf(await clusters(A, second), enrolled);
    assert.equal(suggested.suggestion?.person.id, person);
    const accepted = await send(A, 'POST', `/people/${person}/faces`, { faces: suggested.faces });
    assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
    const confirmed = new Set<string>(accepted.body.faces);

    // No default linkage cached for the new constraints and none computed: confirmed faces only.
    const cheapOnly = await new AppearanceService(api.deps.store, new ClusterService(api.deps.store)).of(
      { scope: { tenantId: A.tenantId }, keyId: null },
      person,
      { computeUpTo: 0 },
    );
    assert.deepEqual(cheapOnly.map((a) => a.basis).sort(), ['confirmed', 'confirmed']);
    for (const a of cheapOnly) for (const f of a.faces) assert.ok(confirmed.has(f));
    assert.equal(
      cheapOnly.reduce((n, a) => n + a.faces.length, 0),
      confirmed.size,
    );

    const r = await send(A, 'GET', `/people/${person}/appearances`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body.person, { id: person, name: 'Seen' });
    type Seen = {
      video_id: string;
      basis: string;
      face_count: number;
      faces: string[];
      screen_time_s: number;
      first_t: number;
      last_t: number;
      segments: [number, number][];
    };
    const seen: Seen[] = r.body.videos;
    assert.deepEqual(seen.map((v) => v.video_id).sort(), [first, second].sort());
    for (const v of seen) {
      assert.equal(v.basis, 'cluster');
      // The same numbers as the person's cluster in GET /videos/:id/clusters (one rule).
      const c = (await clusters(A, v.video_id)).find((c) => c.person?.id === person) as Cluster & {
        screen_time_s: number;
        first_t: number;
        last_t: number;
        segments: [number, number][];
      };
      assert.ok(c);
      assert.deepEqual(v.faces.slice().sort(), c.faces.slice().sort());
      assert.equal(v.face_count, c.faces.length);
      assert.deepEqual([v.screen_time_s, v.first_t, v.last_t, v.segments], [c.screen_time_s, c.first_t, c.last_t, c.segments]);
      assert.ok(v.segments.length >= 1 && v.first_t <= v.last_t && v.segments[0][0] === v.first_t);
      assert.ok(Math.abs(v.screen_time_s - v.segments.reduce((s, [a, b]) => s + b - a, 0)) < 1e-3);
      // Most of the cluster's labelled faces are the enrolled person's.
      const labelled = v.faces.filter((f) => truthOf.get(f) != null);
      assert.ok(labelled.filter((f) => truthOf.get(f) === enrolled).length > labelled.length / 2, `${v.faces.map((f) => truthOf.get(f))}`);
    }
    // The halves: the first video's appearances end before the second's start.
    const [a1, a2] = [seen.find((v) => v.video_id === first)!, seen.find((v) => v.video_id === second)!];
    assert.ok(a1.last_t < a2.first_t, `${a1.last_t} < ${a2.first_t}`);

    // Another tenant cannot read it.
    assert.equal((await send(B, 'GET', `/people/${person}/appearances`)).status, 404);

    // A deleted video is gone at once, from the appearances and from the person's model (its faces are no exemplars any more).
    const rows = async () => (await api.deps.galleries.gallery(A.tenantId)).get(1)?.matrix.rows ?? 0;
    assert.equal(await rows(), Math.min(RECOGNITION.maxExemplars, confirmed.size));
    assert.equal((await send(A, 'DELETE', `/videos/${first}`)).status, 204);
    assert.equal(await rows(), Math.min(RECOGNITION.maxExemplars, suggested.faces.length));
    const after = await send(A, 'GET', `/people/${person}/appearances`);
    assert.equal(after.status, 200);
    assert.deepEqual(
      after.body.videos.map((v: Seen) => v.video_id),
      [second],
    );
  },
);
