// Property test over every operation of /openapi.json (issue 10): random path parameters, query strings and
// methods' bodies, by fast-check. Never a 5xx; every non-2xx is exactly {error: {code, message}}, with a code of
// the one list whose status is the answer's, and a status the operation documents. Issue 20 added hostile strings
// in every string (NUL, lone surrogates, control and bidi characters, 1 MB, UUIDs in other cases and with braces,
// numbers as strings, prototype keys) and bodies built from each operation's own schema, JSON and multipart,
// well-formed and malformed (truncated, wrong boundary, extra and missing parts, wrong content type, empty).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import sharp from 'sharp';
import { DEFAULT_EXTRACT, ERROR_STATUS } from '../../../libs/config/index.js';
import { multipartBody, type RawPart } from '../../helpers/multipart.js';
import type { FaceRecord } from '../../../libs/pipeline/types.js';
import { ClusterService } from '../../../libs/services/index.js';
import { startApi, type RunningApi } from '../../e2e/support/api.js';
import { createTestKey } from '../../e2e/support/auth.js';

let api: RunningApi;
interface JsonSchema {
  type?: string;
  format?: string;
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
}
interface Operation {
  parameters?: { name: string; in: string }[];
  requestBody?: { content: Record<string, { schema?: JsonSchema }> };
  responses: Record<string, unknown>;
}
let doc: { paths: Record<string, Record<string, Operation>> };
const ids = { video: '', pending: '', face: '', person: '' };
const ADMIN = 'admin-token-for-the-openapi-property-test-0123';
const RUNS = Number(process.env.FC_RUNS ?? 300);

before(async () => {
  api = await startApi('keycast_test_api_openapi_property', { maxActiveJobsPerTenant: 0, rateLimitMax: 100_000, adminToken: ADMIN });
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
  // A tenant the admin operation may purge (purging `test` would turn the rest of the run into 401s).
  await createTestKey(api.databaseUrl, 'spare');
  ids.person = (await api.deps.people.create({ scope: { tenantId: api.auth.tenantId }, keyId: null }, { name: 'p', faces: [] })).id;
  doc = (await api.app.inject({ method: 'GET', url: '/openapi.json' })).json();
});
after(async () => {
  await api?.close();
});

/** Strings no well-behaved client sends: what issue 20 found answered 500, and their relatives. */
const MB = 'x'.repeat(1 << 20);
const hostile = fc.oneof(
  fc.constantFrom(
    '\u0000',
    'a\u0000b',
    '\ud800',
    'x\udc00y',
    '\udbff\ud800',
    '\u0007bell',
    '\u001b[31m',
    '\u0085',
    '\u202egnp.exe',
    '\u2066x\u2069',
    '\u200f',
    ' \t ',
    '\ufeff',
    MB,
    '__proto__',
    'constructor',
    'prototype',
    'toString',
    '7',
    '-0',
    '1e3',
    '0x10',
    '0b1',
    'Infinity',
    '-Infinity',
    '1e309',
    ' 1',
  ),
  fc.uuid().map((u) => u.toUpperCase()),
  fc.uuid().map((u) => `{${u}}`),
  fc.uuid().map((u) => `urn:uuid:${u}`),
  fc.uuid().map((u) => u.replace(/-/g, '')),
);
/** Our own ids in other spellings: upper case, braces, a URN. */
const respelled = fc
  .tuple(
    fc.constantFrom(
      () => ids.video,
      () => ids.face,
      () => ids.person,
    ),
    fc.constantFrom(
      (u: string) => u.toUpperCase(),
      (u: string) => `{${u}}`,
      (u: string) => `urn:uuid:${u}`,
      (u: string) => ` ${u}`,
    ),
  )
  .map(([id, f]) => f(id()));

const text = fc.oneof(
  { weight: 3, arbitrary: hostile },
  { weight: 1, arbitrary: respelled },
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
        () => ids.person,
        () => randomUUID(),
        () => 'spare',
        () => 'nobody',
      )
      .map((f) => f()),
  },
  { weight: 2, arbitrary: text },
);

/** Percent-encoding that also writes a lone surrogate (as the three bytes a WTF-8 client would send): encodeURIComponent throws on one. */
function enc(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    if (ch.length === 1 && c >= 0xd800 && c <= 0xdfff)
      out += [0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join('');
    else out += encodeURIComponent(ch);
  }
  return out;
}

const authOf = (who: string): Record<string, string> => (who === 'key' ? api.auth.headers : who === 'admin' ? { authorization: `Bearer ${ADMIN}` } : {});

