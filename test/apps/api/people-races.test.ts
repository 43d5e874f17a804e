// People edits racing deletions (issue 20): rounds of concurrent creates, face confirmations, rejections, renames,
// merges and person deletions, fired together with DELETE /videos/:id of videos whose faces they use. Invariants:
// no answer is a 5xx (only 200, 201, 204, 404, 409: a request that lost a race is told so), and the state the
// database ends in is exactly what a replay of the recorded history (person_events) gives: every confirmed and
// rejected face of every person, and every name, nothing more and nothing less.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { seedSyntheticVideo } from '../../e2e/support/seed.js';
import { startApi, type RunningApi } from '../../e2e/support/api.js';
import { sql } from '../../e2e/support/services.js';

let api: RunningApi;
const ROUNDS = Number(process.env.RACE_ROUNDS ?? 4);
const OPS_PER_ROUND = 36;

before(async () => {
  api = await startApi('keycast_test_api_people_races', { maxActiveJobsPerTenant: 0, rateLimitMax: 100_000 });
});
after(async () => {
  await api?.close();
});

/** A ready video of the test tenant with `n` synthetic faces; returns its id and its faces' public ids. */
async function readyVideo(n: number, seed: number): Promise<{ id: string; faces: string[] }> {
  return seedSyntheticVideo(api.deps.store, {
    tenantId: api.auth.tenantId,
    filename: `r${seed}.mp4`,
    n,
    face: (i, j) => Math.sin(j * (1 + ((i + seed) % 4))) + i * 1e-3,
  });
}

