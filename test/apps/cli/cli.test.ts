import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { keycast } from '../../helpers/cli.js';
import { makeBadInputs } from '../../helpers/media.js';
import { HAMILTON, HAMILTON_GT, needsSharedData, REPO_ROOT } from '../../helpers/paths.js';
import { scoreAgainstGroundTruth } from '../../../apps/cli/score.js';

let dir: string;
let bad: ReturnType<typeof makeBadInputs>;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'keycast-cli-'));
  bad = makeBadInputs(dir);
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('bad input: one-line typed errors, non-zero exit', () => {
  const cases: [string, () => string[], number, string][] = [
    ['a text file named .mp4', () => ['analyze', bad.textMp4, '--out', join(dir, 'o1')], 1, 'NOT_A_VIDEO'],
    ['a truncated mp4', () => ['analyze', bad.truncated, '--out', join(dir, 'o2')], 1, 'TRUNCATED_VIDEO'],
    ['an audio-only file', () => ['analyze', bad.audioOnly, '--out', join(dir, 'o3')], 1, 'NO_VIDEO_STREAM'],
    ['a missing file', () => ['analyze', join(dir, 'nope.mp4'), '--out', join(dir, 'o4')], 1, 'NOT_FOUND'],
    ['an unknown option', () => ['analyze', bad.noFaces, '--frobnicate', '3'], 2, 'UNKNOWN_OPTION'],
    ['sim above 1', () => ['analyze', bad.noFaces, '--sim', '1.5'], 2, 'INVALID_OPTION'],
    ['sim below 0', () => ['recluster', dir, '--sim', '-0.1'], 2, 'INVALID_OPTION'],
    ['sim not a number', () => ['cluster', '--fingerprints', 'x.json', '--sim', 'high'], 2, 'INVALID_OPTION'],
    ['a bad method', () => ['cluster', '--fingerprints', 'x.json', '--method', 'ward'], 2, 'INVALID_OPTION'],
    ['a switch both on and off', () => ['recluster', dir, '--tracks', '--no-tracks'], 2, 'INVALID_OPTION'],
    ['cannot-link for raw rows (no frames)', () => ['cluster', '--fingerprints', 'x.json', '--cannot-link'], 2, 'INVALID_OPTION'],
    ['an unknown command', () => ['frobnicate'], 2, 'UNKNOWN_COMMAND'],
  ];
  for (const [name, args, status, code] of cases) {
    test(name, async () => {
      const r = await keycast(args());
      assert.equal(r.status, status, r.stderr);
      const lines = r.stderr.trim().split('\n');
      assert.match(lines[lines.length - 1], new RegExp(`^keycast: ${code}: \\S`));
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace for expected errors');
    });
  }
});

describe('help and version: usage on stdout, exit 0', () => {
  // Each command under one of the three ways of asking; analyze under all three, and after other arguments.
  const cases: [string[], string][] = [
    [['analyze', '--help'], 'analyze'],
    [['analyze', '-h'], 'analyze'],
    [['help', 'analyze'], 'analyze'],
    [['analyze', 'video.mp4', '--sim', '0.9', '--help'], 'analyze'],
    [['recluster', '-h'], 'recluster'],
    [['cluster', '--help'], 'cluster'],
    [['help', 'eval'], 'eval'],
    [['apikey', 'create', '--help'], 'apikey'],
    [['tenant', 'delete', '-h'], 'tenant'],
  ];
  for (const [args, cmd] of cases) {
    test(`keycast ${args.join(' ')}`, async () => {
      const r = await keycast(args);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stderr, '');
      assert.match(r.stdout, new RegExp(`^keycast ${cmd} `), "starts with the command's usage line");
      if (cmd === 'analyze') assert.match(r.stdout, /--capture-interval-sec S[\s\S]*--sim X\|auto/, 'lists extraction and clustering options');
    });
  }
  test('keycast --version prints the package version', async () => {
    const r = await keycast(['--version']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `${JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')).version}\n`);
  });
  test('keycast help of an unknown command is UNKNOWN_COMMAND', async () => {
    const r = await keycast(['help', 'frobnicate']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /^keycast: UNKNOWN_COMMAND: /);
  });
});

test('a video with no faces is a valid result with zero clusters', async () => {
  const out = join(dir, 'noface');
  const r = await keycast(['analyze', bad.noFaces, '--out', out, '--capture-interval-sec', '0.5']);
  assert.equal(r.status, 0, r.stderr);
  const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8'));
  assert.equal(result.faces.length, 0);
  assert.equal(result.clusters.length, 0);
  assert.equal(result.video.width, 320);
  assert.ok(statSync(join(out, 'montage.png')).size > 0);
});

test('cluster: rows in, one label per row out; min_csize drops small clusters to null', async () => {
  // Three tight groups of 6, 5 and 1 points, far apart.
  const rows: number[][] = [];
  const centres = [
    [0, 0, 0, 0],
    [10, 0, 0, 0],
    [0, 10, 0, 0],
  ];
  [6, 5, 1].forEach((n, c) => {
    for (let i = 0; i < n; i++) rows.push(centres[c].map((v, d) => v + ((i * 7 + d * 3) % 5) * 0.01));
  });
  const file = join(dir, 'rows.json');
  writeFileSync(file, JSON.stringify(rows));
  const r = await keycast(['cluster', '--fingerprints', file, '--sim', '0.5', '--min-csize', '2', '--no-merge']);
  assert.equal(r.status, 0, r.stderr);
  const { labels } = JSON.parse(r.stdout);
  assert.equal(labels.length, 12);
  assert.deepEqual(labels, [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, null]);
  writeFileSync(join(dir, 'ragged.json'), '[[1,2],[3]]');
  const bad2 = await keycast(['cluster', '--fingerprints', join(dir, 'ragged.json')]);
  assert.equal(bad2.status, 1);
  assert.match(bad2.stderr, /INVALID_FINGERPRINTS/);
});

