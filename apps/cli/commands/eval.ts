import { readFile } from 'node:fs/promises';
import { KeycastError } from '../../../libs/config/index.js';
import { scoreAgainstGroundTruth } from '../score.js';
import { parseCommandArgs } from '../args.js';

export const EVAL_USAGE = `keycast eval GT.json RESULT.json
  Prints NMI (all faces and kept faces), purity, pairwise precision/recall/F1 and detection recall,
  matching faces to the ground truth as ../shared/tools/score.py does.`;

export async function evalCommand(argv: string[]): Promise<number> {
  const { positionals } = parseCommandArgs(argv, {});
  if (positionals.length !== 2) throw new KeycastError('INVALID_OPTION', 'eval takes GT.json and RESULT.json');
  const [gt, result] = await Promise.all(positionals.map(readJson));
  process.stdout.write(`${JSON.stringify(scoreAgainstGroundTruth(gt, result), null, 1)}\n`);
  return 0;
}

async function readJson(path: string): Promise<unknown> {
  let raw: string;
  try {
    raw = await readFile(path, 'utf8');
  } catch {
    throw new KeycastError('NOT_FOUND', `${path}: file not found`);
  }
  try {
    return JSON.parse(raw);
  } catch (e) {
    throw new KeycastError('INVALID_FILE', `${path}: not valid JSON (${(e as Error).message})`);
  }
}
