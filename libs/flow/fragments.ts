import { normalised } from './pair-distances.js';

/** What the fragment pass needs of a face: its descriptor and its frame. */
export interface FragmentFace {
  face: ArrayLike<number>;
  frame: number;
}

/**
 * A small cluster joins a larger one when the median, over its faces, of the distance to the nearest face
 * of the larger cluster (L2-normalised descriptors) is at most this. The default is measured
 * (docs/QUALITY.md, "Fragments").
 */
export const FRAGMENT_MAX_FACE_DISTANCE = 0.35;
/** Only a cluster at most this share of the other's size is a fragment of it (a split person leaves a small part). */
export const FRAGMENT_MAX_SHARE = 0.5;

export interface FragmentOptions {
  maxFaceDistance?: number;
  maxShare?: number;
  /**
   * Each face's cannot-link groups (its frame, and people's constraint groups): two clusters that share a
   * group are never joined. Default: each face's frame alone.
   */
  groupsOf?: readonly (readonly number[])[];
}

/**
 * The fragment pass: a person split into a large cluster and a small one (blurred, turned or small faces
 * that the fused distance put apart) is joined again when the face can vouch for it.
 *
 * Clusters (labels ≥ 0; null is unclustered and stays so) are visited from the smallest (ties: the one
 * whose first face comes first). For a cluster S, a candidate is any cluster L with
 * |S| ≤ maxShare · |L| that shares no frame with S (two faces of one frame are never one person, so a
 * cluster that shares a frame with S is never joined to it, however close; with `groupsOf`, no
 * cannot-link group either). S's score against L is the
 * median over S's faces of the distance to the nearest face of L (L2-normalised descriptors). S joins
 * the candidate with the lowest score when that score is ≤ maxFaceDistance (ties: the larger cluster,
 * then the smaller label); L then holds S's faces and frames for the clusters visited after it.
 * Returns new labels (the surviving clusters keep their labels; a joined cluster takes its host's).
 */
export function mergeFragments(labels: readonly (number | null)[], faces: readonly FragmentFace[], opts: FragmentOptions = {}): (number | null)[] {
  const maxD = opts.maxFaceDistance ?? FRAGMENT_MAX_FACE_DISTANCE;
  const maxShare = opts.maxShare ?? FRAGMENT_MAX_SHARE;
  if (labels.length !== faces.length) throw new RangeError(`mergeFragments: ${labels.length} labels for ${faces.length} faces`);
  const clusters = new Map<number, { label: number; members: number[]; frames: Set<number> }>();
  labels.forEach((l, i) => {
    if (l === null || l === undefined) return;
    let c = clusters.get(l);
    if (!c) clusters.set(l, (c = { label: l, members: [], frames: new Set() }));
    c.members.push(i);
    for (const g of opts.groupsOf?.[i] ?? [faces[i].frame]) c.frames.add(g);
  });
  if (clusters.size < 2) return [...labels];
  const unit = new Map<number, Float64Array>();
  const u = (i: number) => {
    let v = unit.get(i);
    if (!v) unit.set(i, (v = normalised(faces[i].face)));
    return v;
  };
  const dist = (i: number, j: number) => {
    const a = u(i),
      b = u(j);
    let s = 0;
    for (let k = 0; k < a.length; k++) {
      const t = a[k] - b[k];
      s += t * t;
    }
    return Math.sqrt(s);
  };
  const hostOf = new Map<number, number>();
  const order = [...clusters.values()].sort((a, b) => a.members.length - b.members.length || a.members[0] - b.members[0]);
  for (const S of order) {
    let best: { c: typeof S; score: number } | null = null;
    for (const L of clusters.values()) {
      if (L === S || S.members.length > maxShare * L.members.length) continue;
      let shared = false;
      for (const f of S.frames)
        if (L.frames.has(f)) {
          shared = true;
          break;
        }
      if (shared) continue;
      const nearest = S.members.map((i) => Math.min(...L.members.map((j) => dist(i, j)))).sort((a, b) => a - b);
      const m = nearest.length;
      const score = m % 2 ? nearest[m >> 1] : (nearest[m / 2 - 1] + nearest[m / 2]) / 2;
      if (score > maxD) continue;
      if (
        !best ||
        score < best.score ||
        (score === best.score && (L.members.length > best.c.members.length || (L.members.length === best.c.members.length && L.label < best.c.label)))
      )
        best = { c: L, score };
    }
    if (!best) continue;
    const L = best.c;
    for (const i of S.members) L.members.push(i);
    for (const f of S.frames) L.frames.add(f);
    clusters.delete(S.label);
    hostOf.set(S.label, L.label);
  }
  const root = (l: number): number => {
    let r = l;
    while (hostOf.has(r)) r = hostOf.get(r)!;
    return r;
  };
  return labels.map((l) => (l === null || l === undefined ? null : root(l)));
}
