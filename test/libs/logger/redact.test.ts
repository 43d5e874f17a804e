import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import Fastify from 'fastify';
import { createLogger, redactText, redactUrl, REDACTED, withContext } from '../../../libs/logger/index.js';

const KEY = `kc_${'A'.repeat(43)}`;

function capture(level = 'debug') {
  const lines: string[] = [];
  const destination = new Writable({
    write(c: Buffer, _e, cb) {
      lines.push(String(c));
      cb();
    },
  });
  return { log: createLogger({ level, component: 'test', destination }), text: () => lines.join('') };
}

test('redactUrl: a path of this API keeps its parameters but the secret ones; an absolute URL keeps its scheme and host only', () => {
  assert.equal(redactUrl('/videos/v/media?token=m2.abc.def&sim=0.5'), `/videos/v/media?token=${REDACTED}&sim=0.5`);
  assert.equal(
    redactUrl('/x?Media_Token=a&X-Amz-Signature=b&api_key=c&key=d&limit=3'),
    `/x?Media_Token=${REDACTED}&X-Amz-Signature=${REDACTED}&api_key=${REDACTED}&key=${REDACTED}&limit=3`,
  );
  assert.equal(redactUrl('/x?%74oken=a'), `/x?%74oken=${REDACTED}`, 'an encoded name is judged decoded');
  assert.equal(redactUrl('/videos?owner=ada&key_min_s=2'), '/videos?owner=ada&key_min_s=2');
  assert.equal(redactUrl(`/no-such-route/${KEY}`), `/no-such-route/${REDACTED}`, 'a key pasted into a path');
  assert.equal(redactUrl('https://user:pw@hooks.example.com:8443/services/T0/B0/XYZ?sig=1#frag'), 'https://hooks.example.com:8443/…');
  assert.equal(redactUrl('http://127.0.0.1:9/'), 'http://127.0.0.1:9/');
  assert.equal(redactUrl('//evil.example/a?token=x'), REDACTED);
  assert.equal(redactUrl('not a url'), REDACTED);
  assert.equal(redactUrl(42), REDACTED);
});

test('redactText: URLs, secret parameters, credentials and keycast keys in free text', () => {
  const t = redactText(`GET /v?token=abc&sim=1 then https://a.example/p?q=s and Authorization: Bearer ${KEY} key ${KEY}`);
  assert.doesNotMatch(t, /abc|a\.example\/p|AAAA/);
  assert.match(t, /\/v\?token=\[REDACTED\]&sim=1/);
  assert.match(t, /https:\/\/a\.example\/…/);
});

test('every line: request URLs, credential headers, secret fields, URL fields, errors and messages are redacted', async () => {
  const { log, text } = capture();
  const app = Fastify({ loggerInstance: log });
  app.get('/x', async (req) => {
    req.log.info(
      {
        url: 'https://h.example/p?sig=SIG1',
        callbackUrl: 'https://u:PW1@x.example/a?s=1',
        token: 'TOK1',
        nested: { apiKey: 'AK1', webhookSecret: 'WS1' },
        list: [`see ${KEY}`],
      },
      'calling https://x.example/q?secret=SEC1 with Bearer BEARER1',
    );
    req.log.info('formatted %s', '/y?token=FMT1');
    throw new Error('failed GET /x?token=ERR1 at https://a.example/b?c=ERR2');
  });
  const r = await app.inject({ method: 'GET', url: '/x?token=URL1&sim=0.5', headers: { authorization: `Bearer ${KEY}` } });
  assert.equal(r.statusCode, 500);
  withContext(log, { requestId: 'r', callback_url: 'https://c.example/cb?k=CTX1' }).warn('child');
  await app.close();
  const out = text();
  for (const secret of ['URL1', 'SIG1', 'PW1', 'TOK1', 'AK1', 'WS1', 'AAAAAAAAAA', 'SEC1', 'BEARER1', 'FMT1', 'ERR1', 'ERR2', 'CTX1'])
    assert.ok(!out.includes(secret), `${secret} was logged:\n${out}`);
  // What is not secret stays: the route, its other parameters, the hosts, the status.
  assert.match(out, /"url":"\/x\?token=\[REDACTED\]&sim=0\.5"/);
  assert.match(out, /https:\/\/h\.example\/…/);
  assert.match(out, /"statusCode":500/);
});