describe('analyze on the Hamilton clip', { skip: needsSharedData(HAMILTON) }, () => {
  let out: string;
  before(async () => {
    out = join(dir, 'ham');
    const r = await keycast(['analyze', HAMILTON, '--capture-interval-sec', '0.333', '--min-csize', '2', '--out', out]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /analyze .*%/, 'progress on stderr');
  });

  test('clusters the key characters: NMI (all faces) ≥ 0.90 by score.py', () => {
    const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8'));
    const ours = scoreAgainstGroundTruth(JSON.parse(readFileSync(HAMILTON_GT, 'utf8')), result);
    const py = JSON.parse(
      execFileSync('python3', [join(HAMILTON_GT, '../../../tools/score.py'), HAMILTON_GT, join(out, 'result.json'), '--json'], { encoding: 'utf8' }),
    );
    assert.equal(ours.nmi_all, py.nmi_all, 'the eval command agrees with score.py');
    assert.ok(py.nmi_all >= 0.9, `NMI ${py.nmi_all}`);
    assert.ok(py.detection_recall >= 0.7, `detection recall ${py.detection_recall}`);
    assert.ok(py.faces_scored >= 15, `faces scored ${py.faces_scored}`);
  });

  test('result.json has every face once, clusters referencing them, thumbnails on disk', () => {
    const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8'));
    assert.deepEqual(Object.keys(result).sort(), ['clusters', 'faces', 'params', 'timings', 'unclustered', 'video']);
    assert.equal(result.video.width, 640);
    assert.equal(result.params.capture_interval_sec, 0.333);
    const ids = result.faces.map((f: { id: number }) => f.id);
    assert.equal(new Set(ids).size, ids.length);
    const inClusters = result.clusters.flatMap((c: { faces: number[] }) => c.faces);
    assert.equal(inClusters.length + result.unclustered.length, result.faces.length, 'no face lost');
    for (const f of result.faces) assert.ok(existsSync(join(out, f.thumbnail)));
    for (const c of result.clusters) {
      assert.equal(c.size, c.faces.length);
      assert.ok(c.screen_time_s > 0 && c.first_t <= c.last_t);
    }
    const times = result.clusters.map((c: { screen_time_s: number }) => c.screen_time_s);
    assert.deepEqual(
      times,
      [...times].sort((a, b) => b - a),
      'sorted by screen time',
    );
    // key characters (≥ 4 s or ≥ 5% of the 10 s clip) first; each cluster carries the flag
    for (const c of result.clusters) assert.equal(c.key, c.screen_time_s >= 4 - 1e-6 || c.screen_time_s >= 0.05 * result.video.duration_s - 1e-6);
    assert.equal(result.params.shot_aware, true);
    assert.ok(readFileSync(join(out, 'gallery.html'), 'utf8').includes('data:image/jpeg;base64,'));
    assert.deepEqual([...readFileSync(join(out, 'montage.png')).subarray(1, 4)].map((c) => String.fromCharCode(c)).join(''), 'PNG');
  });

  test('recluster rewrites the result from saved fingerprints without touching them', async () => {
    const fpPath = join(out, 'fingerprints.json');
    const before = statSync(fpPath).mtimeMs;
    const r1 = await keycast(['recluster', out, '--sim', '1', '--min-csize', '1', '--no-merge']);
    assert.equal(r1.status, 0, r1.stderr);
    const all = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8'));
    // sim 1 cuts at height 0: only identical fingerprints (repeated frames) stay together.
    const fp = JSON.parse(readFileSync(fpPath, 'utf8'));
    const distinct = new Set(fp.faces.map((f: { face: number[]; cloth: number[] }) => JSON.stringify([f.face, f.cloth]))).size;
    assert.equal(all.clusters.length, distinct, 'sim 1: every distinct fingerprint its own cluster');
    // sim 0 cuts at the largest distance: one cluster, unless cannot-link (on by default) keeps faces of one frame apart
    const r2 = await keycast(['recluster', out, '--sim', '0', '--min-csize', '1', '--no-cannot-link']);
    assert.equal(r2.status, 0, r2.stderr);
    const one = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8'));
    assert.equal(one.clusters.length, 1, 'sim 0: one cluster');
    const r3 = await keycast(['recluster', out, '--sim', '0', '--min-csize', '1']);
    assert.equal(r3.status, 0, r3.stderr);
    const apart = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8'));
    const perFrame = new Map<number, number[]>();
    for (const f of apart.faces as { frame: number; cluster: number }[]) perFrame.set(f.frame, [...(perFrame.get(f.frame) ?? []), f.cluster]);
    const most = Math.max(...[...perFrame.values()].map((c) => c.length));
    assert.ok(most >= 2, 'the clip has frames with several faces');
    assert.ok(apart.clusters.length >= most, 'sim 0 with cannot-link: at least as many clusters as the most faces in one frame');
    for (const c of perFrame.values()) assert.equal(new Set(c).size, c.length, 'no two faces of one frame share a cluster');
    assert.equal(statSync(fpPath).mtimeMs, before);
  });

  test('eval prints the metrics', async () => {
    const r = await keycast(['eval', HAMILTON_GT, join(out, 'result.json')]);
    assert.equal(r.status, 0, r.stderr);
    const s = JSON.parse(r.stdout);
    assert.ok(s.nmi_all >= 0 && s.nmi_all <= 1 && s.faces_scored > 0);
    assert.equal(typeof s.pair_f1, 'number');
  });
});
