// The review app's Review mode (apps/web/src/questions.tsx) in Debian's Chromium against the real API, on the labelled
// set "mixed" (bench/labelled-faces.ts), whose default cut holds two lookalikes in one cluster: one question at a
// time, answered by key (Y / N / S) or button; every step is checked in the API's state, not only on the page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { labelledFaces } from '../../../bench/labelled-faces.js';
import { missingSources } from '../../../bench/labelled-sets.js';
import { faceKey, seedReadyVideo } from '../../e2e/support/seed.js';
import { startApi, type RunningApi } from '../../e2e/support/api.js';
import { waitFor } from '../../e2e/support/services.js';
import { launchChromium, openPage, signIn } from './browser.js';

let api: RunningApi;
let browser: Browser;
let video: string;
const truthOf = new Map<string, string | null>();

/** Why the real faces these tests need are absent (../shared/data), or false: then every test skips with it. */
const missing = missingSources('mixed');

before(async () => {
  if (missing) return;
  api = await startApi('keycast_test_web_questions', { rateLimitMax: 0, syncLinkageMaxFaces: 100_000 });
  const set = await labelledFaces('mixed');
  const v = await seedReadyVideo(api.deps.store, { tenantId: api.auth.tenantId, filename: 'mixed.mp4', probe: set.fingerprints.video, faces: set.faces });
  const truth = new Map(set.faces.map((f, i) => [faceKey(f), set.truth[i]]));
  for (const f of v.stored) truthOf.set(f.publicId, truth.get(faceKey(f)) ?? null);
  video = v.id;
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await api?.close().catch(() => undefined);
});

const get = async (path: string) => {
  const r = await api.call('GET', path);
  assert.equal(r.status, 200, `${path}: ${JSON.stringify(r.body)}`);
  return r.body;
};

/** Clusters of the default cut that hold two labelled identities. */
async function mixed(): Promise<number> {
  const c = await get(`/videos/${video}/clusters?faces_per_cluster=1000`);
  return (c.clusters as { faces: string[] }[]).filter((x) => new Set(x.faces.map((f) => truthOf.get(f)).filter(Boolean)).size > 1).length;
}

/** The question on the page: its id and the faces of its two sides. */
async function shown(page: Page): Promise<{ id: string; a: string[]; b: string[] }> {
  const q = page.getByLabel('Question', { exact: true });
  await q.waitFor();
  const faces = async (name: string) =>
    (await q.getByRole('group', { name }).getByRole('img').all()).map(async (img) => ((await img.getAttribute('alt')) ?? '').replace(/^Face /, ''));
  return { id: (await q.getAttribute('data-question'))!, a: await Promise.all(await faces('First side')), b: await Promise.all(await faces('Second side')) };
}

const identity = (faces: string[]) => {
  const votes = new Map<string, number>();
  for (const f of faces) if (truthOf.get(f)) votes.set(truthOf.get(f)!, (votes.get(truthOf.get(f)!) ?? 0) + 1);
  return [...votes].sort((a, b) => b[1] - a[1])[0]?.[0] ?? null;
};

test(
  'Review mode: the best question first, N parts the lookalikes (in the API), S skips, Y confirms; the count of answers and faces moved',
  { skip: missing },
  async () => {
    const w = await openPage(browser, api.baseUrl);
    const { page } = w;
    await signIn(page, api.auth.key);
    await page.getByRole('heading', { name: 'Videos' }).waitFor();
    await page.goto(`/#/videos/${video}`);
    await page.getByRole('group', { name: 'Mode' }).getByRole('button', { name: 'Review' }).click();

    // The page asks what the API ranks first, with each side's faces as images.
    const first = await shown(page);
    const api0 = await get(`/videos/${video}/questions?limit=1`);
    assert.equal(first.id, api0.items[0].id);
    assert.deepEqual(first.a, api0.items[0].a.face_ids);
    assert.deepEqual(first.b, api0.items[0].b.face_ids);
    assert.notEqual(identity(first.a), identity(first.b), 'the first question is about two people');
    assert.equal(await mixed(), 1);

    // N: the two sides are two people; the API now holds two people and no mixed cluster.
    await page.keyboard.press('n');
    await waitFor(async () => ((await page.getByRole('status', { name: 'Answers' }).textContent()) ?? '').startsWith('1 answer · '), {
      what: 'one answer counted',
    });
    assert.match((await page.getByRole('status', { name: 'Answers' }).textContent()) ?? '', new RegExp(`^1 answer · ${api0.items[0].moved} faces? moved$`));
    assert.equal(await mixed(), 0);
    assert.equal((await get('/people?limit=100')).items.length, 2);
    const second = await shown(page);
    assert.notEqual(second.id, first.id);

    // S: skipped on the page only: the API's state and list do not change.
    const before = await get(`/videos/${video}/questions?limit=100`);
    await page.keyboard.press('s');
    await waitFor(async () => (await shown(page)).id !== second.id, { what: 'the next question' });
    assert.deepEqual(
      (await get(`/videos/${video}/questions?limit=100`)).items.map((q: { id: string }) => q.id),
      before.items.map((q: { id: string }) => q.id),
    );
    assert.equal((await get('/people?limit=100')).items.length, 2);
    assert.match((await page.getByRole('status', { name: 'Answers' }).textContent()) ?? '', /^1 answer · /);

    // The Yes button: a question the oracle says yes to (skipping the others) confirms its sides as one person.
    for (let k = 0; k < 40; k++) {
      const q = await shown(page);
      if (identity(q.a) && identity(q.a) === identity(q.b)) {
        const people = (await get('/people?limit=100')).items.length;
        await page.getByRole('button', { name: 'Yes (Y)' }).click();
        await waitFor(async () => ((await page.getByRole('status', { name: 'Answers' }).textContent()) ?? '').startsWith('2 answers · '), {
          what: 'two answers counted',
        });
        const after = (await get('/people?limit=100')).items as { faces: string[] }[];
        assert.ok(after.length >= people, 'no person lost');
        assert.ok(
          after.some((p) => [...q.a, ...q.b].every((f) => p.faces.includes(f))),
          'both sides confirmed for one person',
        );
        assert.ok(!(await get(`/videos/${video}/questions?limit=100`)).items.some((x: { id: string }) => x.id === q.id));
        break;
      }
      await page.getByRole('button', { name: 'Skip (S)' }).click();
      await waitFor(async () => (await page.getByLabel('Question', { exact: true }).getAttribute('data-question')) !== q.id, { what: 'skipped' });
    }
    assert.match((await page.getByRole('status', { name: 'Answers' }).textContent()) ?? '', /^2 answers · /);
    assert.deepEqual(w.appErrors(), []);
    await w.context.close();
  },
);
