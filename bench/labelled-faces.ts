/**
 * Real faces with their true identity: a labelled set (bench/labelled-sets.ts) analysed once by
 * `keycast analyze` and matched to its ground truth, for the tests and benchmarks that need real
 * fingerprints of known people (people's constraints, correction efficiency, re-cut latency).
 * The analysis is cached beside the set's video (os.tmpdir()/keycast-labelled/<hash>/faces-<interval>/),
 * so it runs once per machine: a few minutes on a busy 2-core machine, then a file read.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { boxIou } from '../libs/flow/index.js';
import { loadFingerprints, type FingerprintsFile, type SavedFace } from '../libs/pipeline/index.js';
import { buildLabelledSet, type BuildOptions, type GroundTruth } from './labelled-sets.js';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export interface LabelledFaces {
  name: string;
  fingerprints: FingerprintsFile;
  faces: SavedFace[];
  /** True identity of each face (ground truth, same rule as keycast eval: nearest labelled time, IoU ≥ 0.3); null when unlabelled or unmatched. */
  truth: (string | null)[];
}

/** Analyses (or finds in the cache) the labelled set `name` and labels its faces. */
export async function labelledFaces(name: string, opts: BuildOptions & { captureIntervalSec?: number } = {}): Promise<LabelledFaces> {
  const set = await buildLabelledSet(name, opts);
  const interval = opts.captureIntervalSec ?? set.captureIntervalSec;
  const dir = join(dirname(set.video), `faces-${interval}`);
  if (!existsSync(join(dir, 'fingerprints.json'))) {
    const part = `${dir}.${process.pid}.${Date.now()}`;
    await mkdir(part, { recursive: true });
    try {
      await new Promise<void>((res, rej) => {
        const child = spawn(
          process.execPath,
          [join(REPO_ROOT, 'bin/keycast.js'), 'analyze', set.video, '--capture-interval-sec', String(interval), '--quiet', '--out', part],
          { stdio: ['ignore', 'ignore', 'pipe'] },
        );
        let err = '';
        child.stderr.on('data', (d) => (err += d));
        child.on('error', rej);
        child.on('close', (code) => (code === 0 ? res() : rej(new Error(`keycast analyze ${set.video} exited ${code}: ${err.trim().split('\n').at(-1)}`))));
      });
      if (!existsSync(join(dir, 'fingerprints.json'))) await rename(part, dir).catch(() => {});
    } finally {
      await rm(part, { recursive: true, force: true });
    }
  }
  const fingerprints = await loadFingerprints(dir);
  const gt = JSON.parse(await readFile(set.gt, 'utf8')) as GroundTruth;
  return { name, fingerprints, faces: fingerprints.faces, truth: matchTruth(fingerprints.faces, gt) };
}

/** Each face's identity in `gt`: the labelled face at the nearest labelled time (within half a labelling step) with the best IoU ≥ 0.3. */
export function matchTruth(faces: readonly { t: number; box: SavedFace['box'] }[], gt: Pick<GroundTruth, 'faces' | 'fps_labelled'>): (string | null)[] {
  const tol = 0.5 / (gt.fps_labelled ?? 1) + 1e-3;
  const times = [...new Set(gt.faces.map((g) => g.t))].sort((a, b) => a - b);
  return faces.map((f) => {
    if (times.length === 0) return null;
    const near = times.reduce((best, x) => (Math.abs(x - f.t) < Math.abs(best - f.t) ? x : best), times[0]);
    if (Math.abs(near - f.t) > tol) return null;
    const cands = gt.faces.filter((g) => g.t === near);
    const best = cands.reduce((a, b) => (boxIou(b.box, f.box) > boxIou(a.box, f.box) ? b : a));
    return boxIou(best.box, f.box) >= 0.3 ? best.id : null;
  });
}
