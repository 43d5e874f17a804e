import { TREE_SWITCHES, type ClusterOptions, type TreeShapingOptions, type TreeSwitch } from '../config/index.js';

/** True when the options are the reference method's (a numeric sim, no tree-shaping switch on): its exact flow runs. */
export function isReferenceFlow(opts: Pick<ClusterOptions, 'sim' | TreeSwitch>): boolean {
  return opts.sim !== 'auto' && TREE_SWITCHES.every((k) => !opts[k]);
}

/** How each switch of libs/config TREE_SHAPING is spelled in a variant (the spelling of the rows stored so far). */
const VARIANT_TAG: Record<TreeSwitch, string> = { quality_weighting: 'quality', cannot_link: 'cannot_link', tracks: 'tracks', shot_aware: 'shots' };

/**
 * What, besides the faces and the weights, the linkage (dendrogram) depends on: the tree-shaping options of libs/config
 * TREE_SHAPING. The reference flow's variant is the method's name alone (so linkages cached before these options
 * existed stay valid): "average"; keycast's flow adds "+units" and its switches that are on, e.g.
 * "average+units+quality+cannot_link+tracks+shots".
 */
export function linkageVariant(opts: TreeShapingOptions, constraints?: string | null): string {
  const people = constraints ? `${PEOPLE_VARIANT_MARK}${constraints}` : '';
  if (isReferenceFlow(opts)) return opts.method + people;
  return [opts.method, 'units', ...TREE_SWITCHES.filter((k) => opts[k]).map((k) => VARIANT_TAG[k])].join('+') + people;
}

/**
 * Marks the variant of a linkage built under people's constraints: the variant ends with
 * `+people:<fingerprint>` (people.ts peopleInVideo), so a changed constraint names another tree and
 * the trees of a video's old constraints can be found (and dropped) by this mark.
 */
export const PEOPLE_VARIANT_MARK = '+people:';

/**
 * The linkage depends only on the fingerprints, the weights, the variant ({@link linkageVariant}) and
 * the people's constraints (their fingerprint, none without people): this names one.
 */
export function linkageKey(opts: TreeShapingOptions, constraints?: string | null): string {
  return `${linkageVariant(opts, constraints)}|${opts.face_cloth_weights[0]},${opts.face_cloth_weights[1]}`;
}
