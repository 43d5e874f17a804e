import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { KeycastError } from '../../../libs/config/index.js';
import { DEFAULT_CLUSTER } from '../../../libs/config/index.js';
import { estimateSampleInterval, isKeyCharacter, summarizeClusters, unclusteredFaceIds, type SummaryFace } from '../../../libs/report/index.js';

function face(id: number, t: number, cluster: number | null, score = 0.9, side = 40): SummaryFace {
  return { id, t, cluster, score, box: [10, 10, side, side] };
}

test('segments: consecutive samples join, gaps up to 1.5 intervals are bridged, larger gaps split', () => {
  const faces = [
    face(1, 0, 7),
    face(2, 1, 7),
    face(3, 2, 7), // [0, 3)
    face(4, 5, 7),
    face(5, 6.5, 7), // gap 3 splits; gap 1.5 joins: [5, 7.5)
    face(6, 9.1, 7), // gap 2.6 splits: [9.1, 10.1)
  ];
  const [c] = summarizeClusters(faces, { sample_interval_s: 1 });
  assert.deepEqual(c.segments, [
    [0, 3],
    [5, 7.5],
    [9.1, 10.1],
  ]);
  assert.equal(c.screen_time_s, 6.5);
  assert.equal(c.size, 6);
  assert.deepEqual(c.faces, [1, 2, 3, 4, 5, 6]);
  assert.equal(c.first_t, 0);
  assert.equal(c.last_t, 9.1);
});

test('a gap just over 1.5 intervals splits, and screen time is the sum of segment lengths', () => {
  const [c] = summarizeClusters([face(1, 0, 1), face(2, 0.5, 1), face(3, 1.26, 1)], { sample_interval_s: 0.5 });
  // 0 → 0.5 joins (gap 0.5); 0.5 → 1.26 gap 0.76 > 0.75 splits.
  assert.deepEqual(c.segments, [
    [0, 1],
    [1.26, 1.76],
  ]);
  assert.equal(c.screen_time_s, 1.5);
});

test('overlapping appearances (irregular sampling) are merged, never counted twice; two faces in one frame count once', () => {
  const [c] = summarizeClusters([face(1, 0, 3), face(2, 0.3, 3), face(3, 0.3, 3), face(4, 0.5, 3)], { sample_interval_s: 1 });
  assert.deepEqual(c.segments, [[0, 1.5]]);
  assert.equal(c.screen_time_s, 1.5);
  assert.equal(c.size, 4);
});

test('times are rounded to microseconds; duration_s clips the last segment', () => {
  const [c] = summarizeClusters([face(1, 0, 1), face(2, 0.1, 1), face(3, 0.2, 1)], { sample_interval_s: 0.1 });
  assert.deepEqual(c.segments, [[0, 0.3]]);
  assert.equal(c.screen_time_s, 0.3);
  const [d] = summarizeClusters([face(1, 8.5, 1), face(2, 9.5, 1)], { sample_interval_s: 1, duration_s: 10 });
  assert.deepEqual(d.segments, [[8.5, 10]]);
  assert.equal(d.screen_time_s, 1.5);
});

test('faces in time order (ties by id); null clusters ignored and listed by unclusteredFaceIds', () => {
  const faces = [face(9, 3, 1), face(4, 1, 1), face(8, 1, 1), face(2, 2, null), face(1, 0.5, null), face(3, 2, 1)];
  const s = summarizeClusters(faces, { sample_interval_s: 1 });
  assert.equal(s.length, 1);
  assert.deepEqual(s[0].faces, [4, 8, 3, 9]);
  assert.deepEqual(unclusteredFaceIds(faces), [1, 2]);
});

test('sort: screen time desc, then size desc, then first_t asc, then id asc', () => {
  const faces = [
    face(1, 50, 10), // A: 1 s, size 1, first 50
    face(2, 0, 20),
    face(3, 1, 20),
    face(4, 2, 20), // B: 3 s, size 3
    face(5, 10, 30),
    face(6, 10, 30), // C: 1 s, size 2, first 10
    face(7, 40, 40), // D: 1 s, size 1, first 40
    face(8, 40, 5), // E: 1 s, size 1, first 40, smaller id than D
    face(9, 20, 50),
    face(10, 21, 50), // F: 2 s
  ];
  const s = summarizeClusters(faces, { sample_interval_s: 1 });
  assert.deepEqual(
    s.map((c) => c.id),
    [20, 50, 30, 5, 40, 10],
  );
  assert.deepEqual(
    s.map((c) => c.screen_time_s),
    [3, 2, 1, 1, 1, 1],
  );
});

test('key characters: ≥ key_min_s seconds or ≥ key_min_share of the duration (measured defaults 4 s, 5%); a gate at its value counts', () => {
  assert.equal(DEFAULT_CLUSTER.key_min_s, 4);
  assert.equal(DEFAULT_CLUSTER.key_min_share, 0.05);
  assert.equal(isKeyCharacter(4), true);
  assert.equal(isKeyCharacter(3.9), false);
  assert.equal(isKeyCharacter(3, { duration_s: 60 }), true, '5% of 60 s');
  assert.equal(isKeyCharacter(2.9, { duration_s: 60 }), false);
  assert.equal(isKeyCharacter(3, { key_min_share: 0.1, duration_s: 30 }), true, 'Azure: 10% of 30 s');
  assert.equal(isKeyCharacter(2.9, { duration_s: 0 }), false, 'an unknown duration: the seconds alone');
  assert.equal(isKeyCharacter(1, { key_min_s: 1 }), true);
  assert.equal(isKeyCharacter(2, { key_min_s: 10, key_min_share: 0.5, duration_s: 4 }), true);
});

