// Webhooks safely (the address rules alone: test/libs/webhooks/target.test.ts): callback hosts are resolved and checked (private, loopback, link-local, … refused unless allowed),
// again at each delivery (DNS rebinding), and the request goes to the checked address only; redirects are not
// followed; attempts time out; receivers can reject replays. Real HTTP receivers on loopback, real PostgreSQL.
import { createLogger } from '../../../libs/logger/index.js';
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { UnrecoverableError, type Job } from 'bullmq';
import { DEFAULT_EXTRACT, type ServiceConfig } from '../../../libs/config/node.js';
import type { WebhookJobData } from '../../../libs/queue/index.js';
import { migrate } from '../../../libs/store/index.js';
import { resolveWebhookTarget, type Resolve } from '../../../libs/webhooks/index.js';
import { createWorkerDeps, type WorkerDeps } from '../../../apps/worker/deps.js';
import { webhookEvent, webhookProcessor } from '../../../apps/worker/webhook.js';
import { signWebhook, verifyWebhook, WEBHOOK_SIGNATURE_HEADER, WEBHOOK_TIMESTAMP_HEADER } from '../../../libs/webhooks/index.js';
import { startReceiver } from '../../e2e/support/receiver.js';
import { dropDatabase, freshDatabase, sql, tempDir, testConfig, uniquePrefix, waitFor, TEST_REDIS_URL } from '../../e2e/support/services.js';

const DB = 'keycast_test_webhook_safety';
const SECRET = 'webhook-safety-secret';
const storage = tempDir('webhook-safety');
let databaseUrl: string;
let deps: WorkerDeps;
let videoId: string;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let port: number;
const servers: Server[] = [];

async function serve(handler: Parameters<typeof createServer>[1]): Promise<number> {
  const s = createServer(handler);
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return (s.address() as AddressInfo).port;
}

before(async () => {
  databaseUrl = await freshDatabase(DB);
  await migrate(databaseUrl);
  deps = createWorkerDeps(
    testConfig({
      databaseUrl,
      redisUrl: TEST_REDIS_URL,
      storageDir: storage.dir,
      queuePrefix: uniquePrefix('webhook-safety'),
      webhookSecret: SECRET,
      webhookTimeoutMs: 500,
    }),
  );
  videoId = (await deps.store.videos.create({ options: { ...DEFAULT_EXTRACT }, sourceKey: 'videos/x/source.mp4', sizeBytes: 1 })).id;
  receiver = await startReceiver(204);
  port = Number(new URL(receiver.url).port);
});
after(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
  await receiver?.close();
  await deps?.close();
  await dropDatabase(DB);
  storage.cleanup();
});

let seq = 0;
/** One delivery attempt through the queue's processor, with `over` on the worker's configuration. */
async function attempt(url: string, over: Partial<ServiceConfig> = {}, resolve?: Resolve) {
  const eventId = `evt-${++seq}`;
  const job = { data: { videoId, eventId, event: 'video.ready', url } satisfies WebhookJobData, attemptsMade: 0 } as unknown as Job<WebhookJobData>;
  const processor = webhookProcessor({ ...deps, config: { ...deps.config, ...over } }, { resolve });
  let thrown: unknown = null;
  let result: unknown = null;
  try {
    result = await processor(job);
  } catch (e) {
    thrown = e;
  }
  const [row] = await sql<{ status_code: number | null; error: string | null; delivered_at: Date | null }>(
    databaseUrl,
    'SELECT status_code, error, delivered_at FROM webhook_deliveries WHERE event_id = $1',
    [eventId],
  );
  return { eventId, result, thrown, row };
}
const deliveriesOf = (eventId: string) => receiver.deliveries.filter((d) => d.headers['x-keycast-delivery'] === eventId);
const loopbackAllowed = { webhookAllowedHosts: ['127.0.0.1'] };

test('delivery to an allowed loopback receiver: one signed POST, verified by the receiver, recorded delivered', async () => {
  const a = await attempt(receiver.url, loopbackAllowed);
  assert.equal(a.thrown, null);
  assert.deepEqual(a.result, { status: 204 });
  const [d] = deliveriesOf(a.eventId);
  assert.ok(d);
  assert.equal(verifyWebhook(SECRET, d.headers, d.body), true);
  assert.equal(JSON.parse(d.body).video_id, videoId);
  assert.equal(a.row.status_code, 204);
  assert.ok(a.row.delivered_at);
});

