import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keycast } from '../../helpers/cli.js';
import { REPO_ROOT } from '../../helpers/paths.js';

// scipy's linkage + fcluster(Z, max(pdist) * (1 - sim), 'distance') on 2,000 blob points in 256-d,
// written by scripts/make-clustering-fixtures.py.
const fixture = JSON.parse(readFileSync(join(REPO_ROOT, 'test/fixtures/clustering/blobs2000.json'), 'utf8')) as {
  n: number;
  d: number;
  pointsF32Base64: string;
  methods: Record<string, { labels: Record<string, number[]> }>;
};

/** Partition as canonical labels: each label replaced by the order of its first appearance. */
function canonical(labels: (number | null)[]): number[] {
  const seen = new Map<number | null, number>();
  return labels.map((l) => {
    if (!seen.has(l)) seen.set(l, seen.size);
    return seen.get(l)!;
  });
}

let dir: string;
let rowsFile: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'keycast-cluster-'));
  const buf = Buffer.from(fixture.pointsF32Base64, 'base64');
  const f32 = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
  const rows = Array.from({ length: fixture.n }, (_, i) => Array.from(f32.subarray(i * fixture.d, (i + 1) * fixture.d)));
  rowsFile = join(dir, 'rows.json');
  writeFileSync(rowsFile, JSON.stringify(rows));
});
after(() => rmSync(dir, { recursive: true, force: true }));

for (const method of ['average', 'single', 'complete']) {
  test(`keycast cluster = scipy fcluster for ${method} linkage on 2,000 x 256-d blobs`, async () => {
    for (const sim of ['0.4', '0.63', '0.8']) {
      const r = await keycast(['cluster', '--fingerprints', rowsFile, '--method', method, '--sim', sim, '--min-csize', '1', '--no-merge']);
      assert.equal(r.status, 0, r.stderr);
      const ours = JSON.parse(r.stdout).labels as number[];
      const scipy = fixture.methods[method].labels[sim];
      assert.equal(ours.length, fixture.n);
      assert.ok(new Set(scipy).size > 1 || sim === '0.4', `a non-trivial cut at sim ${sim}`);
      assert.deepEqual(canonical(ours), canonical(scipy), `${method} sim ${sim}`);
    }
  });
}
