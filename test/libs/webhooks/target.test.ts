// Which callback addresses may be called (libs/webhooks target.ts): the address ranges refused and the resolution
// rules. The delivery through the worker (rebinding, redirects, timeouts) is test/apps/worker/webhook-safety.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { forbiddenRange, resolveWebhookTarget, type Resolve } from '../../../libs/webhooks/index.js';

test('address ranges: private, loopback, link-local, CGNAT, multicast, unspecified, reserved refused; IPv4 inside IPv6 judged as IPv4', () => {
  const expect: [string, string | null][] = [
    ['8.8.8.8', null],
    ['1.1.1.1', null],
    ['172.32.0.1', null],
    ['2606:4700:4700::1111', null],
    ['::ffff:8.8.8.8', null],
    ['64:ff9b::808:808', null],
    ['10.0.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.0.1', 'private'],
    ['fd00::1', 'private'],
    ['fc00::1', 'private'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['::1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['64:ff9b::7f00:1', 'loopback'],
    ['169.254.169.254', 'link-local'],
    ['fe80::1', 'link-local'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['100.127.255.255', 'carrier-grade NAT'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['224.0.0.251', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['192.0.2.1', 'documentation'],
    ['2001:db8::1', 'documentation'],
    ['::ffff:10.1.2.3', 'private'],
    ['::ffff:169.254.169.254', 'link-local'],
  ];
  for (const [ip, range] of expect) assert.equal(forbiddenRange(ip), range, ip);
});

test('resolveWebhookTarget: only http(s); every resolved address checked; allowances by name, address, CIDR or WEBHOOK_ALLOW_PRIVATE', async () => {
  const none = { allowPrivate: false, allowedHosts: [] as string[] };
  const refused = async (url: string, policy = none, resolve?: Resolve) => {
    await assert.rejects(resolveWebhookTarget(url, policy, { resolve }), (e: { code?: string }) => e.code === 'INVALID_CALLBACK_URL', url);
  };
  for (const url of [
    'ftp://x.example/',
    'file:///etc/passwd',
    'gopher://127.0.0.1/',
    'javascript:alert(1)',
    'http://',
    'http://127.0.0.1/',
    'http://[::1]/',
    'http://2130706433/',
    'http://0x7f000001/',
    'http://localhost/',
    'http://169.254.169.254/',
    'http://[::ffff:a9fe:a9fe]/',
    'http://no-such-host.invalid/',
  ])
    await refused(url);
  const mixed: Resolve = async () => [
    { address: '93.184.216.34', family: 4 },
    { address: '10.0.0.7', family: 4 },
  ];
  await refused('https://hooks.example/', none, mixed);
  const pub: Resolve = async () => [{ address: '93.184.216.34', family: 4 }];
  assert.deepEqual((await resolveWebhookTarget('https://hooks.example/x', none, { resolve: pub })).address, { address: '93.184.216.34', family: 4 });
  // A reserved .invalid name is refused before any resolver is asked (no query leaves the machine).
  const asked: string[] = [];
  const spy: Resolve = async (h) => (asked.push(h), [{ address: '93.184.216.34', family: 4 }]);
  for (const url of ['http://no-such-host.invalid/', 'http://x.INVALID./hook', 'http://invalid/'])
    await assert.rejects(resolveWebhookTarget(url, none, { resolve: spy }), /does not resolve \(\.invalid is reserved/, url);
  assert.deepEqual(asked, []);
  await resolveWebhookTarget('http://invalid.example/', none, { resolve: spy });
  assert.deepEqual(asked, ['invalid.example']);
  const slow: Resolve = () => new Promise(() => {});
  await assert.rejects(resolveWebhookTarget('https://slow.example/', none, { resolve: slow, timeoutMs: 100 }), /does not resolve/);
  for (const allowedHosts of [['127.0.0.1'], ['127.0.0.0/8'], ['LOCALHOST']]) {
    const t = await resolveWebhookTarget(
      'http://localhost:9/x',
      { allowPrivate: false, allowedHosts },
      { resolve: async () => [{ address: '127.0.0.1', family: 4 }] },
    );
    assert.equal(t.address.address, '127.0.0.1', allowedHosts.join());
  }
  await refused('http://10.0.0.1/', { allowPrivate: false, allowedHosts: ['127.0.0.0/8'] });
  assert.equal((await resolveWebhookTarget('http://10.0.0.1/', { allowPrivate: true, allowedHosts: [] })).address.address, '10.0.0.1');
});
