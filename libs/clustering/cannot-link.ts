import { fclusterMonocrit } from './fcluster.js';
import { condensedIndex } from './pdist.js';
import type { Condensed, LinkageMatrix } from './types.js';

/**
 * Which points may never share a cluster: `groupsOf[i]` lists the groups point i belongs to (for
 * faces: the frame; for a track: every frame it spans). Two points that share a group cannot link.
 */
export type CannotLinkGroups = ArrayLike<ArrayLike<number>>;

/**
 * The distance given to a cannot-link pair before the linkage: large enough that average and
 * complete linkage keep such points apart far above any cut (the mean of a cluster pair that holds
 * one such pair among up to ~10^6 pairs stays above 1), finite as the linkage requires.
 */
export const CANNOT_LINK_DISTANCE = 1e6;

/**
 * Sets the condensed distance of every cannot-link pair to `value` (in place). Returns how many
 * pairs were set. Points may belong to several groups; a pair is set once per shared group (same result).
 */
export function applyCannotLink(condensed: Condensed, n: number, groupsOf: CannotLinkGroups, value = CANNOT_LINK_DISTANCE): number {
  if (groupsOf.length !== n) throw new RangeError(`applyCannotLink: ${groupsOf.length} group lists for ${n} points`);
  const members = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    for (const g of Array.from(groupsOf[i])) {
      const m = members.get(g);
      if (m) {
        if (m[m.length - 1] !== i) m.push(i);
      } else members.set(g, [i]);
    }
  }
  let set = 0;
  for (const m of members.values()) {
    for (let a = 0; a < m.length; a++) {
      for (let b = a + 1; b < m.length; b++) {
        const q = condensedIndex(n, m[a], m[b]);
        if (condensed[q] !== value) {
          condensed[q] = value;
          set++;
        }
      }
    }
  }
  return set;
}

/**
 * For each merge node r of Z: 1 when its subtree holds two points that cannot link. Bottom-up with
 * small-to-large set unions: O(n log n) set operations for n points.
 */
export function conflictNodes(Z: LinkageMatrix, n: number, groupsOf: CannotLinkGroups): Uint8Array {
  if (groupsOf.length !== n) throw new RangeError(`conflictNodes: ${groupsOf.length} group lists for ${n} points`);
  const rows = Math.max(0, n - 1);
  const out = new Uint8Array(rows);
  const sets = new Array<Set<number> | null>(rows).fill(null);
  const leaf = (i: number) => new Set<number>(Array.from(groupsOf[i]));
  for (let r = 0; r < rows; r++) {
    const a = Z[4 * r],
      b = Z[4 * r + 1];
    let sa = a < n ? leaf(a) : sets[a - n]!;
    let sb = b < n ? leaf(b) : sets[b - n]!;
    let conflict = (a >= n && out[a - n] === 1) || (b >= n && out[b - n] === 1);
    if (sa.size < sb.size) {
      const t = sa;
      sa = sb;
      sb = t;
    }
    for (const g of sb) {
      if (sa.has(g)) conflict = true;
      else sa.add(g);
    }
    out[r] = conflict ? 1 : 0;
    sets[r] = sa;
    if (a >= n) sets[a - n] = null;
    if (b >= n) sets[b - n] = null;
  }
  return out;
}

/**
 * `fcluster(Z, t, 'distance')` under cannot-link constraints: the flat clusters are the largest
 * subtrees whose height is <= t AND that hold no two points that cannot link (scipy's 'monocrit'
 * criterion with MC = +Infinity on conflicting nodes; a conflicting node's ancestors conflict too, so
 * MC stays monotone). A conflicting subtree is split into its children, recursively, down to single
 * points if need be. Without any conflict this is exactly {@link fcluster}, same numbering.
 *
 * Guarantee: two points that share a group never share a flat cluster, whatever the linkage method.
 */
export function fclusterCannotLink(Z: LinkageMatrix, n: number, t: number, groupsOf: CannotLinkGroups, conflicts = conflictNodes(Z, n, groupsOf)): Int32Array {
  return fclusterMonocrit(Z, n, t, (md) => {
    for (let r = 0; r < md.length; r++) if (conflicts[r]) md[r] = Infinity;
    return md;
  });
}
