import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Score } from '../../apps/cli/score.js';
import { keycast } from './cli.js';
import { SHARED_DATA } from './paths.js';

/** The reference scorer, kept beside the test material (not in the repo). */
export const SCORE_PY = resolve(SHARED_DATA, '../tools/score.py');

/** Every number both scorers print. */
export const SCORE_KEYS = [
  'faces_out',
  'faces_scored',
  'faces_kept',
  'unmatched',
  'gt_ids',
  'clusters',
  'detection_recall',
  'nmi_all',
  'nmi_kept',
  'purity_kept',
  'pair_precision',
  'pair_recall',
  'pair_f1',
] as const satisfies readonly (keyof Score)[];

/** Undefined numbers (no faces kept: purity NaN, nmi_kept None) read as null from both scorers. */
export type ScoreNumbers = Record<(typeof SCORE_KEYS)[number], number | null>;

function numbers(raw: Record<string, unknown>): ScoreNumbers {
  return Object.fromEntries(
    SCORE_KEYS.map((k) => {
      const v = raw[k];
      return [k, typeof v === 'number' && Number.isFinite(v) ? v : null];
    }),
  ) as ScoreNumbers;
}

/** ../shared/tools/score.py's numbers for one result (python3 with the standard library only). */
export function scoreWithPython(gtPath: string, resultPath: string): ScoreNumbers {
  const out = execFileSync('python3', [SCORE_PY, gtPath, resultPath, '--json'], { encoding: 'utf8' });
  // Python's json.dumps writes a NaN (purity with no kept faces) as the bare token NaN, which JSON.parse refuses.
  return numbers(JSON.parse(out.replace(/\bNaN\b/g, 'null')) as Record<string, unknown>);
}

/** `keycast eval GT RESULT`, run as a user would. */
export async function scoreWithKeycast(gtPath: string, resultPath: string): Promise<ScoreNumbers> {
  const r = await keycast(['eval', gtPath, resultPath]);
  if (r.status !== 0) throw new Error(`keycast eval exited ${r.status}: ${r.stderr}`);
  return numbers(JSON.parse(r.stdout) as Record<string, unknown>);
}

export interface RunScores {
  keycast: ScoreNumbers;
  /** null where ../shared/tools/score.py is absent. */
  python: ScoreNumbers | null;
}

/** Scores one `keycast analyze` result against ground truth with both scorers. */
export async function scoreRun(gtPath: string, resultPath: string): Promise<RunScores> {
  return { keycast: await scoreWithKeycast(gtPath, resultPath), python: existsSync(SCORE_PY) ? scoreWithPython(gtPath, resultPath) : null };
}

/**
 * Where the two scorers disagree, one line per number. Both compute the same double operations and
 * round as Python does (apps/cli/score.ts roundLikePython), so every number must be identical.
 */
export function disagreements(a: ScoreNumbers, b: ScoreNumbers): string[] {
  return SCORE_KEYS.filter((k) => a[k] !== b[k]).map((k) => `${k}: keycast ${a[k]}, score.py ${b[k]}`);
}
