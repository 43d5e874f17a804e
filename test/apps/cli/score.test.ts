import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { roundLikePython, scoreAgainstGroundTruth } from '../../../apps/cli/score.js';

test('roundLikePython rounds as Python round(x, n) does, where Math.round(x * 1e4) / 1e4 does not', () => {
  // 101/160 is stored just below 0.63125, but x * 1e4 comes out as exactly 6312.5.
  assert.equal(roundLikePython(101 / 160, 4), 0.6312);
  assert.equal(Math.round((101 / 160) * 1e4) / 1e4, 0.6313);
  // Exact binary ties go to the even digit.
  assert.equal(roundLikePython(0.03125, 4), 0.0312);
  assert.equal(roundLikePython(0.09375, 4), 0.0938);
  assert.equal(roundLikePython(0.0625, 3), 0.062);
  assert.equal(roundLikePython(-0.0625, 3), -0.062);
  assert.equal(roundLikePython(1, 4), 1);
  assert.ok(Number.isNaN(roundLikePython(NaN, 4)));
});

const noPython = spawnSync('python3', ['--version']).status === 0 ? false : 'python3 is not installed';

test('roundLikePython agrees with python3 on every ratio of small counts a scorer meets', { skip: noPython }, () => {
  const xs: number[] = [];
  for (let d = 1; d <= 400; d++) for (let n = 0; n <= d; n += 1 + (d >> 5)) xs.push(n / d);
  const py = JSON.parse(
    execFileSync('python3', ['-c', 'import json,sys; print(json.dumps([[round(x, 4), round(x, 3)] for x in json.load(sys.stdin)]))'], {
      input: JSON.stringify(xs),
      encoding: 'utf8',
    }),
  ) as [number, number][];
  const off = xs.filter((x, i) => roundLikePython(x, 4) !== py[i][0] || roundLikePython(x, 3) !== py[i][1]);
  assert.deepEqual(off, [], `${xs.length} ratios`);
});

test('purity 101/160 prints as score.py prints it', () => {
  // 160 faces of one person: 101 in cluster 0, 59 in cluster 1 → purity (kept) 101/160.
  const gt = { fps_labelled: 1, faces: Array.from({ length: 160 }, (_, i) => ({ t: i, box: [0, 0, 10, 10] as [number, number, number, number], id: 'a' })) };
  const out = { faces: gt.faces.map((f, i) => ({ t: f.t, box: f.box, cluster: i < 101 ? 0 : 1 })) };
  const s = scoreAgainstGroundTruth(gt, out);
  assert.equal(s.purity_kept, 1);
  // Two people: a (101 faces) and b (59), all in one cluster: purity 101/160.
  const gt2 = { ...gt, faces: gt.faces.map((f, i) => ({ ...f, id: i < 101 ? 'a' : 'b' })) };
  const s2 = scoreAgainstGroundTruth(gt2, { faces: gt.faces.map((f) => ({ t: f.t, box: f.box, cluster: 0 })) });
  assert.equal(s2.purity_kept, 0.6312);
  assert.equal(s2.clusters, 1);
});
