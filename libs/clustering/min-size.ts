import type { ClusterLabel } from './types.js';

/**
 * Drops small clusters and renumbers the rest (DESIGN.md step 5, `min_csize`).
 *
 * `labels[i]` is any cluster id (e.g. scipy's 1-based fcluster numbers) or null (already unclustered).
 * Clusters with fewer than `min_csize` members become null: their points are reported as unclustered,
 * never lost. The remaining clusters are renumbered 0..k-1 by descending size; equal sizes are ordered
 * by their smallest member index. So the result depends only on the partition, not on the input ids.
 * min_csize <= 1 keeps every cluster (it only renumbers). A cluster holding a `pinned` point (e.g. a
 * face a user confirmed as a person's) is kept whatever its size.
 */
export function applyMinSize(labels: ArrayLike<number | null>, min_csize: number, pinned?: ArrayLike<number>): ClusterLabel[] {
  const n = labels.length;
  // A cut's labels are small non-negative integers (fcluster's 1..k, a renumbering's 0..k-1): counted in typed
  // arrays by label, with no map per cluster (a cut of 10,000 faces calls this twice); other ids go through a map.
  let max = -1;
  for (let i = 0; i < n; i++) {
    const l = labels[i];
    if (l === null || l === undefined) continue;
    if (!Number.isInteger(l) || l < 0 || l > n) return applyMinSizeMapped(labels, min_csize, pinned);
    if (l > max) max = l;
  }
  const count = new Int32Array(max + 1);
  const first = new Int32Array(max + 1).fill(-1);
  const pin = new Uint8Array(max + 1);
  for (let i = 0; i < n; i++) {
    const l = labels[i];
    if (l === null || l === undefined) continue;
    count[l]++;
    if (first[l] < 0) first[l] = i;
    if (pinned !== undefined && pinned[i] !== 0) pin[l] = 1;
  }
  const kept: number[] = [];
  for (let l = 0; l <= max; l++) if (count[l] > 0 && (count[l] >= min_csize || pin[l] === 1)) kept.push(l);
  kept.sort((a, b) => count[b] - count[a] || first[a] - first[b]);
  const newId = new Int32Array(max + 1).fill(-1);
  kept.forEach((l, rank) => (newId[l] = rank));
  const out = new Array<ClusterLabel>(n);
  for (let i = 0; i < n; i++) {
    const l = labels[i];
    out[i] = l === null || l === undefined || newId[l] < 0 ? null : newId[l];
  }
  return out;
}

/** applyMinSize for any cluster ids (a map per cluster). */
function applyMinSizeMapped(labels: ArrayLike<number | null>, min_csize: number, pinned?: ArrayLike<number>): ClusterLabel[] {
  const n = labels.length;
  const members = new Map<number, { first: number; count: number; pinned: boolean }>();
  for (let i = 0; i < n; i++) {
    const l = labels[i];
    if (l === null || l === undefined) continue;
    const g = members.get(l);
    const pin = pinned !== undefined && pinned[i] !== 0;
    if (g) {
      g.count++;
      if (pin) g.pinned = true;
    } else members.set(l, { first: i, count: 1, pinned: pin });
  }
  const kept = [...members.entries()].filter(([, g]) => g.count >= min_csize || g.pinned).sort((a, b) => b[1].count - a[1].count || a[1].first - b[1].first);
  const newId = new Map<number, number>();
  kept.forEach(([id], rank) => newId.set(id, rank));
  const out = new Array<ClusterLabel>(n);
  for (let i = 0; i < n; i++) {
    const l = labels[i];
    out[i] = l === null || l === undefined ? null : (newId.get(l) ?? null);
  }
  return out;
}

/** Renumbers clusters 0..k-1 by descending size, ties by smallest member index; nulls stay null. */
export function renumberBySize(labels: ArrayLike<number | null>): ClusterLabel[] {
  return applyMinSize(labels, 1);
}
