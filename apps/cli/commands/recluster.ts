import { resolve } from 'node:path';
import { KeycastError, resolveClusterOptions } from '../../../libs/config/index.js';
import { loadFingerprints } from '../../../libs/pipeline/index.js';
import { writeAnalysisOutputs } from '../write-outputs.js';
import { CLUSTER_FLAGS, parseCommandArgs } from '../args.js';

export const RECLUSTER_USAGE = `keycast recluster DIR [clustering options]
  Rewrites DIR/result.json, montage.png and gallery.html from DIR/fingerprints.json (no video decoding).`;

export async function reclusterCommand(argv: string[]): Promise<number> {
  const { positionals, options } = parseCommandArgs(argv, CLUSTER_FLAGS);
  if (positionals.length !== 1) throw new KeycastError('INVALID_OPTION', `recluster takes exactly one DIR, got ${positionals.length}`);
  const cluster = resolveClusterOptions(options);
  const dir = resolve(positionals[0]);
  const fp = await loadFingerprints(dir);
  const { result } = await writeAnalysisOutputs(dir, fp, cluster, {});
  process.stdout.write(`${JSON.stringify({ out: dir, faces: result.faces.length, clusters: result.clusters.length, unclustered: result.unclustered.length })}\n`);
  return 0;
}
