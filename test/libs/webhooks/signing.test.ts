import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { WEBHOOK_SIGNATURE_HEADER, WEBHOOK_TIMESTAMP_HEADER, signWebhook, verifyWebhook, webhookHeaders } from '../../../libs/webhooks/index.js';

const SECRET = 'whsec_test';
const TS = 1_700_000_000;
const BODY = '{"event":"video.ready","video_id":"3f1c"}';
// Computed independently:
//   printf '%s' '1700000000.{"event":"video.ready","video_id":"3f1c"}' | openssl dgst -sha256 -hmac 'whsec_test'
const BODY_SIG = 'sha256=959fa4635e7e5fe4e5b5ba877c77eff9e8ffbd8ce639c34df23c2a08e562cefa';
// Non-ASCII body: the MAC is over UTF-8 bytes.
const UTF8_BODY = '{"event":"video.ready","video_id":"3f1c","name":"Zoë ✓"}';
const UTF8_SIG = 'sha256=1bd9a6b9f789069ace62c9b2c9b96a1beef27fb7542868a8980122008b6ce3c4';

const atTs = { now: TS * 1000 };
const headersFor = (ts: number, sig: string) => ({ [WEBHOOK_TIMESTAMP_HEADER]: String(ts), [WEBHOOK_SIGNATURE_HEADER]: sig });

test('header names are the documented ones', () => {
  assert.equal(WEBHOOK_SIGNATURE_HEADER, 'x-keycast-signature');
  assert.equal(WEBHOOK_TIMESTAMP_HEADER, 'x-keycast-timestamp');
});

test('signWebhook matches vectors computed with openssl dgst -sha256 -hmac', () => {
  assert.equal(signWebhook(SECRET, TS, BODY), BODY_SIG);
  assert.equal(signWebhook(SECRET, TS, UTF8_BODY), UTF8_SIG);
});

test('signWebhook agrees with openssl on a random body and secret', (t) => {
  const probe = spawnSync('openssl', ['version']);
  if (probe.status !== 0) {
    t.skip('openssl absent');
    return;
  }
  const secret = randomBytes(12).toString('hex');
  const body = JSON.stringify({ event: 'video.failed', id: randomBytes(8).toString('hex'), error: { code: 'X', message: 'é\n"q"' } });
  const ts = 1_712_345_678;
  const r = spawnSync('openssl', ['dgst', '-sha256', '-hmac', secret], { input: `${ts}.${body}` });
  assert.equal(r.status, 0);
  const hex = /([0-9a-f]{64})\s*$/.exec(r.stdout.toString())?.[1];
  assert.ok(hex, `unexpected openssl output: ${String(r.stdout)}`);
  assert.equal(signWebhook(secret, ts, body), `sha256=${hex}`);
});

test('signWebhook rejects non-integer or negative timestamps', () => {
  assert.throws(() => signWebhook(SECRET, 1.5, BODY), RangeError);
  assert.throws(() => signWebhook(SECRET, -1, BODY), RangeError);
  assert.throws(() => signWebhook(SECRET, Number.NaN, BODY), RangeError);
});

test('verifyWebhook accepts the genuine signature, also with array and mixed-case headers', () => {
  assert.equal(verifyWebhook(SECRET, headersFor(TS, BODY_SIG), BODY, atTs), true);
  assert.equal(verifyWebhook(SECRET, headersFor(TS, UTF8_SIG), UTF8_BODY, atTs), true);
  assert.equal(
    verifyWebhook(SECRET, { 'X-Keycast-Timestamp': [String(TS)], 'X-Keycast-Signature': BODY_SIG.toUpperCase().replace('SHA256=', 'sha256=') }, BODY, atTs),
    true,
  );
});

test('verifyWebhook rejects a tampered body, a wrong secret and a flipped signature digit', () => {
  assert.equal(verifyWebhook(SECRET, headersFor(TS, BODY_SIG), BODY.replace('3f1c', '3f1d'), atTs), false);
  assert.equal(verifyWebhook(SECRET, headersFor(TS, BODY_SIG), `${BODY} `, atTs), false);
  assert.equal(verifyWebhook('whsec_other', headersFor(TS, BODY_SIG), BODY, atTs), false);
  const flipped = BODY_SIG.slice(0, -1) + (BODY_SIG.endsWith('a') ? 'b' : 'a');
  assert.equal(verifyWebhook(SECRET, headersFor(TS, flipped), BODY, atTs), false);
  // The timestamp is signed: moving it (even inside the tolerance) breaks the signature.
  assert.equal(verifyWebhook(SECRET, headersFor(TS + 1, BODY_SIG), BODY, atTs), false);
});