test('not allowed at delivery time: nothing is sent, the attempt is recorded as refused and not retried', async () => {
  const a = await attempt(receiver.url);
  assert.ok(a.thrown instanceof UnrecoverableError, String(a.thrown));
  assert.equal(deliveriesOf(a.eventId).length, 0, 'no request reached the receiver');
  assert.equal(a.row.status_code, null);
  assert.match(a.row.error!, /^refused: .*127\.0\.0\.1 is a loopback address/);
  assert.equal(a.row.delivered_at, null);
});

test('DNS rebinding: public when the upload was checked, loopback at delivery → refused, the receiver untouched', async () => {
  let answers = 0;
  const rebinding: Resolve = async () => (answers++ === 0 ? [{ address: '93.184.216.34', family: 4 }] : [{ address: '127.0.0.1', family: 4 }]);
  const url = `http://rebind.example:${port}/keycast-hook`;
  const atUpload = await resolveWebhookTarget(url, { allowPrivate: false, allowedHosts: [] }, { resolve: rebinding });
  assert.equal(atUpload.address.address, '93.184.216.34');
  const a = await attempt(url, {}, rebinding);
  assert.ok(a.thrown instanceof UnrecoverableError);
  assert.match(a.row.error!, /rebind\.example resolves to 127\.0\.0\.1, a loopback address/);
  assert.equal(deliveriesOf(a.eventId).length, 0);
});

test('the request goes to the checked address only: a name no DNS knows, allowed and resolved by the check, reaches the receiver with its Host', async () => {
  const only: Resolve = async (host) => (host === 'hooks.internal.test' ? [{ address: '127.0.0.1', family: 4 }] : []);
  const a = await attempt(`http://hooks.internal.test:${port}/keycast-hook`, { webhookAllowedHosts: ['hooks.internal.test'] }, only);
  assert.equal(a.thrown, null, String(a.thrown));
  const [d] = deliveriesOf(a.eventId);
  assert.equal(d.headers.host, `hooks.internal.test:${port}`);
  assert.equal(verifyWebhook(SECRET, d.headers, d.body), true);
});

test('redirects are not followed: a 302 is a failed (retried) attempt and its target gets nothing', async () => {
  let redirectHits = 0;
  const target = await serve((_req, res) => {
    redirectHits++;
    res.writeHead(204).end();
  });
  const redirecting = await serve((req, res) => {
    req.resume();
    res.writeHead(302, { location: `http://127.0.0.1:${target}/stolen` }).end();
  });
  const a = await attempt(`http://127.0.0.1:${redirecting}/hook`, loopbackAllowed);
  assert.ok(a.thrown instanceof Error && !(a.thrown instanceof UnrecoverableError), 'thrown so BullMQ retries it');
  assert.equal(a.row.status_code, 302);
  assert.match(a.row.error!, /redirects are not followed/);
  assert.equal(a.row.delivered_at, null);
  assert.equal(redirectHits, 0);
});

test('WEBHOOK_TIMEOUT_MS: a receiver that never answers is a failed attempt, the connection closed', async () => {
  let closed = 0;
  const silent = await serve((req) => {
    req.resume();
    req.socket.on('close', () => {
      closed++;
    });
  });
  const a = await attempt(`http://127.0.0.1:${silent}/hook`, loopbackAllowed);
  assert.ok(a.thrown instanceof Error && !(a.thrown instanceof UnrecoverableError));
  assert.equal(a.row.status_code, null);
  assert.match(a.row.error!, /^timeout: no answer within 500 ms/);
  await waitFor(async () => closed === 1, { what: 'keycast hanging up', timeoutMs: 10_000 });
});

test('replays: a captured delivery replayed after the tolerance (5 min) is rejected; a moved timestamp breaks the signature', () => {
  const body = '{"id":"evt","type":"video.ready"}';
  const sentAt = 1_800_000_000;
  const headers = { [WEBHOOK_TIMESTAMP_HEADER]: String(sentAt), [WEBHOOK_SIGNATURE_HEADER]: signWebhook(SECRET, sentAt, body) };
  assert.equal(verifyWebhook(SECRET, headers, body, { now: (sentAt + 30) * 1000 }), true, 'on time');
  assert.equal(verifyWebhook(SECRET, headers, body, { now: (sentAt + 300) * 1000 }), true, 'at the edge');
  assert.equal(verifyWebhook(SECRET, headers, body, { now: (sentAt + 301) * 1000 }), false, 'replayed 301 s later');
  assert.equal(verifyWebhook(SECRET, headers, body, { now: (sentAt + 6 * 3600) * 1000 }), false, 'replayed hours later');
  assert.equal(
    verifyWebhook(SECRET, { ...headers, [WEBHOOK_TIMESTAMP_HEADER]: String(sentAt + 360) }, body, { now: (sentAt + 361) * 1000 }),
    false,
    'fresh timestamp, old signature',
  );
  assert.equal(verifyWebhook(SECRET, headers, body, { now: (sentAt - 400) * 1000 }), false, 'from the future');
});