type Answer = { statusCode: number; body: string; json<T = any>(): T };
const send = (method: string, url: string, body?: unknown): Promise<Answer> =>
  api.app.inject({
    method: method as 'GET',
    url,
    headers: { ...api.auth.headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
  });

/** A small deterministic generator: the same rounds every run (RACE_SEED to vary them). */
function rng(seed: number) {
  let s = seed >>> 0;
  const next = () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
  return {
    int: (n: number) => Math.floor(next() * n),
    pick<T>(xs: readonly T[]): T {
      return xs[Math.floor(next() * xs.length)];
    },
    some<T>(xs: readonly T[], max: number): T[] {
      const k = 1 + Math.floor(next() * max);
      return [...new Set(Array.from({ length: k }, () => xs[Math.floor(next() * xs.length)]))];
    },
  };
}

interface Event {
  person_id: string;
  action: string;
  detail: Record<string, any>;
}

/**
 * The people a replay of the history gives: per surviving person, its confirmed and rejected faces (public ids) and,
 * when it never merged, its name. Events carry their person as it is now (a merge moves the merged people's history
 * onto the kept person), so merged people are one group; a move between two people of one group is no move.
 */
function replay(events: Event[], existingFaces: Set<string>) {
  const groupOf = new Map<string, string>();
  for (const e of events) if (e.action === 'merged') for (const p of e.detail.people as string[]) groupOf.set(p, e.person_id);
  const group = (p: string) => {
    let g = p;
    for (let i = 0; i < 1000 && groupOf.has(g); i++) g = groupOf.get(g)!;
    return g;
  };
  const owner = new Map<string, string>();
  const rejected = new Map<string, Set<string>>();
  const name = new Map<string, string | null>();
  const merged = new Set<string>();
  const rejectedOf = (p: string) => rejected.get(p) ?? rejected.set(p, new Set()).get(p)!;
  const confirm = (p: string, faces: string[]) => {
    for (const f of faces) {
      owner.set(f, p);
      rejectedOf(p).delete(f);
    }
  };
  for (const { person_id: p, action, detail } of events) {
    if (action === 'created') {
      confirm(p, detail.faces);
      for (const f of detail.exclude as string[]) rejectedOf(p).add(f);
      if (!name.has(p)) name.set(p, detail.name);
    } else if (action === 'renamed') name.set(p, detail.to);
    else if (action === 'faces_confirmed') confirm(p, detail.faces);
    else if (action === 'faces_moved_out') {
      if (group(detail.to as string) !== p) for (const f of detail.faces as string[]) if (owner.get(f) === p) owner.delete(f);
    } else if (action === 'face_rejected') {
      // The event says whether the face was the rejecting person's: a merge may since have relabeled another's
      // rejection of a face this group's person held (it stayed with its holder), so "owned by p now" is not it.
      if (detail.was_confirmed) owner.delete(detail.face);
      rejectedOf(p).add(detail.face);
    } else if (action === 'merged') {
      merged.add(p);
      for (const f of [...rejectedOf(p)]) if (owner.get(f) === p) rejectedOf(p).delete(f);
    } else assert.fail(`unknown action ${action}`);
  }
  const people = new Map<string, { faces: string[]; rejected: string[]; name: string | null | undefined }>();
  for (const e of events) {
    if (people.has(e.person_id)) continue;
    people.set(e.person_id, {
      faces: [...owner]
        .filter(([f, o]) => o === e.person_id && existingFaces.has(f))
        .map(([f]) => f)
        .sort(),
      rejected: [...rejectedOf(e.person_id)].filter((f) => existingFaces.has(f)).sort(),
      name: merged.has(e.person_id) ? undefined : name.get(e.person_id),
    });
  }
  return people;
}

/**
 * Checks that the people stored now are exactly what a replay of the recorded history gives; returns how many people
 * and events it compared.
 */
async function storedIsReplay(where: string): Promise<{ people: number; events: number }> {
  const events = await sql<Event>(api.databaseUrl, 'SELECT person_id::text, action, detail FROM person_events ORDER BY id');
  const existingFaces = new Set((await sql<{ p: string }>(api.databaseUrl, 'SELECT public_id::text AS p FROM faces')).map((x) => x.p));
  const expected = replay(events, existingFaces);
  const stored = await sql<{ id: string; name: string | null }>(api.databaseUrl, 'SELECT id::text, name FROM people ORDER BY id');
  assert.deepEqual([...expected.keys()].sort(), stored.map((p) => p.id).sort(), `${where}: the people the history has are the people stored`);
  const facesOf = async (table: string, id: string) =>
    (
      await sql<{ p: string }>(
        api.databaseUrl,
        `SELECT f.public_id::text AS p FROM ${table} x JOIN faces f ON f.id = x.face_id WHERE x.person_id = $1 ORDER BY 1`,
        [id],
      )
    ).map((x) => x.p);
  for (const p of stored) {
    const want = expected.get(p.id)!;
    assert.deepEqual(await facesOf('person_faces', p.id), want.faces, `${where}: confirmed faces of ${p.id}`);
    assert.deepEqual(await facesOf('person_rejections', p.id), want.rejected, `${where}: rejected faces of ${p.id}`);
    if (want.name !== undefined) assert.equal(p.name, want.name, `${where}: name of ${p.id}`);
  }
  return { people: stored.length, events: events.length };
}

test(`people edits racing video and person deletions, ${ROUNDS} rounds: no 5xx, and the final state is a replay of the history`, async (t) => {
  const r = rng(Number(process.env.RACE_SEED ?? 20261206));
  const statuses = new Map<string, number>();
  const compared = { people: 0, events: 0 };
  let people: string[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const videos = await Promise.all([0, 1, 2].map((k) => readyVideo(10, round * 3 + k)));
    const faces = videos.flatMap((v) => v.faces);
    // A few people to race over, made before the round.
    for (let k = 0; k < 4; k++) {
      const c = await send('POST', '/people', { name: `r${round}p${k}`, faces: r.some(faces, 4) });
      assert.equal(c.statusCode, 201, c.body);
      people.push(c.json().id);
    }
    const ops: [string, () => Promise<Answer>][] = [];
    for (let k = 0; k < OPS_PER_ROUND; k++) {
      // Mostly edits, some merges, few person deletions: the people race the video deletions more than each other.
      const kind = r.int(12);
      const p = r.pick(people);
      if (kind < 3) {
        const fs = r.some(faces, 6);
        const ex = r.some(faces, 2).filter((f) => !fs.includes(f));
        ops.push(['create', () => send('POST', '/people', { name: `n${k}`, faces: fs, exclude: ex })]);
      } else if (kind < 7) ops.push(['confirm', () => send('POST', `/people/${p}/faces`, { faces: r.some(faces, 5) })]);
      else if (kind < 8) ops.push(['reject', () => send('DELETE', `/people/${p}/faces/${r.pick(faces)}`)]);
      else if (kind < 9) ops.push(['rename', () => send('PATCH', `/people/${p}`, { name: `m${round}.${k}` })]);
      else if (kind < 11) {
        const others = r.some(people, 2).filter((o) => o !== p);
        if (others.length) ops.push(['merge', () => send('POST', `/people/${p}/merge`, { people: others })]);
      } else ops.push(['delete person', () => send('DELETE', `/people/${p}`)]);
    }
    // One of the round's videos is deleted in the middle of it all, while the others' faces keep people alive.
    const doomed = videos.slice(0, 1);
    doomed.forEach((v, j) =>
      ops.splice(Math.floor(((j + 1) * ops.length) / (doomed.length + 1)), 0, ['delete video', () => send('DELETE', `/videos/${v.id}`)]),
    );
    const answers = await Promise.all(ops.map(async ([what, run]) => [what, await run()] as const));
    for (const [what, a] of answers) {
      const key = `${what} ${a.statusCode}`;
      statuses.set(key, (statuses.get(key) ?? 0) + 1);
      assert.ok([200, 201, 204, 404, 409].includes(a.statusCode), `round ${round}, ${what}: ${a.statusCode} ${a.body.slice(0, 300)}`);
      if (a.statusCode >= 400) assert.deepEqual(Object.keys(a.json<object>()), ['error'], a.body);
      if (what === 'delete video') assert.equal(a.statusCode, 204, a.body);
      if (what === 'create' && a.statusCode === 201) people.push(a.json<{ id: string }>().id);
    }
    const alive = new Set((await sql<{ id: string }>(api.databaseUrl, 'SELECT id::text FROM people')).map((x) => x.id));
    people = people.filter((p) => alive.has(p));
    // After every round, not only at the end: merges and deletions leave few people by the last one.
    const checked = await storedIsReplay(`round ${round}`);
    compared.people += checked.people;
    compared.events += checked.events;
  }

  t.diagnostic(
    `answers: ${JSON.stringify(Object.fromEntries([...statuses].sort()))}; ${compared.people} people, ${compared.events} events replayed over ${ROUNDS} rounds`,
  );
  // The races happened: some edits lost to a deletion, and edits were made.
  const count = (re: RegExp) => [...statuses].filter(([k]) => re.test(k)).reduce((n, [, c]) => n + c, 0);
  assert.ok(count(/ (404|409)$/) > 0, 'some requests lost a race');
  for (const won of [/^create 201$/, /^confirm 200$/, /^merge 200$/]) assert.ok(count(won) > 0, `some ${won.source} won`);
  assert.ok(compared.people >= 2 * ROUNDS && compared.events >= 10 * ROUNDS, `a history worth replaying: ${JSON.stringify(compared)}`);
});