test('verifyWebhook enforces the tolerance window on both sides, inclusive at the edge', () => {
  const h = headersFor(TS, BODY_SIG);
  assert.equal(verifyWebhook(SECRET, h, BODY, { now: (TS + 300) * 1000 }), true);
  assert.equal(verifyWebhook(SECRET, h, BODY, { now: (TS + 301) * 1000 }), false);
  assert.equal(verifyWebhook(SECRET, h, BODY, { now: (TS - 301) * 1000 }), false);
  assert.equal(verifyWebhook(SECRET, h, BODY, { now: (TS + 3600) * 1000, toleranceSec: 3600 }), true);
  assert.equal(verifyWebhook(SECRET, h, BODY, { now: (TS + 1) * 1000, toleranceSec: 0 }), false);
});

test('verifyWebhook rejects missing, repeated and malformed headers', () => {
  assert.equal(verifyWebhook(SECRET, {}, BODY, atTs), false);
  assert.equal(verifyWebhook(SECRET, { [WEBHOOK_SIGNATURE_HEADER]: BODY_SIG }, BODY, atTs), false);
  assert.equal(verifyWebhook(SECRET, { [WEBHOOK_TIMESTAMP_HEADER]: String(TS) }, BODY, atTs), false);
  assert.equal(verifyWebhook(SECRET, { [WEBHOOK_TIMESTAMP_HEADER]: String(TS), [WEBHOOK_SIGNATURE_HEADER]: undefined }, BODY, atTs), false);
  assert.equal(verifyWebhook(SECRET, { [WEBHOOK_TIMESTAMP_HEADER]: [String(TS), String(TS)], [WEBHOOK_SIGNATURE_HEADER]: BODY_SIG }, BODY, atTs), false);
  assert.equal(
    verifyWebhook(SECRET, { [WEBHOOK_TIMESTAMP_HEADER]: String(TS), [WEBHOOK_SIGNATURE_HEADER]: BODY_SIG, 'X-Keycast-Signature': BODY_SIG }, BODY, atTs),
    false,
  );
  assert.equal(verifyWebhook(SECRET, headersFor(TS, BODY_SIG.slice('sha256='.length)), BODY, atTs), false);
  assert.equal(verifyWebhook(SECRET, headersFor(TS, BODY_SIG.slice(0, -2)), BODY, atTs), false);
  assert.equal(verifyWebhook(SECRET, { [WEBHOOK_TIMESTAMP_HEADER]: '1.7e9', [WEBHOOK_SIGNATURE_HEADER]: BODY_SIG }, BODY, atTs), false);
  assert.equal(verifyWebhook(SECRET, { [WEBHOOK_TIMESTAMP_HEADER]: '', [WEBHOOK_SIGNATURE_HEADER]: BODY_SIG }, BODY, atTs), false);
});

test('webhookHeaders signs at the given clock and round-trips through verifyWebhook', () => {
  const nowMs = TS * 1000 + 999;
  const h = webhookHeaders(SECRET, BODY, nowMs);
  assert.deepEqual(h, { [WEBHOOK_TIMESTAMP_HEADER]: String(TS), [WEBHOOK_SIGNATURE_HEADER]: BODY_SIG });
  assert.equal(verifyWebhook(SECRET, h, BODY, { now: nowMs }), true);
  assert.equal(verifyWebhook(SECRET, h, BODY, { now: nowMs + 400_000 }), false);
});

test("receivers get verifyWebhook from the SDK's Node face (libs/sdk/node.ts): what the worker signs, the SDK verifies", async () => {
  const sdk = await import('../../../libs/sdk/node.js');
  const headers = webhookHeaders(SECRET, BODY);
  assert.equal(sdk.verifyWebhook(SECRET, headers, BODY), true);
  assert.equal(sdk.verifyWebhook(SECRET, headers, `${BODY} `), false);
  assert.equal(sdk.verifyWebhook('another-secret', headers, BODY), false);
  assert.equal(sdk.signWebhook(SECRET, TS, BODY), signWebhook(SECRET, TS, BODY));
  assert.deepEqual([sdk.WEBHOOK_SIGNATURE_HEADER, sdk.WEBHOOK_TIMESTAMP_HEADER], ['x-keycast-signature', 'x-keycast-timestamp']);
});