test('the callback URL travels through no queue payload and no log line: the delivery reads it from the video row; logs and retry reasons show its host only', async () => {
  const secretPath = '/hooks/tok_3f9a7c-private-token?sig=abc123';
  const failing = await serve((_req, res) => {
    res.statusCode = 500;
    res.end();
  });
  const url = `http://127.0.0.1:${failing}${secretPath}`;
  const id = (await deps.store.videos.create({ options: { ...DEFAULT_EXTRACT }, sourceKey: 'videos/y/source.mp4', sizeBytes: 1, callbackUrl: url })).id;
  const lines: string[] = [];
  const log = createLogger({ component: 'test', destination: { write: (s: string) => void lines.push(s) } });
  const job = {
    data: { videoId: id, eventId: 'evt-redact', event: 'video.ready' } satisfies WebhookJobData,
    attemptsMade: 0,
  } as unknown as Job<WebhookJobData>;
  const processor = webhookProcessor({ ...deps, log, config: { ...deps.config, ...loopbackAllowed } });
  const thrown = await processor(job).then(
    () => null,
    (e: Error) => e,
  );
  assert.ok(thrown, 'a 500 is a failed attempt');
  assert.match(thrown.message, new RegExp(`http://127\\.0\\.0\\.1:${failing}/…`));
  assert.ok(!thrown.message.includes('tok_3f9a7c') && !thrown.message.includes('abc123'), thrown.message);
  assert.ok(lines.length > 0);
  for (const l of lines) assert.ok(!l.includes('tok_3f9a7c') && !l.includes('abc123'), l);
  const [row] = await sql<{ status_code: number }>(databaseUrl, 'SELECT status_code FROM webhook_deliveries WHERE event_id = $1', ['evt-redact']);
  assert.equal(row.status_code, 500, 'the attempt went to the URL stored on the video');
});

test("a webhook's created_at is the event's time (the video's finish), the same on every attempt, not the attempt's", async () => {
  const id = (await deps.store.videos.create({ options: { ...DEFAULT_EXTRACT }, sourceKey: 'videos/z/source.mp4', sizeBytes: 1 })).id;
  await deps.store.videos.markReady(id, { faceCount: 0, frameCount: 0, timings: {} });
  const video = (await deps.store.videos.get(id))!;
  const first = webhookEvent(video, 'video.ready', 'evt', '');
  await new Promise((r) => setTimeout(r, 30));
  const retry = webhookEvent((await deps.store.videos.get(id))!, 'video.ready', 'evt', '');
  assert.equal(first.created_at, video.finishedAt!.toISOString());
  assert.equal(retry.created_at, first.created_at);
});

test('person.updated: the body carries the video and the person as it is now (deleted once gone) and the action', async () => {
  const tenant = (await sql<{ id: string }>(databaseUrl, "INSERT INTO tenants (name) VALUES ('webhook-people') RETURNING id"))[0].id;
  const person = await deps.store.people.create({ tenantId: tenant }, 'Ada');
  const video = (
    await deps.store.videos.create({
      tenantId: tenant,
      options: { ...DEFAULT_EXTRACT },
      sourceKey: 'videos/z/source.mp4',
      sizeBytes: 1,
      callbackUrl: receiver.url,
    })
  ).id;
  const send = async (personId: string) => {
    const eventId = `evt-person-${++seq}`;
    const job = {
      data: { videoId: video, eventId, event: 'person.updated', person: { id: personId, action: 'renamed' } } satisfies WebhookJobData,
      attemptsMade: 0,
    } as unknown as Job<WebhookJobData>;
    assert.deepEqual(await webhookProcessor({ ...deps, config: { ...deps.config, ...loopbackAllowed } })(job), { status: 204 });
    const [d] = deliveriesOf(eventId);
    assert.equal(verifyWebhook(SECRET, d.headers, d.body), true);
    assert.equal(d.headers['x-keycast-event'], 'person.updated');
    return JSON.parse(d.body);
  };
  const body = await send(person);
  assert.equal(body.type, 'person.updated');
  assert.equal(body.video_id, video);
  assert.deepEqual(body.person, { id: person, name: 'Ada', deleted: false, action: 'renamed' });
  assert.equal(body.links.person, `${deps.config.publicBaseUrl}/people/${person}`);
  await deps.store.people.delete(person);
  assert.deepEqual((await send(person)).person, { id: person, name: null, deleted: true, action: 'renamed' });
});