type Answer = { statusCode: number; body: string; json<T>(): T };
/** A 2xx, or a status the operation documents, in the one error shape with a code of that status. Never a 5xx. */
function assertContract(op: Operation, r: Answer, what: string): void {
  assert.ok(r.statusCode < 500, what);
  if (r.statusCode < 300) return;
  assert.ok(Object.keys(op.responses).includes(String(r.statusCode)), `undocumented status: ${what}`);
  const body = r.json<{ error?: { code?: string; message?: string } }>();
  assert.deepEqual(Object.keys(body), ['error'], what);
  assert.deepEqual(Object.keys(body.error ?? {}).sort(), ['code', 'message'], what);
  const code = body.error!.code as keyof typeof ERROR_STATUS;
  assert.equal(ERROR_STATUS[code], r.statusCode, `code ${code} belongs to another status: ${what}`);
  assert.ok(typeof body.error!.message === 'string' && body.error!.message.length > 0, what);
}

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
      fc.constantFrom('key', 'key', 'key', 'none', 'admin'),
      async (i, pv, query, who) => {
        const { path, method, op } = ops[i];
        const url = path.replace(/\{[^}]+\}/g, () => enc(pv));
        const qs = query.map(([k, v]) => `${enc(k)}=${enc(v)}`).join('&');
        const payload = method === 'post' ? { 'content-type': 'application/json' } : {};
        const r = await api.app.inject({
          method: method.toUpperCase() as 'GET',
          url: `${url}${query.length ? `?${qs}` : ''}`,
          headers: { ...authOf(who), ...payload },
          ...(method === 'post' ? { payload: '{}' } : {}),
        });
        const what = `${method.toUpperCase()} ${url.slice(0, 200)}?${qs.slice(0, 200)} → ${r.statusCode} ${r.body.slice(0, 300)}`;
        byStatus.set(r.statusCode, (byStatus.get(r.statusCode) ?? 0) + 1);
        seen.add(`${method} ${path}`);
        assertContract(op, r, what);
      },
    ),
    { numRuns: RUNS, seed: Number(process.env.FC_SEED ?? 20261129) },
  );
  t.diagnostic(
    `${RUNS} requests over ${seen.size} of ${ops.length} operations; answers by status: ${JSON.stringify(Object.fromEntries([...byStatus].sort()))}`,
  );
  assert.ok(seen.size >= ops.length - 2, `most operations tried: ${seen.size}/${ops.length}`);
});

/** A value for a property of a JSON body, by its schema: often right in type (our ids, text), often hostile. */
function valueFor(schema: JsonSchema | undefined, depth = 0): fc.Arbitrary<unknown> {
  const anyValue: fc.Arbitrary<unknown> = fc.oneof(text, fc.constant(null), fc.integer(), fc.constant({}), fc.constant([]));
  if (!schema || depth > 3) return anyValue;
  const types = schema.anyOf ? schema.anyOf : [schema];
  const right = types.map((t): fc.Arbitrary<unknown> => {
    if (t.type === 'array') return fc.array(valueFor(t.items, depth + 1), { maxLength: 4 });
    if (t.type === 'null') return fc.constant(null);
    if (t.type === 'string' && t.format === 'uuid') return pathValue;
    if (t.type === 'string') return text;
    if (t.type === 'integer' || t.type === 'number') return fc.oneof(fc.integer(), text);
    if (t.type === 'object') return objectFor(t, depth + 1).map((b) => JSON.parse(b) as unknown);
    return anyValue;
  });
  return fc.oneof({ weight: 4, arbitrary: fc.oneof(...right) }, { weight: 1, arbitrary: anyValue });
}

/** A JSON object text for an object schema: some of its properties, sometimes unknown or prototype keys (written as text: an object literal cannot hold an own `__proto__`). */
function objectFor(schema: JsonSchema | undefined, depth = 0): fc.Arbitrary<string> {
  const props = Object.entries(schema?.properties ?? {});
  const known = props.map(([k, s]) => fc.option(fc.tuple(fc.constant(k), valueFor(s, depth)), { freq: 3 }));
  const extra = fc.array(
    fc.tuple(
      fc.oneof(fc.constantFrom('__proto__', 'constructor', 'prototype', 'x'), text),
      fc.oneof(valueFor(undefined), fc.constant({ prototype: { x: 1 } })),
    ),
    {
      maxLength: 2,
    },
  );
  return fc
    .tuple(fc.tuple(...known), fc.oneof({ weight: 3, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: extra }))
    .map(
      ([k, x]) =>
        `{${[...k.filter((e): e is [string, unknown] => e !== null), ...x].map(([name, v]) => `${JSON.stringify(name)}:${JSON.stringify(v)}`).join(',')}}`,
    );
}

/** A request body as bytes with its content type: the schema's JSON object, or a malformed relative of it. */
function jsonBody(schema: JsonSchema | undefined): fc.Arbitrary<{ payload: string | Buffer; type: string | undefined }> {
  const json = (payload: string | Buffer, type: string | undefined = 'application/json') => ({ payload, type });
  return fc.oneof(
    { weight: 8, arbitrary: objectFor(schema).map((b) => json(b)) },
    { weight: 1, arbitrary: fc.tuple(objectFor(schema), fc.nat()).map(([b, n]) => json(b.slice(0, n % Math.max(1, b.length)))) },
    { weight: 1, arbitrary: fc.constantFrom('', ' ', 'null', '[]', '"x"', '7', '{', '{"a":1}}', '\u0000', '{"faces": [}').map((b) => json(b)) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          objectFor(schema),
          fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data', 'application/json; charset=latin1', undefined),
        )
        .map(([b, t]) => json(b, t)),
    },
    { weight: 1, arbitrary: fc.constant(json(Buffer.from([0xff, 0xfe, 0x7b, 0x7d]))) },
  );
}

