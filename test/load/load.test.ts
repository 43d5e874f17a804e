// Load, short version (the benchmark is `npm run bench -- --only load`): uploads and cluster requests from three
// tenants at once, against a real API process and a real worker, with the rate limit on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runLoad, loadTable } from '../../bench/load.js';

test('10 s of concurrent uploads and GET /clusters from 3 tenants: no 5xx, no dropped connection, every accepted upload ends ready or failed with a reason, every 429 has Retry-After', async () => {
  const r = await runLoad({
    durationS: 10,
    referenceS: 0,
    tenants: 3,
    clusterConnections: 6,
    uploadConnections: 2,
    uploadRate: 2,
    // Low enough that each tenant's cluster key runs into it within the run (its upload key, at about 1 upload every 1.5 s, does not).
    rateLimit: { max: 40, windowMs: 10_000 },
    dbName: 'keycast_test_load',
    drainTimeoutS: 240,
  });
  console.log(
    loadTable(r)
      .split('\n')
      .map((l) => `# ${l}`)
      .join('\n'),
  );
  console.log(`# uploads: ${r.uploads.accepted} accepted, drained in ${r.uploads.drain_s.toFixed(1)} s; 429: ${JSON.stringify(r.too_many)}`);

  const clusters = r.phases.find((p) => p.name.startsWith('GET /clusters'))!;
  const uploads = r.phases.find((p) => p.name.startsWith('POST /videos'))!;
  assert.equal(r.server_errors, 0, 'no 5xx');
  for (const p of r.phases) {
    assert.equal(p.errors + p.timeouts, 0, `${p.name}: every request answered`);
    for (const code of Object.keys(p.status)) assert.ok(['200', '202', '429'].includes(code), `${p.name}: unexpected ${code}`);
  }
  assert.ok((clusters.status['200'] ?? 0) > 0, 'cluster requests were served');
  assert.ok(uploads.requests >= 5, `${uploads.requests} uploads sent`);
  assert.ok(r.uploads.accepted >= 1, 'uploads were accepted');

  // Nothing accepted is lost: each ends ready, or failed with a code and a message.
  assert.deepEqual(r.uploads.unsettled, [], 'every accepted upload ended ready or failed');
  assert.equal(r.uploads.settled.length, r.uploads.accepted);
  for (const v of r.uploads.settled) {
    if (v.status === 'failed') assert.ok(v.error_code && v.error_message, `failed ${v.id} has a reason: ${v.error_code} ${v.error_message}`);
  }
  assert.ok(r.uploads.settled.filter((v) => v.status === 'ready').length >= 1);
  assert.ok(
    r.uploads.settled.every((v) => v.tenant >= 0),
    'every upload belongs to one of the tenants',
  );

  // The limiter was met, and said when to come back.
  assert.ok(r.too_many.count > 0, 'the rate limit was reached');
  assert.equal(r.too_many.without_retry_after, 0, 'every 429 has Retry-After');
});
