import type { Units } from './units.js';

/**
 * Must-link constraints as units: every group of `groups` (point indices) ends up in one unit, so the
 * linkage can never separate it (as a track's faces are one unit). Points listed in `detach` (and every
 * point of a group) first leave their base unit: a constraint a user stated outweighs a computed link
 * (a track), so a track never drags a constrained point somewhere its constraints forbid. Groups that
 * share a point are joined. Units are numbered 0..k-1 in the order of each unit's first point.
 */
export function mustLinkUnits(base: Units, groups: readonly ArrayLike<number>[], detach: Iterable<number> = []): Units {
  const n = base.unitOf.length;
  const parent = Int32Array.from({ length: n }, (_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]];
      i = parent[i];
    }
    return i;
  };
  const union = (a: number, b: number) => {
    const ra = find(a),
      rb = find(b);
    if (ra !== rb) parent[Math.max(ra, rb)] = Math.min(ra, rb);
  };
  const free = new Uint8Array(n);
  for (const i of detach) free[checkPoint(i, n)] = 1;
  for (const g of groups) for (const i of Array.from(g)) free[checkPoint(i, n)] = 1;
  const firstOfUnit = new Int32Array(base.count).fill(-1);
  for (let i = 0; i < n; i++) {
    if (free[i]) continue;
    const u = base.unitOf[i];
    if (firstOfUnit[u] === -1) firstOfUnit[u] = i;
    else union(firstOfUnit[u], i);
  }
  for (const g of groups) {
    const pts = Array.from(g);
    for (let a = 1; a < pts.length; a++) union(pts[0], pts[a]);
  }
  const unitOf = new Int32Array(n);
  const idOfRoot = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const r = find(i);
    let id = idOfRoot.get(r);
    if (id === undefined) {
      id = idOfRoot.size;
      idOfRoot.set(r, id);
    }
    unitOf[i] = id;
  }
  return { unitOf, count: idOfRoot.size };
}

/**
 * Pairwise cannot-links of units as cannot-link groups (cannot-link.ts): pair p = [a, b] becomes the
 * group `firstGroup - p` held by a and b only, so a and b never share a cluster while neither gets a
 * constraint with anyone else. Group ids count down from `firstGroup` (negative by default) so they
 * never meet the frame numbers used as groups. Returns each unit's group list.
 */
export function pairGroups(k: number, pairs: readonly (readonly [number, number])[], firstGroup = -1): number[][] {
  const out: number[][] = Array.from({ length: k }, () => []);
  pairs.forEach(([a, b], p) => {
    if (!(a >= 0 && a < k && b >= 0 && b < k) || a === b) throw new RangeError(`pairGroups: pair ${a}, ${b} outside 0..${k - 1} or not a pair`);
    out[a].push(firstGroup - p);
    out[b].push(firstGroup - p);
  });
  return out;
}

/** Per point, the concatenation of its group lists in `lists` (e.g. frames and pair groups). */
export function concatGroups(...lists: readonly ArrayLike<ArrayLike<number>>[]): number[][] {
  const n = lists[0]?.length ?? 0;
  for (const l of lists) if (l.length !== n) throw new RangeError(`concatGroups: ${l.length} group lists for ${n} points`);
  return Array.from({ length: n }, (_, i) => lists.flatMap((l) => Array.from(l[i])));
}

function checkPoint(i: number, n: number): number {
  if (!(Number.isInteger(i) && i >= 0 && i < n)) throw new RangeError(`mustLinkUnits: point ${i} outside 0..${n - 1}`);
  return i;
}
