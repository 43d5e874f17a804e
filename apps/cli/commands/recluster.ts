import { resolve } from 'node:path';
import { KeycastError, resolveClusterOptions } from '../../../libs/config/index.js';
import { loadFingerprints } from '../../../libs/pipeline/index.js';
import { writeAnalysisOutputs } from '../write-outputs.js';
import { loadPeopleFile } from '../people-file.js';
import { CLUSTER_FLAGS, parseCommandArgs } from '../args.js';

export const RECLUSTER_USAGE = `keycast recluster DIR [clustering options] [--people people.json]
  Rewrites DIR/result.json, montage.png and gallery.html from DIR/fingerprints.json (no video decoding).
  --people FILE: people as constraints, as the API's people are ({"people": [{"id", "name"?, "faces": [face ids],
  "rejected"?: [face ids]}]}, face ids of fingerprints.json): a person's faces share one cluster, which carries
  the person; rejected faces never join it; two people never share a cluster.`;

export async function reclusterCommand(argv: string[]): Promise<number> {
  const { positionals, options, flags } = parseCommandArgs(argv, CLUSTER_FLAGS, { people: { type: 'string' } });
  if (positionals.length !== 1) throw new KeycastError('INVALID_OPTION', `recluster takes exactly one DIR, got ${positionals.length}`);
  const cluster = resolveClusterOptions(options);
  const dir = resolve(positionals[0]);
  const fp = await loadFingerprints(dir);
  const people = flags.people === undefined ? undefined : await loadPeopleFile(resolve(String(flags.people)), fp.faces);
  const { result } = await writeAnalysisOutputs(dir, fp, cluster, {}, { people });
  process.stdout.write(
    `${JSON.stringify({ out: dir, faces: result.faces.length, clusters: result.clusters.length, unclustered: result.unclustered.length })}\n`,
  );
  return 0;
}