test('summary: each cluster carries its key flag, and key characters come first, then screen time', () => {
  const faces = [
    face(1, 0, 10),
    face(2, 1, 10),
    face(3, 2, 10),
    face(4, 3, 10),
    face(5, 4, 10), // 5 s: key by seconds
    face(6, 20, 20),
    face(7, 21, 20),
    face(8, 22, 20), // 3 s: key only as a share of a short video
    face(9, 30, 30), // 1 s
  ];
  const long = summarizeClusters(faces, { sample_interval_s: 1, duration_s: 100 });
  assert.deepEqual(
    long.map((c) => [c.id, c.key]),
    [
      [10, true],
      [20, false],
      [30, false],
    ],
  );
  const short = summarizeClusters(faces, { sample_interval_s: 1, duration_s: 60 });
  assert.deepEqual(
    short.map((c) => [c.id, c.key]),
    [
      [10, true],
      [20, true],
      [30, false],
    ],
  );
  // a gate raised above the largest screen time: nobody is key, and the order is screen time alone
  const strict = summarizeClusters(faces, { sample_interval_s: 1, duration_s: 100, key_min_s: 60, key_min_share: 0.9 });
  assert.deepEqual(
    strict.map((c) => [c.id, c.key]),
    [
      [10, false],
      [20, false],
      [30, false],
    ],
  );
  // key first even against more screen time: a low seconds gate with a long cluster that is not key cannot happen
  // (both gates grow with screen time), so the order stays monotone in screen time
  for (const s of [long, short]) for (let i = 1; i < s.length; i++) assert.ok(s[i - 1].screen_time_s >= s[i].screen_time_s);
});

test('representative maximizes score × sqrt(box area); ties go to the earlier face', () => {
  const faces: SummaryFace[] = [
    { id: 1, t: 0, cluster: 1, score: 0.99, box: [0, 0, 20, 20] }, // 19.8
    { id: 2, t: 1, cluster: 1, score: 0.6, box: [0, 0, 50, 50] }, // 30
    { id: 3, t: 2, cluster: 1, score: 0.9, box: [0, 0, 40, 40] }, // 36
    { id: 4, t: 3, cluster: 1, score: 0.9, box: [0, 0, 20, 80] }, // 36, later
    { id: 5, t: 4, cluster: 1, score: 1, box: [0, 0, -100, 100] }, // invalid box: 0
  ];
  assert.equal(summarizeClusters(faces, { sample_interval_s: 1 })[0].representative, 3);
});

test('invalid sample_interval_s throws INVALID_OPTION', () => {
  for (const bad of [0, -1, NaN, Infinity]) {
    assert.throws(
      () => summarizeClusters([face(1, 0, 1)], { sample_interval_s: bad }),
      (e: unknown) => e instanceof KeycastError && e.code === 'INVALID_OPTION',
    );
  }
  assert.deepEqual(summarizeClusters([], { sample_interval_s: 1 }), []);
});

test('estimateSampleInterval: median gap of distinct sorted times', () => {
  assert.equal(estimateSampleInterval([3.5, 0, 0.5, 1, 3, 1]), 0.5); // gaps .5 .5 2 .5
  assert.equal(estimateSampleInterval([0, 1, 3, 6]), 2); // gaps 1 2 3
  assert.equal(estimateSampleInterval([0, 1, 2, 6]), 1); // gaps 1 1 4
  assert.equal(estimateSampleInterval([0, 2, 3, 7, 9]), 2); // gaps 2 1 4 2 → (2+2)/2
  assert.equal(estimateSampleInterval([4], 0.25), 0.25);
});

const gtPath = fileURLToPath(new URL('../../../../shared/data/videos/short_hamilton_clip.gt.json', import.meta.url));

test('hand-labelled Hamilton clip: screen time per person at 3 frames/s', (t) => {
  if (!existsSync(gtPath)) return t.skip('../shared/data/videos/short_hamilton_clip.gt.json absent');
  const gt = JSON.parse(readFileSync(gtPath, 'utf8')) as { faces: { t: number; box: [number, number, number, number]; id: string | null }[] };
  const names = [...new Set(gt.faces.map((f) => f.id).filter((x): x is string => x !== null))];
  const faces: SummaryFace[] = gt.faces.map((f, i) => ({ id: i + 1, t: f.t, box: f.box, score: 1, cluster: f.id === null ? null : names.indexOf(f.id) }));
  const s = summarizeClusters(faces, { sample_interval_s: 1 / 3, duration_s: 10 });
  const byName = (n: string) => s.find((c) => c.id === names.indexOf(n))!;
  assert.deepEqual(
    s.map((c) => names[c.id]),
    ['lin_manuel_miranda', 'marian_robinson', 'alex_lacamoire', 'michelle_obama', 'barack_obama'],
  );
  const lin = byName('lin_manuel_miranda');
  // 0 … 1.333 continuous; 5.333 … 6; 6.667 … 7.667 (the missed 6.333 sample leaves a 0.667 s gap > 0.5).
  assert.deepEqual(lin.segments, [
    [0, 1.666333],
    [5.333, 6.333333],
    [6.667, 8.000333],
  ]);
  assert.equal(lin.screen_time_s, 4);
  assert.equal(lin.size, 12);
  assert.equal(lin.representative, 17); // 80 × 122 at 7.333 s, the largest box
  assert.deepEqual(byName('marian_robinson').segments, [[8, 10]]); // clipped at the 10 s duration
  assert.equal(byName('alex_lacamoire').screen_time_s, 1.666333);
  assert.equal(byName('michelle_obama').screen_time_s, 0.666333);
  assert.equal(byName('barack_obama').screen_time_s, 0.333); // 9.667 + 1/3 clipped at 10
  assert.deepEqual(unclusteredFaceIds(faces), [11]);
});
