import type { ClusterOptions } from './options.js';

/**
 * The cluster options that shape the linkage tree (the dendrogram), and how each does: the one list from which the
 * linkage cache key and the choice of flow (libs/flow linkage-key.ts), the linkage job's payload (libs/queue) and the
 * API's queued computation derive. Every other cluster option (sim's value, min_csize, merging, merge_fragments, the
 * key-character gate) only cuts the tree. A new option that changes the distances or the units clustered is one
 * entry here (plus the option itself and its use in libs/flow).
 * - 'value': the tree depends on the option's value (the weights, the method);
 * - 'flow': only its kind matters: sim 'auto' runs keycast's flow (face-unit distances), a number the reference's
 *   unless a switch is on;
 * - 'switch': one of keycast's improvements to the distances or the units clustered: any switch on runs keycast's
 *   flow, and its tree depends on every switch.
 */
export const TREE_SHAPING = {
  face_cloth_weights: 'value',
  method: 'value',
  sim: 'flow',
  quality_weighting: 'switch',
  cannot_link: 'switch',
  tracks: 'switch',
  shot_aware: 'switch',
} as const satisfies { readonly [K in keyof ClusterOptions]?: 'value' | 'flow' | 'switch' };

export type TreeShapingKey = keyof typeof TREE_SHAPING;
/** The options a linkage depends on (besides the faces and the people's constraints). */
export type TreeShapingOptions = Pick<ClusterOptions, TreeShapingKey>;
/** The improvements whose switch shapes keycast's tree (see {@link TREE_SHAPING}). */
export type TreeSwitch = { [K in TreeShapingKey]: (typeof TREE_SHAPING)[K] extends 'switch' ? K : never }[TreeShapingKey];

export const TREE_SHAPING_KEYS = Object.keys(TREE_SHAPING) as TreeShapingKey[];
export const TREE_SWITCHES = TREE_SHAPING_KEYS.filter((k): k is TreeSwitch => TREE_SHAPING[k] === 'switch');

/** True when the options are the reference method's (a numeric sim, no tree-shaping switch on): its exact flow runs. */
export function isReferenceFlow(opts: Pick<ClusterOptions, 'sim' | TreeSwitch>): boolean {
  return opts.sim !== 'auto' && TREE_SWITCHES.every((k) => !opts[k]);
}

type ValueKey = { [K in TreeShapingKey]: (typeof TREE_SHAPING)[K] extends 'value' ? K : never }[TreeShapingKey];

/**
 * What a tree depends on, of the options (libs/flow's linkage key, stored whole in the linkages table's `shape`):
 * the 'value' options, the flow that sim and the switches select, and the switches that are on (an option off is
 * left out, so trees cached before a new switch existed keep their key while it is off).
 */
export type TreeShape = Pick<ClusterOptions, ValueKey> & { flow: 'reference' | 'units' } & { [K in TreeSwitch]?: true };

/** The {@link TreeShape} of some options: two options of one shape cut the same tree. */
export function treeShape(opts: TreeShapingOptions): TreeShape {
  const shape: Record<string, unknown> = { flow: isReferenceFlow(opts) ? 'reference' : 'units' };
  for (const k of TREE_SHAPING_KEYS) {
    if (TREE_SHAPING[k] === 'value') shape[k] = opts[k];
    else if (TREE_SHAPING[k] === 'switch' && opts[k]) shape[k] = true;
  }
  return shape as TreeShape;
}

/** The tree-shaping options of some options (what a linkage job carries), in {@link TREE_SHAPING}'s order. */
export function treeShapingOf(opts: TreeShapingOptions): TreeShapingOptions {
  return Object.fromEntries(TREE_SHAPING_KEYS.map((k) => [k, opts[k]])) as unknown as TreeShapingOptions;
}

/**
 * The bytes a process keeps between the trees it computes (libs/flow TreeMemory: each video's face-pair distances,
 * which a people edit does not change, and reused working buffers); env TREE_MEMORY_MB. 1.25 GiB holds a
 * 10,000-face video's distances (381 MiB in float64) and the two working matrices of its next tree.
 */
export const DEFAULT_TREE_MEMORY_BYTES = 1280 * 2 ** 20;
