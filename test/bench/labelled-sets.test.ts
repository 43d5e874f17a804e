import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildLabelledSet,
  groundTruthOf,
  gtPathOf,
  LABELLED_SET_NAMES,
  missingSources,
  needsShared,
  photoLabels,
  serializeGroundTruth,
  SET_RECIPES,
  type LabelledSet,
} from '../../bench/labelled-sets.js';
import { keycast } from '../helpers/cli.js';
import { disagreements, SCORE_PY, scoreRun, scoreWithKeycast, type ScoreNumbers } from '../helpers/quality.js';

/** People each set shows (every one labelled in several shots). */
const IDENTITIES: Record<string, number> = { 'bbt-scenes': 7, 'demo-samples': 19, mixed: 19, 'bbt-outfits': 6 };
/** Scored faces each set must reach: bbt-outfits frames fewer faces (14 shots of one or two people; 112 scored when recorded). */
const MIN_SCORED: Record<string, number> = { 'bbt-outfits': 105 };

test('the committed ground truth is exactly what bench/labelled-sets.ts derives from the labels and recipes', () => {
  assert.deepEqual([...LABELLED_SET_NAMES].sort(), Object.keys(IDENTITIES).sort());
  for (const name of LABELLED_SET_NAMES) {
    assert.equal(
      serializeGroundTruth(groundTruthOf(name)),
      readFileSync(gtPathOf(name), 'utf8'),
      `${name}: run node --import tsx bench/labelled-sets.ts --write-gt after changing a label or a recipe`,
    );
  }
});

test('ground truth: samples on the capture grid, boxes inside the frame, every person in several shots', () => {
  for (const recipe of SET_RECIPES) {
    const gt = groundTruthOf(recipe.name);
    const end = gt.shots.at(-1)!.t1;
    assert.equal(gt.fps_labelled, 1 / recipe.captureIntervalSec);
    for (const f of gt.faces) {
      assert.ok(
        Math.abs(f.t / recipe.captureIntervalSec - Math.round(f.t / recipe.captureIntervalSec)) < 1e-9 && f.t < end,
        `${recipe.name}: t ${f.t} off the grid`,
      );
      const [x, y, w, h] = f.box;
      assert.ok(
        x >= 0 && y >= 0 && w > 0 && h > 0 && x + w <= gt.width + 1e-6 && y + h <= gt.height + 1e-6,
        `${recipe.name}: box ${f.box} outside ${gt.width}x${gt.height}`,
      );
    }
    const labelled = gt.faces.filter((f) => f.id !== null);
    const ids = new Set(labelled.map((f) => f.id));
    assert.equal(ids.size, IDENTITIES[recipe.name], recipe.name);
    assert.ok(labelled.length >= 140, `${recipe.name}: ${labelled.length} labelled faces`);
    // A person seen in one shot only would test nothing about clustering across shots.
    for (const id of ids) {
      const shots = new Set(labelled.filter((f) => f.id === id).map((f) => gt.shots.findIndex((s) => f.t >= s.t0 && f.t < s.t1)));
      assert.ok(shots.size >= 2, `${recipe.name}: ${id} appears in ${shots.size} shot(s)`);
    }
    // The faces a shot frames stay whole in every sample of it (the moves keep them in view).
    recipe.shots.forEach((s, i) => {
      if (s.frame === 'all') return;
      const framed = s.frame.map((k) => photoLabels().photos[s.photo].faces[k].id).filter((id) => id !== null);
      const times = [...new Set(gt.faces.filter((f) => f.t >= gt.shots[i].t0 && f.t < gt.shots[i].t1).map((f) => f.t))];
      assert.ok(times.length >= 3, `${recipe.name} shot ${i}: ${times.length} samples`);
      for (const t of times)
        for (const id of framed)
          assert.ok(
            labelled.some((f) => f.t === t && f.id === id),
            `${recipe.name} shot ${i} (${s.photo}): ${id} not whole at ${t} s`,
          );
    });
    // Two faces of one person in one frame would be a labelling error.
    const perFrame = new Set(labelled.map((f) => `${f.t}|${f.id}`));
    assert.equal(perFrame.size, labelled.length, `${recipe.name}: a person twice in one frame`);
  }
});

