import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Validator } from '@seriousme/openapi-schema-validator';
import { startApi, call, type RunningApi } from '../../e2e/support/api.js';

let api: RunningApi;
let doc: any;

before(async () => {
  api = await startApi('keycast_test_api_openapi');
  const r = await call(api.baseUrl, 'GET', '/openapi.json');
  assert.equal(r.status, 200);
  doc = r.body;
});
after(async () => {
  await api?.close();
});

const ROUTES: [string, string, number[]][] = [
  ['post', '/videos', [202, 400, 413, 422]],
  ['get', '/videos', [200, 400]],
  ['get', '/videos/{id}', [200, 400, 404]],
  ['delete', '/videos/{id}', [204, 400, 404]],
  ['get', '/videos/{id}/clusters', [200, 400, 404, 409]],
  ['get', '/videos/{id}/faces', [200, 400, 404, 409]],
  ['get', '/videos/{id}/montage.png', [200, 400, 404, 409]],
  ['get', '/videos/{id}/questions', [200, 202, 400, 404, 409]],
  ['post', '/videos/{id}/questions/{qid}/answer', [200, 202, 400, 404, 409]],
  ['get', '/faces/{id}/thumbnail', [200, 400, 404]],
  ['delete', '/admin/tenants/{name}', [200, 400, 404]],
  ['get', '/videos/{id}/deliveries', [200, 400, 404]],
  ['post', '/people', [201, 400, 404]],
  ['get', '/people', [200, 400]],
  ['get', '/people/{id}', [200, 400, 404]],
  ['patch', '/people/{id}', [200, 400, 404]],
  ['delete', '/people/{id}', [204, 400, 404]],
  ['post', '/people/{id}/faces', [200, 400, 404]],
  ['delete', '/people/{id}/faces/{faceId}', [200, 400, 404]],
  ['post', '/people/{id}/merge', [200, 400, 404]],
  ['get', '/people/{id}/history', [200, 400, 404]],
  ['get', '/people/{id}/appearances', [200, 400, 404]],
  ['post', '/media-tokens', [201]],
  ['get', '/videos/{id}/media', [200, 206, 400, 404, 416]],
  ['post', '/search/faces', [200, 400, 413, 415, 422]],
  ['get', '/health', [200]],
  ['get', '/ready', [200, 503]],
];

test('/openapi.json is a valid OpenAPI 3.1 document (JSON-Schema validation against the official schema)', async () => {
  const v = new Validator();
  const res = await v.validate(structuredClone(doc));
  assert.equal(res.valid, true, JSON.stringify(res.errors, null, 1)?.slice(0, 2000));
  assert.equal(v.version, '3.1');
  // The validator does reject a broken document (a response without its required description).
  const broken = structuredClone(doc);
  delete broken.paths['/health'].get.responses['200'].description;
  assert.equal((await new Validator().validate(broken)).valid, false);
});

test('every route is documented with its parameters, request body and every answer, errors as the shared Error schema', () => {
  assert.deepEqual(Object.keys(doc.paths).sort(), [...new Set(ROUTES.map((r) => r[1]))].sort());
  for (const [method, path, statuses] of ROUTES) {
    const op = doc.paths[path][method];
    assert.ok(op, `${method} ${path}`);
    for (const s of statuses) assert.ok(op.responses[s], `${method} ${path} documents ${s}`);
    for (const [s, r] of Object.entries<any>(op.responses)) {
      const schema = r.content?.['application/json']?.schema;
      if (path === '/ready' && s === '503')
        assert.deepEqual(schema.properties.error.required, ['code', 'message'], '/ready 503 carries the error shape (plus the checks)');
      else if (Number(s) >= 400) assert.equal(schema?.$ref, '#/components/schemas/Error', `${method} ${path} ${s}`);
      else if (Number(s) !== 204) assert.ok(r.content && Object.values<any>(r.content)[0].schema, `${method} ${path} ${s} has a schema`);
    }
    if (path.includes('{id}'))
      assert.ok(
        op.parameters.some((p: any) => p.in === 'path' && p.name === 'id' && p.required),
        `${method} ${path} id param`,
      );
  }
  const upload = doc.paths['/videos'].post.requestBody.content['multipart/form-data'].schema;
  // A file or a url (ingest-url.test.ts): neither is required by the form alone; JSON requires its url.
  assert.equal(upload.required, undefined);
  assert.equal(upload.properties.file.format, 'binary');
  assert.equal(upload.properties.url.format, 'uri');
  const byUrl = doc.paths['/videos'].post.requestBody.content['application/json'].schema;
  assert.deepEqual(byUrl.required, ['url']);
  assert.deepEqual(
    Object.keys(byUrl.properties).sort(),
    Object.keys(upload.properties)
      .filter((k) => k !== 'file')
      .sort(),
  );
  for (const o of [
    'capture_interval_sec',
    'use_scene_transition',
    'skip_sec',
    'stop_sec',
    'face_cnt',
    'frame_batch_size',
    'resizing_resolution',
    'max_faces_per_frame',
    'cloth_encoder',
    'callback_url',
  ]) {
    assert.ok(upload.properties[o], `upload documents ${o}`);
  }
  const clusterParams = doc.paths['/videos/{id}/clusters'].get.parameters
    .filter((p: any) => p.in === 'query')
    .map((p: any) => p.name)
    .sort();
  assert.deepEqual(clusterParams, [
    'cannot_link',
    'cloth_threshold',
    'face_cloth_weights',
    'face_threshold',
    'faces_limit',
    'faces_per_cluster',
    'iterations',
    'key_min_s',
    'key_min_share',
    'merge',
    'merge_fragments',
    'method',
    'min_csize',
    'quality_weighting',
    'shot_aware',
    'sim',
    'tracks',
  ]);
  const err = doc.components.schemas.Error;
  assert.deepEqual(err.required, ['error']);
  assert.deepEqual(err.properties.error.required, ['code', 'message']);
});

test('the bearer scheme is documented, on every operation but /health and /ready, each with its 401', () => {
  assert.deepEqual(doc.components.securitySchemes.bearerAuth, { ...doc.components.securitySchemes.bearerAuth, type: 'http', scheme: 'bearer' });
  for (const [method, path] of ROUTES) {
    const op = doc.paths[path][method];
    if (path === '/health' || path === '/ready') {
      assert.equal(op.security, undefined, `${path} is open`);
      assert.equal(op.responses['401'], undefined);
      continue;
    }
    assert.deepEqual(op.security, [{ bearerAuth: [] }], `${method} ${path}`);
    assert.equal(op.responses['401']?.content['application/json'].schema.$ref, '#/components/schemas/Error', `${method} ${path} documents 401`);
  }
});

test('/docs serves the Swagger UI', async () => {
  const res = await fetch(`${api.baseUrl}/docs/`);
  assert.equal(res.status, 200);
  assert.match(await res.text(), /swagger/i);
});
