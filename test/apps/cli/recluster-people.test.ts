// `keycast recluster DIR --people FILE`: the API's people as constraints of the embedded mode, through the
// same code (libs/flow clusterFaces), on a real analysis of a labelled set (bench/labelled-faces.ts).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DEFAULT_CLUSTER, resolveClusterOptions } from '../../../libs/config/index.js';
import { clusterFaces } from '../../../libs/flow/index.js';
import { buildLabelledSet, missingSources } from '../../../bench/labelled-sets.js';
import { labelledFaces, type LabelledFaces } from '../../../bench/labelled-faces.js';
import { keycast } from '../../helpers/cli.js';

let dir: string;
let set: LabelledFaces;
let byId: Map<string, number[]>;

/** Why the real faces these tests need are absent (../shared/data), or false: then every test skips with it. */
const missing = missingSources('mixed');

before(async () => {
  if (missing) return;
  set = await labelledFaces('mixed');
  const built = await buildLabelledSet('mixed');
  dir = mkdtempSync(join(tmpdir(), 'keycast-recluster-people-'));
  cpSync(join(dirname(built.video), `faces-${built.captureIntervalSec}`), dir, { recursive: true });
  byId = new Map();
  set.faces.forEach((f, i) => {
    const t = set.truth[i];
    if (t !== null) byId.set(t, [...(byId.get(t) ?? []), f.id]);
  });
});
after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test(
  "recluster --people: each person's faces share the cluster that carries it, rejections stay out, same labels as the library",
  { skip: missing },
  async () => {
    const [[a, af], [b, bf]] = [...byId.entries()].sort((x, y) => y[1].length - x[1].length);
    const people = [
      { id: 'ada', name: 'Ada', faces: [af[0], af[af.length - 1], bf[0]], rejected: [af[1]] },
      { id: 'bob', faces: [bf[1]] },
    ];
    const file = join(dir, 'people.json');
    writeFileSync(file, JSON.stringify({ people }));
    for (const args of [
      ['--sim', 'auto'],
      ['--sim', '0.5', '--method', 'single'],
      ['--sim', '0.4', '--no-cannot-link', '--no-quality-weighting', '--min-csize', '6'],
    ]) {
      const r = await keycast(['recluster', dir, '--people', file, ...args]);
      assert.equal(r.status, 0, r.stderr);
      const result = JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8'));
      const clusterOf = new Map<number, number | null>(result.faces.map((f: { id: number; cluster: number | null }) => [f.id, f.cluster]));
      const ada = clusterOf.get(af[0])!;
      assert.notEqual(ada, null);
      for (const f of people[0].faces) assert.equal(clusterOf.get(f), ada, `${args.join(' ')}: ${a}/${b} face ${f}`);
      assert.notEqual(clusterOf.get(af[1]), ada, 'the rejected face stays out');
      assert.notEqual(clusterOf.get(bf[1]), ada, 'two people never share a cluster');
      assert.notEqual(clusterOf.get(bf[1]), null, 'a person of one face is kept whatever min_csize');
      const carried = result.clusters.filter((c: { person: unknown }) => c.person !== null).map((c: { id: number; person: unknown }) => [c.id, c.person]);
      assert.deepEqual(
        carried.sort(),
        [
          [ada, { id: 'ada', name: 'Ada' }],
          [clusterOf.get(bf[1]), { id: 'bob', name: null }],
        ].sort(),
      );
      // The same partition as the library's on the same fingerprints and people.
      const pairs = (ls: (number | null)[]) => ls.flatMap((x, i) => ls.slice(i + 1).map((y) => x !== null && x === y));
      const lib = clusterFaces(
        set.faces,
        resolveClusterOptions(Object.fromEntries(Object.keys(DEFAULT_CLUSTER).map((k) => [k, result.params[k]]))),
        undefined,
        {
          sample_interval_s: set.fingerprints.sample_interval_s,
          people,
        },
      );
      assert.deepEqual(pairs(set.faces.map((f) => clusterOf.get(f.id) ?? null)), pairs(lib.labels));
    }
    // Without --people: no person anywhere.
    const plain = await keycast(['recluster', dir]);
    assert.equal(plain.status, 0, plain.stderr);
    assert.ok(JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')).clusters.every((c: { person?: unknown }) => c.person === undefined));
  },
);

test('recluster --people: a bad file is INVALID_FILE, one line, non-zero exit', { skip: missing }, async () => {
  const f = set.faces[0].id;
  for (const [body, why] of [
    ['not json', 'Unexpected token'],
    [JSON.stringify({ nobody: [] }), 'expected {"people"'],
    [JSON.stringify({ people: [{ id: 'a', faces: ['x'] }] }), 'faces must be'],
    [
      JSON.stringify({
        people: [
          { id: 'a', faces: [f] },
          { id: 'b', faces: [f] },
        ],
      }),
      'two people',
    ],
    [JSON.stringify({ people: [{ id: 'a', faces: [f], rejected: [f] }] }), 'both confirmed'],
    [JSON.stringify({ people: [{ id: 'a', faces: [987654] }] }), 'no face 987654'],
  ] as const) {
    const file = join(dir, 'bad-people.json');
    writeFileSync(file, body);
    const r = await keycast(['recluster', dir, '--people', file]);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /INVALID_FILE/);
    assert.ok(r.stderr.includes(why), r.stderr);
  }
});
