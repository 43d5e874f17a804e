import { readFileSync } from 'node:fs';
import { isKeycastError } from '../../libs/config/index.js';
import { ANALYZE_USAGE, analyzeCommand } from './commands/analyze.js';
import { APIKEY_USAGE, apikeyCommand } from './commands/apikey.js';
import { CLUSTER_USAGE, clusterCommand } from './commands/cluster.js';
import { EVAL_USAGE, evalCommand } from './commands/eval.js';
import { RECLUSTER_USAGE, reclusterCommand } from './commands/recluster.js';
import { TENANT_USAGE, tenantCommand } from './commands/tenant.js';

const EXTRACT_OPTIONS = `extraction options:
  --capture-interval-sec S  --use-scene-transition  --scene-threshold X  --skip-sec S  --stop-sec S
  --face-cnt N  --frame-batch-size N  --resizing-resolution W  --resizing-ratio R  --max-faces-per-frame N
  --min-face-score X  --cloth-encoder cnn|histogram  --face-chips face-api|dlib|guarded  --workers N`;
const CLUSTER_OPTIONS = `clustering options:
  --face-cloth-weights F,C  --sim X|auto  --min-csize N  --method average|single|complete  --merge/--no-merge
  --face-threshold X  --cloth-threshold X  --iterations N
  --cannot-link/--no-cannot-link  --tracks/--no-tracks  --quality-weighting/--no-quality-weighting
  --shot-aware/--no-shot-aware  --merge-fragments/--no-merge-fragments  --key-min-s S  --key-min-share X`;

interface Command {
  run: (argv: string[]) => Promise<number>;
  /** What `keycast CMD --help` prints: the command's usage and the option lists it takes. */
  help: string;
}

const COMMANDS: Record<string, Command> = {
  analyze: { run: analyzeCommand, help: `${ANALYZE_USAGE}\n${EXTRACT_OPTIONS}\n${CLUSTER_OPTIONS}` },
  recluster: { run: reclusterCommand, help: `${RECLUSTER_USAGE}\n${CLUSTER_OPTIONS}` },
  cluster: { run: clusterCommand, help: `${CLUSTER_USAGE}\n${CLUSTER_OPTIONS}` },
  eval: { run: evalCommand, help: EVAL_USAGE },
  apikey: { run: apikeyCommand, help: APIKEY_USAGE },
  tenant: { run: tenantCommand, help: TENANT_USAGE },
};

const USAGE = `usage:
${[ANALYZE_USAGE, RECLUSTER_USAGE, CLUSTER_USAGE, EVAL_USAGE, APIKEY_USAGE, TENANT_USAGE].map((u) => `  ${u.replace(/\n/g, '\n  ')}`).join('\n')}
  keycast help [COMMAND] | keycast COMMAND --help | keycast --version
${EXTRACT_OPTIONS.replace('extraction options:', 'options (analyze; clustering options also for recluster and cluster):')}
${CLUSTER_OPTIONS.slice(CLUSTER_OPTIONS.indexOf('\n') + 1)}`;

const HELP_FLAGS = new Set(['--help', '-h']);

/** The package's version (package.json), which `npx keycast --version` reports. */
function version(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

function unknownCommand(cmd: string): number {
  process.stderr.write(`keycast: UNKNOWN_COMMAND: unknown command "${cmd}" (${Object.keys(COMMANDS).join(', ')})\n`);
  return 2;
}

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  const print = (s: string) => process.stdout.write(`${s}\n`);
  if (cmd === '--version' || cmd === '-V' || cmd === 'version') {
    print(version());
    return 0;
  }
  if (!cmd || HELP_FLAGS.has(cmd) || cmd === 'help') {
    const topic = cmd === 'help' ? rest[0] : undefined;
    if (topic === undefined) {
      print(USAGE);
      return cmd ? 0 : 2;
    }
    if (!COMMANDS[topic]) return unknownCommand(topic);
    print(COMMANDS[topic].help);
    return 0;
  }
  const command = COMMANDS[cmd];
  if (!command) return unknownCommand(cmd);
  // `--help` anywhere before a `--` asks for the command's usage, whatever else the line holds.
  const own = rest.includes('--') ? rest.slice(0, rest.indexOf('--')) : rest;
  if (own.some((a) => HELP_FLAGS.has(a))) {
    print(command.help);
    return 0;
  }
  return command.run(rest);
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
