// Property test over every operation of /openapi.json (issue 10): random path parameters, query strings and
// methods' bodies, by fast-check. Never a 5xx; every non-2xx is exactly {error: {code, message}}, with a code of
// the one list whose status is the answer's, and a status the operation documents.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import sharp from 'sharp';
import { DEFAULT_EXTRACT, ERROR_STATUS } from '../../../libs/config/index.js';
import type { FaceRecord } from '../../../libs/pipeline/types.js';
import { ClusterService } from '../../../libs/services/index.js';
import { startApi, type RunningApi } from '../../e2e/support/api.js';

let api: RunningApi;
let doc: { paths: Record<string, Record<string, { parameters?: { name: string; in: string }[]; responses: Record<string, unknown> }>> };
const ids = { video: '', pending: '', face: '' };
const RUNS = Number(process.env.FC_RUNS ?? 300);

before(async () => {
  api = await startApi('keycast_test_api_openapi_property', { maxActiveJobsPerTenant: 0, rateLimitMax: 100_000 });
  const { store } = api.deps;
  const img = await sharp({ create: { width: 16, height: 16, channels: 3, background: { r: 9, g: 80, b: 160 } } })
    .jpeg()
    .toBuffer();
  const faces: FaceRecord[] = [];
  for (let i = 0; i < 8; i++) {
    const c = Float32Array.from({ length: 128 }, (_, j) => Math.sin(j * (1 + (i % 2))) + i * 1e-3);
    faces.push({ frame: i * 10, k: 0, t: i, box: [1, 1, 10, 10], score: 0.9, face: c, cloth: c, thumbnail: img, body: img });
  }
  const v = await store.videos.create({
    tenantId: api.auth.tenantId,
    options: { ...DEFAULT_EXTRACT },
    sourceKey: 'videos/p/source',
    sizeBytes: 1,
    filename: 'p.mp4',
  });
  await store.segments.ensure(v.id, [{ idx: 0, startS: 0, endS: 8 }]);
  await store.writeFaceBatch(v.id, 0, faces, { frames: 8, faces: 8, t: 7, fraction: 1 });
  await new ClusterService(store).storeDefaultLinkage(v.id);
  await store.videos.markReady(v.id, { faceCount: 8, frameCount: 8, timings: {} });
  ids.video = v.id;
  ids.face = (await store.faces.loadFingerprints(v.id))[0].publicId;
  ids.pending = (await store.videos.create({ tenantId: api.auth.tenantId, options: { ...DEFAULT_EXTRACT }, sourceKey: 'videos/q/source', sizeBytes: 1 })).id;
  doc = (await api.app.inject({ method: 'GET', url: '/openapi.json' })).json();
});
after(async () => {
  await api?.close();
});

const text = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '0',
      '1',
      '-1',
      '0.5',
      '1e309',
      'NaN',
      'Infinity',
      'true',
      'false',
      'auto',
      'unclustered',
      'body',
      'face',
      '',
      ' ',
      '%',
      '..',
      'null',
      '[]',
      '__proto__',
      'average',
      '1,1',
      '0,0',
    ),
  },
  { weight: 2, arbitrary: fc.double().map(String) },
  { weight: 2, arbitrary: fc.integer().map(String) },
  { weight: 2, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 8 }) },
  { weight: 1, arbitrary: fc.string({ minLength: 90, maxLength: 400 }) },
);
const pathValue = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .constantFrom(
        () => ids.video,
        () => ids.pending,
        () => ids.face,
        () => randomUUID(),
        () => 'test',
        () => 'nobody',
      )
      .map((f) => f()),
  },
  { weight: 2, arbitrary: text },
);

test('property: every operation of /openapi.json, random parameters → no 5xx; every non-2xx documented, in the one error shape, with a code of its status', async (t) => {
  const ops = Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([m]) => ['get', 'post', 'put', 'patch', 'delete'].includes(m))
      .map(([method, op]) => ({ path, method, op })),
  );
  assert.ok(ops.length >= 12, `${ops.length} operations`);
  const byStatus = new Map<number, number>();
  const seen = new Set<string>();
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 0, max: ops.length - 1 }),
      pathValue,
      fc.array(
        fc.tuple(
          fc.oneof(
            fc.constantFrom(
              'sim',
              'min_csize',
              'method',
              'merge',
              'limit',
              'cursor',
              'cluster',
              'kind',
              'tile',
              'status',
              'owner',
              'cannot_link',
              'tracks',
              'face_cloth_weights',
            ),
            fc.string({ maxLength: 8 }),
          ),
          text,
        ),
        { maxLength: 4 },
      ),
      fc.boolean(),
      async (i, pv, query, withKey) => {
        const { path, method, op } = ops[i];
        const url = path.replace(/\{[^}]+\}/g, () => encodeURIComponent(pv));
        const qs = new URLSearchParams(query);
        const payload = method === 'post' ? { 'content-type': 'application/json' } : {};
        const r = await api.app.inject({
          method: method.toUpperCase() as 'GET',
          url: `${url}${query.length ? `?${qs.toString()}` : ''}`,
          headers: { ...(withKey ? api.auth.headers : {}), ...payload },
          ...(method === 'post' ? { payload: '{}' } : {}),
        });
        const what = `${method.toUpperCase()} ${url}?${qs.toString().slice(0, 200)} → ${r.statusCode} ${r.body.slice(0, 300)}`;
        byStatus.set(r.statusCode, (byStatus.get(r.statusCode) ?? 0) + 1);
        seen.add(`${method} ${path}`);
        assert.ok(r.statusCode < 500, what);
        if (r.statusCode >= 300) {
          assert.ok(Object.keys(op.responses).includes(String(r.statusCode)), `undocumented status: ${what}`);
          const body = r.json<{ error?: { code?: string; message?: string } }>();
          assert.deepEqual(Object.keys(body), ['error'], what);
          assert.deepEqual(Object.keys(body.error ?? {}).sort(), ['code', 'message'], what);
          const code = body.error!.code as keyof typeof ERROR_STATUS;
          assert.equal(ERROR_STATUS[code], r.statusCode, `code ${code} belongs to another status: ${what}`);
          assert.ok(typeof body.error!.message === 'string' && body.error!.message.length > 0, what);
        }
      },
    ),
    { numRuns: RUNS, seed: Number(process.env.FC_SEED ?? 20261129) },
  );
  t.diagnostic(
    `${RUNS} requests over ${seen.size} of ${ops.length} operations; answers by status: ${JSON.stringify(Object.fromEntries([...byStatus].sort()))}`,
  );
  assert.ok(seen.size >= ops.length - 2, `most operations tried: ${seen.size}/${ops.length}`);
});
