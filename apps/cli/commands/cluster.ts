import { readFile } from 'node:fs/promises';
import { KeycastError, resolveClusterOptions, TREE_SWITCHES } from '../../../libs/config/index.js';
import { clusterRows } from '../../../libs/flow/index.js';
import { CLUSTER_FLAGS, parseCommandArgs } from '../args.js';

export const CLUSTER_USAGE = `keycast cluster --fingerprints FILE.json [clustering options]
  FILE.json: an array of equal-length number arrays (rows used as given, not re-normalised).
  Prints {"labels": [...]}: a cluster id per row, null when dropped by min_csize.
  --sim auto cuts the rows' average-linkage tree in the face-descriptor band (rows on that scale).`;

/**
 * Clusters raw rows exactly as DESIGN.md steps 5-6 (HAC, cut, min_csize, merge): the rows are the
 * fingerprints. Merging treats the first half of each row as the face half. --face-cloth-weights
 * does not apply here (there are no separate halves to weight) and is rejected.
 */
export async function clusterCommand(argv: string[]): Promise<number> {
  const { positionals, options, flags } = parseCommandArgs(argv, CLUSTER_FLAGS, { fingerprints: { type: 'string', short: 'f' } });
  if (positionals.length > 0) throw new KeycastError('INVALID_OPTION', `unexpected argument: ${positionals[0]}`);
  if (!flags.fingerprints) throw new KeycastError('INVALID_OPTION', 'cluster needs --fingerprints FILE.json');
  if (options.face_cloth_weights !== undefined)
    throw new KeycastError('INVALID_OPTION', '--face-cloth-weights does not apply to cluster: rows are used as given');
  // The tree's switches and the face-level cut options need frames, boxes, shots or face quality.
  for (const k of [...TREE_SWITCHES, 'merge_fragments', 'key_min_s', 'key_min_share'] as const) {
    if (options[k] !== undefined)
      throw new KeycastError('INVALID_OPTION', `--${k.replace(/_/g, '-')} does not apply to cluster: rows carry no frames, boxes, shots or face quality`);
  }
  const opts = resolveClusterOptions(options);
  const rows = await readRows(String(flags.fingerprints));
  if (rows.length === 0) {
    process.stdout.write('{"labels":[]}\n');
    return 0;
  }
  const dim = rows[0].length;
  const X = rows.map((r) => Float64Array.from(r));
  const r = rows.length === 1 ? { labels: [opts.min_csize <= 1 ? 0 : null] } : clusterRows(X, opts, { faceDim: Math.floor(dim / 2) });
  process.stdout.write(`${JSON.stringify({ labels: r.labels })}\n`);
  return 0;
}

async function readRows(path: string): Promise<number[][]> {
  let raw: string;
  try {
    raw = await readFile(path, 'utf8');
  } catch {
    throw new KeycastError('NOT_FOUND', `${path}: file not found`);
  }
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch (e) {
    throw new KeycastError('INVALID_FINGERPRINTS', `${path}: not valid JSON (${(e as Error).message})`);
  }
  if (!Array.isArray(data)) throw new KeycastError('INVALID_FINGERPRINTS', `${path}: expected an array of number arrays`);
  const dim = Array.isArray(data[0]) ? data[0].length : -1;
  data.forEach((row, i) => {
    if (!Array.isArray(row) || row.length !== dim || dim === 0)
      throw new KeycastError('INVALID_FINGERPRINTS', `${path}: row ${i} is not a number array of length ${dim}`);
    for (const v of row)
      if (typeof v !== 'number' || !Number.isFinite(v))
        throw new KeycastError('INVALID_FINGERPRINTS', `${path}: row ${i} holds a non-finite value ${JSON.stringify(v)}`);
  });
  return data as number[][];
}
