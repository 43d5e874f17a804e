// PeopleRepository.constraintsForVideo (read by every re-cut): each person with a confirmed or rejected face in the
// video, sorted by id, with those faces sorted, and their name; the people of other videos left out.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createStore, migrate, type Store } from '../../../libs/store/index.js';
import { freshDatabase, dropDatabase, sql, tempDir } from '../../e2e/support/services.js';
import { seedReadyVideo, type SeedFace } from '../../e2e/support/seed.js';

const DB = 'keycast_test_store_constraints';
let url: string;
let store: Store;
const storage = tempDir('constraints');

before(async () => {
  url = await freshDatabase(DB);
  await migrate(url);
  store = createStore({ databaseUrl: url, storageDir: storage.dir });
});
after(async () => {
  await store.close();
  await dropDatabase(DB);
  storage.cleanup();
});

const faces = (n: number): SeedFace[] =>
  Array.from({ length: n }, (_, i) => ({ frame: i, k: 0, t: i, box: [0, 0, 50, 50], score: 0.9, face: [1, 0, 0, 0], cloth: [0, 1, 0, 0] }));
const probe = { duration_s: 20, fps: 1, width: 64, height: 64, rotation: 0, codec: 'h264', frame_count: 20 };

/** The rule, from the tables: what constraintsForVideo must answer. */
async function expected(videoId: string) {
  const rows = await sql<{ person_id: string; face_id: string; rejected: boolean; name: string | null }>(
    url,
    `SELECT pf.person_id::text AS person_id, pf.face_id::text AS face_id, false AS rejected, p.name FROM person_faces pf JOIN people p ON p.id = pf.person_id WHERE pf.video_id = $1
     UNION ALL SELECT pr.person_id::text, pr.face_id::text, true, p.name FROM person_rejections pr JOIN people p ON p.id = pr.person_id WHERE pr.video_id = $1`,
    [videoId],
  );
  const ids = [...new Set(rows.map((r) => r.person_id))].sort();
  const of = (id: string, rejected: boolean) =>
    rows
      .filter((r) => r.person_id === id && r.rejected === rejected)
      .map((r) => Number(r.face_id))
      .sort((a, b) => a - b);
  return ids.map((id) => ({ id, name: rows.find((r) => r.person_id === id)!.name, faces: of(id, false), rejected: of(id, true) }));
}

test('constraintsForVideo: confirmed and rejected faces per person of the video, by person id, faces sorted, names; none for a video without people', async () => {
  const tenant = await store.apiKeys.ensureTenant('constraints');
  const a = await seedReadyVideo(store, { tenantId: tenant.id, filename: 'a.mp4', probe, faces: faces(20) });
  const b = await seedReadyVideo(store, { tenantId: tenant.id, filename: 'b.mp4', probe, faces: faces(20) });
  const c = await seedReadyVideo(store, { tenantId: tenant.id, filename: 'c.mp4', probe, faces: faces(3) });
  const ids = (v: typeof a, at: number[]) => at.map((i) => v.stored[i].id);
  const people: string[] = [];
  for (const name of ['Ada', null, 'Bo "b"', 'Cy'])
    people.push((await sql<{ id: string }>(url, 'INSERT INTO people (tenant_id, name) VALUES ($1, $2) RETURNING id::text AS id', [tenant.id, name]))[0].id);
  const confirm = (p: number, v: typeof a, at: number[]) =>
    sql(url, 'INSERT INTO person_faces (face_id, person_id, video_id) SELECT unnest($1::bigint[]), $2, $3', [ids(v, at).map(String), people[p], v.id]);
  const reject = (p: number, v: typeof a, at: number[]) =>
    sql(url, 'INSERT INTO person_rejections (face_id, person_id, video_id) SELECT unnest($1::bigint[]), $2, $3', [ids(v, at).map(String), people[p], v.id]);
  // Inserted out of order; person 1 only rejects in a; person 3 only in b.
  await confirm(0, a, [9, 2, 5]);
  await confirm(2, a, [11, 1]);
  await reject(0, a, [7, 3]);
  await reject(1, a, [12]);
  await reject(2, a, [2, 9]);
  await confirm(0, b, [4]);
  await confirm(3, b, [0, 19, 8]);
  await reject(2, b, [8]);
  for (const v of [a, b]) {
    const got = await store.people.constraintsForVideo(v.id);
    assert.deepEqual(got, await expected(v.id));
    assert.deepEqual(
      got.map((p) => p.id),
      [...got.map((p) => p.id)].sort(),
    );
  }
  const inA = await store.people.constraintsForVideo(a.id);
  assert.equal(inA.length, 3);
  assert.deepEqual(
    inA.find((p) => p.id === people[0]),
    { id: people[0], name: 'Ada', faces: ids(a, [2, 5, 9]).sort((x, y) => x - y), rejected: ids(a, [3, 7]).sort((x, y) => x - y) },
  );
  assert.deepEqual(
    inA.find((p) => p.id === people[1]),
    { id: people[1], name: null, faces: [], rejected: ids(a, [12]) },
  );
  assert.deepEqual(await store.people.constraintsForVideo(c.id), []);
});