test('labels: Big Bang Theory ids are the chip folders, demo ids their photo, look-alikes never share a set', () => {
  const labels = photoLabels();
  const bbtNames = new Set(['amy', 'bernadette', 'howard', 'leonard', 'penny', 'raj', 'sheldon', 'stuart']);
  for (const [photo, p] of Object.entries(labels.photos)) {
    for (const f of p.faces) {
      if (f.id === null) {
        assert.ok(f.note, `${photo}: a null label says why`);
        continue;
      }
      assert.ok(photo.startsWith('bbt') ? bbtNames.has(f.id) : f.id.startsWith(`${photo}-`), `${photo}: id ${f.id}`);
    }
    assert.equal(new Set(p.faces.map((f) => f.id).filter((id) => id !== null)).size, p.faces.filter((f) => f.id !== null).length, `${photo}: one person twice`);
  }
  const photoOf = (id: string) => Object.entries(labels.photos).find(([, p]) => p.faces.some((f) => f.id === id))![0];
  for (const recipe of SET_RECIPES) {
    const photos = new Set(recipe.shots.map((s) => s.photo));
    for (const u of labels.uncertain) assert.ok(!u.ids.every((id) => photos.has(photoOf(id))), `${recipe.name} holds both of ${u.ids.join(', ')}`);
  }
  assert.equal(needsShared('demo-samples'), false);
  assert.equal(needsShared('bbt-scenes'), true);
});

function ffprobe(path: string): { width: number; height: number; frames: number; fps: string } {
  const out = JSON.parse(
    execFileSync(
      'ffprobe',
      ['-v', 'error', '-select_streams', 'v:0', '-count_packets', '-show_entries', 'stream=width,height,nb_read_packets,r_frame_rate', '-of', 'json', path],
      { encoding: 'utf8' },
    ),
  );
  const s = out.streams[0];
  return { width: s.width, height: s.height, frames: Number(s.nb_read_packets), fps: s.r_frame_rate };
}

/**
 * The analyzed faces relabelled to the extremes (one cluster, every face alone, every face dropped,
 * stripes), written straight into result.json so the scorers' edge cases do not depend on what the
 * clustering does.
 */
const VARIANTS: { name: string; cluster: (i: number) => number | null; check: (s: ScoreNumbers) => void }[] = [
  {
    name: 'one cluster',
    cluster: () => 0,
    check: (s) => {
      assert.equal(s.clusters, 1);
      assert.equal(s.pair_recall, 1);
    },
  },
  {
    name: 'singletons',
    cluster: (i) => i,
    check: (s) => {
      assert.equal(s.clusters, s.faces_kept);
      assert.equal(s.pair_precision, 1);
      assert.equal(s.pair_recall, 0);
    },
  },
  {
    name: 'all dropped',
    cluster: () => null,
    check: (s) => {
      assert.equal(s.faces_kept, 0);
      assert.equal(s.nmi_kept, null);
      assert.equal(s.purity_kept, null);
    },
  },
  { name: 'three stripes', cluster: (i) => (i % 4 === 3 ? null : i % 3), check: (s) => assert.equal(s.clusters, 3) },
];

/** keycast's defaults on each set, as docs/QUALITY.md records them (node --import tsx bench/quality.ts). */
const RECORDED_DEFAULTS: Record<string, { nmi: number; f1: number }> = {
  'bbt-scenes': { nmi: 1.0, f1: 1.0 },
  'demo-samples': { nmi: 1.0, f1: 1.0 },
  mixed: { nmi: 0.988, f1: 0.954 },
  'bbt-outfits': { nmi: 1.0, f1: 1.0 },
};

