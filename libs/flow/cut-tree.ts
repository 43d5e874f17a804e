import type { ClusterOptions } from '../config/index.js';
import {
  applyMinSize,
  autoCutHeight,
  conflictNodes,
  expandUnitLabels,
  fcluster,
  fclusterCannotLink,
  renumberBySize,
  type CachedLinkage,
  type ClusterLabel,
  type Units,
} from '../clustering/index.js';
import { mergeFragments, type FragmentFace } from './fragments.js';
import { mergeClusters } from './merge.js';

/** The options that only cut a tree (those that shape it are libs/config TREE_SHAPING). */
export type CutOptions = Pick<ClusterOptions, 'sim' | 'min_csize' | 'merge' | 'face_threshold' | 'cloth_threshold' | 'iterations'>;

/** What the cut needs of the clustered points beyond their fingerprints: how the tree's leaves (units) and rules map onto them. */
export interface CutPlan {
  /** The tree's leaves: units of points (tracks, a person's confirmed faces) or every point its own. */
  units: Units;
  /** Cannot-link groups of each unit: the cut never keeps two units that share one in a cluster. Null: a plain cut. */
  unitGroups: number[][] | null;
  /** The fragment pass (fragments.ts) on these faces, never across these groups per point; absent: no pass. */
  fragments?: { faces: readonly FragmentFace[]; groupsOf: number[][] };
  /** Points (non-zero) whose cluster min_csize keeps whatever its size (confirmed faces). */
  pinned?: ArrayLike<number>;
  /** Cannot-link groups per point for merging: clusters sharing one are never merged. */
  mergeGroupsOf?: ArrayLike<ArrayLike<number>>;
  /** Length of the face half of each fingerprint (merging compares the halves). */
  faceDim: number;
  /**
   * The tree's nodes that join two units of one cannot-link group (libs/clustering conflictNodes), filled by the first
   * cut of a tree: a plan kept with its tree (ClusterService) does not walk the tree's groups again on every cut.
   */
  conflicts?: { Z: CachedLinkage['Z']; nodes: Uint8Array };
}

/**
 * DESIGN.md steps 5-6 on a tree (the one chain of every flow): the cut (sim 'auto': t = autoCutHeight(Z,
 * FACE_UNITS_BAND, sizes = points per unit), else t = maxDist·(1 − sim), scipy's fcluster 'distance'; with
 * unit groups the cut never keeps two units that share a group, fclusterCannotLink) → every point takes its unit's
 * label → the fragment pass (if planned) → min_csize (pinned clusters kept) → merging (if on; `iterations` passes) →
 * labels 0..k-1 by descending size (ties: smallest member index). `X` (the points, which only merging reads) may be
 * a function that builds them: a cut without merging never does.
 */
export function cutTree(tree: CachedLinkage, X: ArrayLike<number>[] | (() => ArrayLike<number>[]), opts: CutOptions, plan: CutPlan): ClusterLabel[] {
  const { units } = plan;
  const k = units.count;
  const t = opts.sim === 'auto' ? autoCutHeight(tree.Z, k, undefined, { sizes: unitSizes(units) }) : tree.maxDist * (1 - opts.sim);
  let flat: Int32Array;
  if (plan.unitGroups) {
    if (plan.conflicts?.Z !== tree.Z) plan.conflicts = { Z: tree.Z, nodes: conflictNodes(tree.Z, k, plan.unitGroups) };
    flat = fclusterCannotLink(tree.Z, k, t, plan.unitGroups, plan.conflicts.nodes);
  } else flat = fcluster(tree.Z, k, t);
  let labels: ClusterLabel[] = expandUnitLabels(flat, units);
  if (plan.fragments) labels = mergeFragments(labels, plan.fragments.faces, { groupsOf: plan.fragments.groupsOf });
  labels = applyMinSize(labels, opts.min_csize, plan.pinned);
  if (opts.merge && opts.iterations > 0) {
    labels = mergeClusters(typeof X === 'function' ? X() : X, labels, {
      faceDim: plan.faceDim,
      face_threshold: opts.face_threshold,
      cloth_threshold: opts.cloth_threshold,
      iterations: opts.iterations,
      groupsOf: plan.mergeGroupsOf,
    });
  }
  return renumberBySize(labels);
}

function unitSizes(u: Units): Float64Array {
  const s = new Float64Array(u.count);
  for (const x of u.unitOf) s[x]++;
  return s;
}
