import type { ClusterOptions } from '../config/index.js';

type LinkageShaping = Pick<ClusterOptions, 'face_cloth_weights' | 'method' | 'sim' | 'cannot_link' | 'tracks' | 'quality_weighting' | 'shot_aware'>;

/** True when the options are the reference method's (a numeric sim, no improvement on): its exact flow runs. */
export function isReferenceFlow(opts: Pick<ClusterOptions, 'sim' | 'cannot_link' | 'tracks' | 'quality_weighting' | 'shot_aware'>): boolean {
  return opts.sim !== 'auto' && !opts.cannot_link && !opts.tracks && !opts.quality_weighting && !opts.shot_aware;
}

/**
 * What, besides the faces and the weights, the linkage (dendrogram) depends on: the method, and
 * whether the flow is the reference's or keycast's (face-unit distances), with the options that change
 * the distances or the units clustered — quality weighting, cannot-link (penalised same-frame pairs),
 * tracks (track-level distances) and shot-aware fusion (cross-shot pairs judged by face). The cut (sim, a number or 'auto'), min_csize and merging only
 * cut the tree. The reference flow's variant is the method's name alone (so linkages cached before
 * these options existed stay valid): "average"; keycast's flow adds "+units" and its options, e.g.
 * "average+units+quality+cannot_link+tracks+shots".
 */
export function linkageVariant(opts: LinkageShaping, constraints?: string | null): string {
  const people = constraints ? `${PEOPLE_VARIANT_MARK}${constraints}` : '';
  if (isReferenceFlow(opts)) return opts.method + people;
  const parts: string[] = [opts.method, 'units'];
  if (opts.quality_weighting) parts.push('quality');
  if (opts.cannot_link) parts.push('cannot_link');
  if (opts.tracks) parts.push('tracks');
  if (opts.shot_aware) parts.push('shots');
  return parts.join('+') + people;
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
export function linkageKey(opts: LinkageShaping, constraints?: string | null): string {
  return `${linkageVariant(opts, constraints)}|${opts.face_cloth_weights[0]},${opts.face_cloth_weights[1]}`;
}