/** A multipart body: fields named by the form or hostile, file parts (none, one, two, misnamed), and broken framings. */
const multipart: fc.Arbitrary<{ payload: string | Buffer; type: string | undefined }> = fc
  .tuple(
    fc.array(
      fc.oneof(
        fc.tuple(fc.constantFrom('owner', 'callback_url', 'sim', 'stop_sec', 'capture_interval_sec', 'limit', '__proto__', 'file'), text),
        fc.tuple(text, text),
      ),
      { maxLength: 3 },
    ),
    fc.array(
      fc.tuple(
        fc.constantFrom('file', 'photo', '__proto__'),
        fc.oneof(text, fc.constantFrom('a.mp4', 'p.png', '../../x.png')),
        fc.uint8Array({ maxLength: 64 }),
      ),
      {
        maxLength: 2,
      },
    ),
    fc.constantFrom('ok', 'ok', 'ok', 'no-boundary', 'empty-boundary', 'other-boundary', 'unclosed', 'cut', 'empty', 'json-type'),
    fc.nat(),
  )
  .map(([fields, files, framing, n]) => {
    const parts: RawPart[] = [
      ...fields.map(([name, value]) => ({ name: name.replace(/["\r\n]/g, ''), value })),
      ...files.map(([name, filename, bytes]) => ({ name, filename: filename.slice(0, 300).replace(/["\r\n]/g, ''), value: bytes })),
    ];
    const m = multipartBody(parts, { end: framing !== 'unclosed' });
    if (framing === 'no-boundary') return { payload: m.body, type: 'multipart/form-data' };
    if (framing === 'empty-boundary') return { payload: m.body, type: 'multipart/form-data; boundary=' };
    if (framing === 'other-boundary') return { payload: m.body, type: 'multipart/form-data; boundary=not-the-one' };
    if (framing === 'cut') return { payload: m.body.subarray(0, n % Math.max(1, m.body.length)), type: m.contentType };
    if (framing === 'empty') return { payload: Buffer.alloc(0), type: m.contentType };
    if (framing === 'json-type') return { payload: m.body, type: 'application/json' };
    return { payload: m.body, type: m.contentType };
  });

test('property: hostile bodies on every operation that takes one (JSON from its schema, multipart, malformed) → no 5xx; every non-2xx documented, in the one error shape', async (t) => {
  const ops = Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([m, op]) => ['post', 'put', 'patch', 'delete'].includes(m) && op.requestBody)
      .map(([method, op]) => ({ path, method, op, multipart: 'multipart/form-data' in (op.requestBody?.content ?? {}) })),
  );
  // POST /videos, POST /people, PATCH /people/{id}, POST /people/{id}/faces, POST /people/{id}/merge, POST /search/faces at least.
  assert.ok(ops.length >= 6, ops.map((o) => `${o.method} ${o.path}`).join(', '));
  const byStatus = new Map<number, number>();
  const seen = new Set<string>();
  const runs = Math.ceil(RUNS * 1.5);
  await fc.assert(
    fc.asyncProperty(
      fc
        .integer({ min: 0, max: ops.length - 1 })
        .chain((i) => fc.tuple(fc.constant(i), ops[i].multipart ? multipart : jsonBody(ops[i].op.requestBody?.content['application/json']?.schema), pathValue)),
      fc.constantFrom('key', 'key', 'key', 'none'),
      async ([i, body, pv], who) => {
        const { path, method, op } = ops[i];
        const url = path.replace(/\{[^}]+\}/g, (m) => enc(m === '{id}' && path.startsWith('/people') && pv === ids.video ? ids.person : pv));
        const r = await api.app.inject({
          method: method.toUpperCase() as 'POST',
          url,
          headers: { ...authOf(who), ...(body.type !== undefined ? { 'content-type': body.type } : {}) },
          payload: body.payload,
        });
        const shown = typeof body.payload === 'string' ? body.payload.slice(0, 200) : `${body.payload.length} bytes`;
        const what = `${method.toUpperCase()} ${url.slice(0, 200)} [${body.type}] ${JSON.stringify(shown)} → ${r.statusCode} ${r.body.slice(0, 300)}`;
        byStatus.set(r.statusCode, (byStatus.get(r.statusCode) ?? 0) + 1);
        seen.add(`${method} ${path}`);
        assertContract(op, r, what);
      },
    ),
    { numRuns: runs, seed: Number(process.env.FC_SEED ?? 20261206) },
  );
  t.diagnostic(`${runs} bodies over ${seen.size} of ${ops.length} operations; answers by status: ${JSON.stringify(Object.fromEntries([...byStatus].sort()))}`);
  assert.equal(seen.size, ops.length, 'every operation with a body tried');
});
