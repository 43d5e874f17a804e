import { isKeycastError } from '../../libs/config/index.js';
import { ANALYZE_USAGE, analyzeCommand } from './commands/analyze.js';
import { APIKEY_USAGE, apikeyCommand } from './commands/apikey.js';
import { CLUSTER_USAGE, clusterCommand } from './commands/cluster.js';
import { EVAL_USAGE, evalCommand } from './commands/eval.js';
import { RECLUSTER_USAGE, reclusterCommand } from './commands/recluster.js';
import { TENANT_USAGE, tenantCommand } from './commands/tenant.js';

const COMMANDS: Record<string, (argv: string[]) => Promise<number>> = {
  analyze: analyzeCommand,
  recluster: reclusterCommand,
  cluster: clusterCommand,
  eval: evalCommand,
  apikey: apikeyCommand,
  tenant: tenantCommand,
};

const USAGE = `usage:
${[ANALYZE_USAGE, RECLUSTER_USAGE, CLUSTER_USAGE, EVAL_USAGE, APIKEY_USAGE, TENANT_USAGE].map((u) => `  ${u.replace(/\n/g, '\n  ')}`).join('\n')}
options (analyze; clustering options also for recluster and cluster):
  --capture-interval-sec S  --use-scene-transition  --scene-threshold X  --skip-sec S  --stop-sec S
  --face-cnt N  --frame-batch-size N  --resizing-resolution W  --resizing-ratio R  --max-faces-per-frame N
  --min-face-score X  --cloth-encoder cnn|histogram  --workers N
  --face-cloth-weights F,C  --sim X|auto  --min-csize N  --method average|single|complete  --merge/--no-merge
  --face-threshold X  --cloth-threshold X  --iterations N
  --cannot-link/--no-cannot-link  --tracks/--no-tracks  --quality-weighting/--no-quality-weighting
  --shot-aware/--no-shot-aware  --merge-fragments/--no-merge-fragments  --key-min-s S  --key-min-share X`;

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return cmd ? 0 : 2;
  }
  const run = COMMANDS[cmd];
  if (!run) {
    process.stderr.write(`keycast: UNKNOWN_COMMAND: unknown command "${cmd}" (analyze, recluster, cluster, eval, apikey, tenant)\n`);
    return 2;
  }
  return run(rest);
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (e) {
  // Expected failures print one line with a stable code; anything else is a bug and keeps its stack.
  if (isKeycastError(e)) {
    process.stderr.write(`keycast: ${e.code}: ${e.message}\n`);
    process.exitCode = e.code === 'UNKNOWN_OPTION' || e.code === 'INVALID_OPTION' ? 2 : 1;
  } else {
    process.stderr.write(`keycast: INTERNAL: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  }
}
