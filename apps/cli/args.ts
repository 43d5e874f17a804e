import { parseArgs, type ParseArgsConfig } from 'node:util';
import { KeycastError } from '../../libs/config/index.js';

type OptSpec = NonNullable<ParseArgsConfig['options']>;

/** Flags of every extraction option (kebab-case of the option key). */
export const EXTRACT_FLAGS: OptSpec = {
  'capture-interval-sec': { type: 'string' },
  'use-scene-transition': { type: 'boolean' },
  'scene-threshold': { type: 'string' },
  'skip-sec': { type: 'string' },
  'stop-sec': { type: 'string' },
  'face-cnt': { type: 'string' },
  'frame-batch-size': { type: 'string' },
  'resizing-resolution': { type: 'string' },
  'resizing-ratio': { type: 'string' },
  'max-faces-per-frame': { type: 'string' },
  'min-face-score': { type: 'string' },
  'cloth-encoder': { type: 'string' },
  'face-chips': { type: 'string' },
};

/** Flags of every clustering option. `--no-merge` etc. are spelled out: Node 20's parseArgs has no negation. */
export const CLUSTER_FLAGS: OptSpec = {
  'face-cloth-weights': { type: 'string' },
  sim: { type: 'string' },
  'min-csize': { type: 'string' },
  method: { type: 'string' },
  merge: { type: 'boolean' },
  'no-merge': { type: 'boolean' },
  'face-threshold': { type: 'string' },
  'cloth-threshold': { type: 'string' },
  iterations: { type: 'string' },
  'cannot-link': { type: 'boolean' },
  'no-cannot-link': { type: 'boolean' },
  tracks: { type: 'boolean' },
  'no-tracks': { type: 'boolean' },
  'quality-weighting': { type: 'boolean' },
  'no-quality-weighting': { type: 'boolean' },
  'shot-aware': { type: 'boolean' },
  'no-shot-aware': { type: 'boolean' },
  'merge-fragments': { type: 'boolean' },
  'no-merge-fragments': { type: 'boolean' },
  'key-min-s': { type: 'string' },
  'key-min-share': { type: 'string' },
};

/** The on/off clustering options: each has a --flag and a --no-flag. */
const SWITCHES = ['merge', 'cannot-link', 'tracks', 'quality-weighting', 'shot-aware', 'merge-fragments'] as const;

export interface Parsed {
  positionals: string[];
  /** Option values keyed like the option objects (snake_case); only those given. */
  options: Record<string, unknown>;
  /** Flags that are not options of the engine (--out, --quiet …). */
  flags: Record<string, string | boolean | undefined>;
}

/** Parses argv strictly: an unknown flag or a missing value is a KeycastError with a one-line reason. */
export function parseCommandArgs(argv: string[], spec: OptSpec, extra: OptSpec = {}): Parsed {
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: argv, options: { ...spec, ...extra }, allowPositionals: true, strict: true }) as {
      values: Record<string, string | boolean | undefined>;
      positionals: string[];
    });
  } catch (e) {
    const msg = (e as Error).message.split('\n')[0];
    throw new KeycastError((e as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ? 'UNKNOWN_OPTION' : 'INVALID_OPTION', msg);
  }
  const options: Record<string, unknown> = {};
  const flags: Record<string, string | boolean | undefined> = {};
  for (const [k, v] of Object.entries(values)) {
    if (v === undefined) continue;
    if (k in extra) flags[k] = v;
    else if (k.startsWith('no-') && (SWITCHES as readonly string[]).includes(k.slice(3))) options[k.slice(3).replace(/-/g, '_')] = false;
    else options[k.replace(/-/g, '_')] = v;
  }
  for (const sw of SWITCHES) if (values[sw] && values[`no-${sw}`]) throw new KeycastError('INVALID_OPTION', `--${sw} and --no-${sw} both given`);
  return { positionals, options, flags };
}
