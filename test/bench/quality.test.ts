import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { chipClothEncoder, hamilton, photoCollection } from '../../bench/quality/datasets.js';
import { REFERENCE_ROWS } from '../../bench/quality/defaults.js';
import { mdTable } from '../../bench/quality/markdown.js';
import type { Dataset } from '../../bench/quality/model.js';
import { defaultScores, pickSim, scoreChips, spread, verdict } from '../../bench/quality/scoring.js';
import { DEFAULT_CLUSTER, DEFAULT_EXTRACT, resolveClusterOptions } from '../../libs/config/index.js';
import { clusterFaces } from '../../libs/flow/index.js';
import { createFacePool, type FacePool } from '../../libs/pipeline/index.js';
import { HAMILTON, needsSharedData, SHARED_DATA } from '../helpers/paths.js';

test('spread: distances between L2-normalised vectors, zero vectors counted and kept at zero', () => {
  const s = spread([
    [3, 0],
    [0, 5],
    [0, 0],
    [2, 0],
  ]);
  assert.equal(s.n, 4);
  assert.equal(s.zero, 1);
  // pairs: (a,b) √2, (a,0) 1, (a,d) 0, (b,0) 1, (b,d) √2, (0,d) 1 → sorted 0,1,1,1,√2,√2
  assert.equal(s.median, 1);
  assert.ok(Math.abs(s.max - Math.SQRT2) < 1e-12);
  const same = spread([
    [1, 1],
    [2, 2],
    [5, 5],
  ]);
  assert.equal(same.max, 0);
});

test('scoreChips: a chip with no face is an unclustered singleton', () => {
  const truth = ['a', 'a', 'b', 'b'];
  // chip 1 has no face; faces 0,1,2 belong to chips 0,2,3
  const perfect = scoreChips(truth, [0, null, 1, 2], [0, 1, 1]);
  assert.equal(perfect.scored, 4);
  assert.equal(perfect.kept, 3);
  assert.equal(perfect.clusters, 2);
  assert.equal(perfect.purity, 1);
  // pairs: truth (0,1) and (2,3); predicted only (2,3) → precision 1, recall 0.5
  assert.ok(Math.abs(perfect.f1 - 2 / 3) < 1e-12);
  const allInOne = scoreChips(truth, [0, 1, 2, 3], [0, 0, 0, 0]);
  assert.equal(allInOne.nmi, 0);
  assert.equal(allInOne.purity, 0.5);
});

test('pickSim: best mean, then best worst case, then nearest the preferred sim', () => {
  const sims = [0.3, 0.4, 0.5];
  assert.equal(
    pickSim(
      sims,
      [
        [0.8, 0.9],
        [0.95, 0.9],
        [0.9, 0.9],
      ],
      0.63,
    ).sim,
    0.4,
  );
  // equal means: the higher minimum wins
  assert.equal(
    pickSim(
      sims,
      [
        [1, 0.8],
        [0.9, 0.9],
        [0.7, 0.7],
      ],
      0.63,
    ).sim,
    0.4,
  );
  // full tie: the sim closest to the preferred one
  const tie = pickSim(
    sims,
    [
      [0.9, 0.9],
      [0.9, 0.9],
      [0.9, 0.9],
    ],
    0.63,
  );
  assert.equal(tie.sim, 0.5);
  assert.equal(tie.mean, 0.9);
});

test('mdTable right-aligns every column but the first', () => {
  assert.deepEqual(mdTable(['a', 'b'], [['x', '1']]), ['| a | b |', '|---|---:|', '| x | 1 |']);
});

test('verdict: an improvement helps when it raises the mean NMI; better/worse count the datasets', () => {
  const v = verdict('x', [1, 0.9, 0.95], [0.8, 0.92, 0.95]);
  assert.equal(v.helps, true);
  assert.equal(v.better, 1);
  assert.equal(v.worse, 1);
  assert.ok(Math.abs(v.meanGain - (2.85 - 2.67) / 3) < 1e-12);
  assert.equal(verdict('y', [0.9, 0.9], [0.9, 0.9]).helps, false, 'no change: does not help, left off');
  assert.equal(verdict('z', [0.95, 0.8], [0.9, 0.9]).helps, false, 'a lower mean does not help even when one dataset gains');
});

/**
 * keycast's defaults on labelled sets, as docs/QUALITY.md records them (node --import tsx
 * bench/quality.ts): a regression below the recorded value minus 0.02 fails. One face moves NMI by
 * about 0.01-0.03 on these sets, so the margin catches a lost person, not noise.
 */
const RECORDED: Record<string, { nmi: number; f1: number }> = {
  hamilton: { nmi: 0.966, f1: 0.985 },
  bbt: { nmi: 0.931, f1: 0.865 },
  johns: { nmi: 0.946, f1: 0.942 },
};
const MARGIN = 0.02;

describe('quality of the defaults on labelled sets (Hamilton at 0.333 s, photo collections bbt and johns)', { skip: needsSharedData(HAMILTON) }, () => {
  let pool: FacePool;
  const sets: Dataset[] = [];
  before(async () => {
    pool = await createFacePool();
    const log = () => {};
    for (const r of [
      await hamilton(pool, log, [DEFAULT_EXTRACT.cloth_encoder]),
      await photoCollection(pool, chipClothEncoder(), 'bbt', 'bbt', join(SHARED_DATA, 'faces/bbt'), /\.png$/i, log),
      await photoCollection(pool, chipClothEncoder(), 'johns', 'johns', join(SHARED_DATA, 'faces/johns'), /\.jpe?g$/i, log),
    ]) {
      if (typeof r === 'string') throw new Error(r);
      sets.push(r);
    }
  });
  after(async () => {
    await pool?.close();
  });

  test('NMI and pairwise F1 stay within 0.02 of the recorded values', () => {
    for (const ds of sets) {
      const s = defaultScores(ds);
      const rec = RECORDED[ds.key];
      assert.ok(s.nmi >= rec.nmi - MARGIN, `${ds.key}: NMI ${s.nmi} < recorded ${rec.nmi} - ${MARGIN}`);
      assert.ok(s.f1 >= rec.f1 - MARGIN, `${ds.key}: F1 ${s.f1} < recorded ${rec.f1} - ${MARGIN}`);
      assert.ok(s.nmi >= 0.9, `${ds.key}: NMI ${s.nmi} below 0.90`);
    }
  });

  test("the issue's targets: Hamilton at 0.333 s NMI >= 0.95 and F1 >= 0.90; better than the reference (Face+Cloth, sim 0.63) on each set", () => {
    const ham = defaultScores(sets.find((d) => d.key === 'hamilton')!);
    assert.ok(ham.nmi >= 0.95, `Hamilton NMI ${ham.nmi}`);
    assert.ok(ham.f1 >= 0.9, `Hamilton F1 ${ham.f1}`);
    const ref = REFERENCE_ROWS.find((r) => r.label.includes('Face+Cloth'))!;
    for (const ds of sets) {
      const faces = ds.faces[DEFAULT_EXTRACT.cloth_encoder]!;
      const r = ds.score(
        clusterFaces(faces, resolveClusterOptions({ ...DEFAULT_CLUSTER, ...ref.options }), undefined, { sample_interval_s: ds.interval }).labels,
      );
      assert.ok(defaultScores(ds).nmi > r.nmi, `${ds.key}: defaults ${defaultScores(ds).nmi} vs reference ${r.nmi}`);
    }
  });

  test('the defaults are deterministic: the same labels on a second run', () => {
    for (const ds of sets) assert.deepEqual(defaultScores(ds), defaultScores(ds));
  });
});