for (const name of LABELLED_SET_NAMES) {
  describe(`labelled set ${name}: analyze, then keycast eval and score.py`, { skip: missingSources(name) }, () => {
    let dir: string;
    let set: LabelledSet;
    let scores: { keycast: ScoreNumbers; python: ScoreNumbers | null };
    before(async () => {
      dir = mkdtempSync(join(tmpdir(), `keycast-labelled-test-${name}-`));
      set = await buildLabelledSet(name);
      const r = await keycast(['analyze', set.video, '--capture-interval-sec', String(set.captureIntervalSec), '--out', join(dir, 'out')], {
        timeoutMs: 1_200_000,
      });
      assert.equal(r.status, 0, r.stderr);
      scores = await scoreRun(set.gt, join(dir, 'out/result.json'));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    test('the video: 1280x720 at 24 fps, one frame per recipe frame', () => {
      const recipe = SET_RECIPES.find((r) => r.name === name)!;
      const v = ffprobe(set.video);
      assert.deepEqual([v.width, v.height, v.fps], [recipe.width, recipe.height, `${recipe.fps}/1`]);
      assert.equal(
        v.frames,
        recipe.shots.reduce((n, s) => n + Math.round(s.seconds * recipe.fps), 0),
      );
      assert.equal(set.identities, IDENTITIES[name]);
      assert.equal(set.needsShared, needsShared(name));
    });

    test('the detector finds the labelled faces: recall ≥ 0.8, every person at least once', () => {
      const s = scores.python ?? scores.keycast;
      assert.ok(s.detection_recall !== null && s.detection_recall >= 0.8, `detection recall ${s.detection_recall}`);
      assert.equal(s.gt_ids, IDENTITIES[name]);
      assert.ok(s.faces_scored! >= (MIN_SCORED[name] ?? 120), `faces scored ${s.faces_scored}`);
      // Detections that match no labelled box: faces the labels do not hold (e.g. a background face found at video scale).
      assert.ok(s.unmatched! <= 0.05 * s.faces_out!, `unmatched ${s.unmatched} of ${s.faces_out}`);
    });

    test('quality at the defaults stays at the recorded numbers (docs/QUALITY.md) minus 0.02, and NMI ≥ 0.90', () => {
      const s = scores.python ?? scores.keycast;
      const rec = RECORDED_DEFAULTS[name];
      assert.ok(s.nmi_all! >= Math.max(0.9, rec.nmi - 0.02), `${name}: NMI ${s.nmi_all} (recorded ${rec.nmi})`);
      assert.ok(s.pair_f1! >= rec.f1 - 0.02, `${name}: pairwise F1 ${s.pair_f1} (recorded ${rec.f1})`);
    });

    test(
      'keycast eval agrees with score.py on every number, for the defaults and four extreme labellings',
      { skip: existsSync(SCORE_PY) ? false : `${SCORE_PY} is absent` },
      async () => {
        assert.deepEqual(disagreements(scores.keycast, scores.python!), [], 'defaults');
        const result = JSON.parse(readFileSync(join(dir, 'out/result.json'), 'utf8')) as { faces: { cluster: number | null }[] };
        for (const v of VARIANTS) {
          const path = join(dir, `${v.name.replace(/ /g, '-')}.json`);
          writeFileSync(path, JSON.stringify({ ...result, faces: result.faces.map((f, i) => ({ ...f, cluster: v.cluster(i) })) }));
          const both = await scoreRun(set.gt, path);
          assert.deepEqual(disagreements(both.keycast, both.python!), [], v.name);
          v.check(both.keycast);
        }
      },
    );
  });
}

test("keycast eval scores a labelled set's ground truth, taken as a result, as perfect", async () => {
  // The ground truth scored against itself as a result: every labelled face matched, one cluster per person.
  const gt = JSON.parse(readFileSync(gtPathOf('demo-samples'), 'utf8')) as { faces: { t: number; box: number[]; id: string | null }[] };
  const dir = mkdtempSync(join(tmpdir(), 'keycast-labelled-self-'));
  try {
    const result = join(dir, 'result.json');
    const faces = gt.faces.filter((f) => f.id !== null).map((f) => ({ t: f.t, box: f.box, cluster: f.id }));
    writeFileSync(result, JSON.stringify({ faces }));
    const s = await scoreWithKeycast(gtPathOf('demo-samples'), result);
    assert.equal(s.nmi_all, 1);
    assert.equal(s.pair_f1, 1);
    assert.equal(s.detection_recall, 1);
    assert.equal(s.gt_ids, IDENTITIES['demo-samples']);
    assert.equal(s.faces_scored, faces.length);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
