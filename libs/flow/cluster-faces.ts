import type { Box, ClusterOptions } from '../config/index.js';
import {
  applyCannotLink,
  linkage,
  linkageFits,
  maxDistance,
  pdist,
  resolvePrecision,
  scratchCondensed,
  scratchLike,
  singletonUnits,
  unitDistances,
  unitDistancesKeyed,
  UnitDistanceSums,
  CANNOT_LINK_DISTANCE,
  type CachedLinkage,
  type Condensed,
  type Units,
} from '../clustering/index.js';
import { appearanceDistances } from './appearance-distances.js';
import { cutTree, type CutPlan } from './cut-tree.js';
import { faceQuality } from './face-quality.js';
import { fingerprints } from './fingerprints.js';
import { isReferenceFlow } from './linkage-key.js';
import { forEachPairDistanceChunk, pairDistancesAndMax, type PairDistanceOptions } from './pair-distances.js';
import { peopleConstraints, peopleInVideo, type PeopleConstraints, type PersonConstraint } from './people.js';
import { clothCountsRule } from './shots.js';
import { buildTracks } from './tracks.js';
import type { KeptDistances, TreeScratch } from './tree-memory.js';

/** What clustering needs of a stored appearance. */
export interface ClusterableFace {
  id: number;
  t: number;
  frame: number;
  box: Box;
  score: number;
  face: ArrayLike<number>;
  cloth: ArrayLike<number>;
  /** Quality features (FaceRecord); null or absent for fingerprints made before them: neutral quality. */
  sharpness?: number | null;
  yaw?: number | null;
  /** The frame index where the face's shot starts (libs/media Frame.shot); null or absent: unknown shot. */
  shot?: number | null;
}

/** What clustering may need beyond the faces: the sampling (temporal links). */
export interface ClusterContext {
  /** Seconds between two samples; default: the median gap between the faces' distinct times. */
  sample_interval_s?: number;
  /**
   * People: the faces users confirmed as a person's (a must-link unit) or rejected from them
   * (cannot-links), by face id (people.ts). Faces not among `faces` are ignored; with none among them
   * the clustering is exactly the unconstrained one.
   */
  people?: readonly PersonConstraint[];
  /**
   * A memo the caller keeps with `cache` (one per faces array and tree): the cut's units and rules (tracks, people's
   * units, cannot-link groups, the tree's conflicting nodes), which depend on the faces, the people and the options but
   * not on the cut, are built by the first cut and reused by the next ones.
   */
  prepared?: Map<string, PreparedCut>;
  /**
   * What the caller keeps between the trees of these faces (tree-memory.ts TreeMemory.of, one per video): the faces'
   * pair distances and maxDist, which people's constraints do not change, so the tree after a people edit skips them,
   * and reused working buffers. The same tree with or without it, bit for bit.
   */
  memory?: TreeScratch;
}

/** What every cut of one tree rebuilds from the faces unless kept ({@link ClusterContext.prepared}). */
export interface PreparedCut {
  faces: readonly ClusterableFace[];
  units: Units;
  constraints: PeopleConstraints | null;
  plan: CutPlan;
}

/**
 * Fingerprints → labels (DESIGN.md steps 4-6, and keycast's improvements). With `cache` (a linkage
 * of the same faces and the same {@link linkageKey}) only the cut, min_csize and merging run: a new
 * numeric `sim` costs no HAC.
 *
 * The reference flow (numeric sim, cannot_link, tracks, quality_weighting and shot_aware off) is the method as
 * the reference describes it: Euclidean distances of the fingerprints (missing clothing imputed,
 * appearance-distances.ts), linkage, cut at max(pdist)·(1 − sim), min_csize, merging.
 *
 * Otherwise (keycast's flow), in this order:
 * 1. distances (pair-distances.ts) in face units, so that an absolute height means the same on every
 *    video; with quality_weighting each pair's face/cloth share follows its faces' quality; with
 *    shot_aware a pair across a cut is judged by its faces alone (shots.ts);
 *    maxDist = the largest of these distances (for a numeric sim);
 * 2. cannot_link: the distance of two faces of one frame becomes CANNOT_LINK_DISTANCE (1e6);
 * 3. tracks (tracks.ts): the units clustered are tracks, at the mean distance of their faces' pairs;
 *    without tracks every face is a unit;
 * 4. linkage of the units (method);
 * 5. cut: sim 'auto' → t = autoCutHeight(Z, FACE_UNITS_BAND, sizes = faces per unit, minSide 3), else
 *    t = maxDist·(1 − sim); with
 *    cannot_link the cut never keeps two units that share a frame in one cluster (fclusterCannotLink);
 * 6. every face takes its unit's label; with merge_fragments a small cluster joins a larger one that
 *    shares no frame with it when their nearest faces agree (fragments.ts; it only cuts, so it is not
 *    part of the linkage key, and the reference flow ignores it); min_csize counts faces; merging (if on) never joins
 *    clusters that share a frame when cannot_link is on.
 * Both flows build their tree here (steps 1-4) and cut it with the one chain of steps 5-6, cut-tree.ts cutTree.
 * The cache holds the units' Z and maxDist; the units (tracks) are rebuilt from the faces, which is
 * cheap and deterministic.
 *
 * People (`ctx.people`, people.ts) are constraints of every flow, the reference's included (its
 * distances, its cut): a person's confirmed faces are one unit (leaving their tracks), so the linkage
 * never separates them and similar faces join them as they would join a track; two people's units, and
 * a rejected face's unit with its person's, are cannot-links, at CANNOT_LINK_DISTANCE in the linkage and
 * never in one cluster of the cut (fclusterCannotLink) nor of the merging; min_csize never drops a
 * cluster that holds confirmed faces. The linkage depends on them: the caller's cache key must carry
 * their fingerprint (linkageKey's `people`).
 */
export function clusterFaces(
  faces: ClusterableFace[],
  opts: ClusterOptions,
  cache?: CachedLinkage,
  ctx: ClusterContext = {},
): { labels: (number | null)[]; cache: CachedLinkage | undefined } {
  if (faces.length === 0) return { labels: [], cache: undefined };
  if (faces.length === 1) return { labels: [opts.min_csize <= 1 || peopleInVideo(faces, ctx.people) ? 0 : null], cache: undefined };
  const people = peopleInVideo(faces, ctx.people);
  // The n × d fingerprint matrix only feeds the distances (no cached tree) and merging: a cut of a cached tree
  // without merging never builds it (at 10,000 faces that was half of a re-cut's time).
  let matrix: Float64Array[] | undefined;
  const X = () =>
    (matrix ??= fingerprints(
      faces.map((f) => f.face),
      faces.map((f) => f.cloth),
      opts.face_cloth_weights,
    ));
  const faceDim = faces[0].face.length;
  // Everything the units and the plan read beyond the faces (the tree's memo is per faces array and tree).
  const prepKey =
    cache && ctx.prepared
      ? JSON.stringify([
          opts.tracks,
          opts.cannot_link,
          opts.merge_fragments,
          isReferenceFlow(opts),
          ctx.sample_interval_s ?? null,
          people?.fingerprint ?? null,
          people?.people ?? null,
        ])
      : null;
  const held = prepKey === null ? undefined : ctx.prepared!.get(prepKey);
  if (held && held.faces === faces && cache && linkageFits(cache.Z, held.units.count)) return { labels: cutTree(cache, X, opts, held.plan), cache };
  const base: Units = opts.tracks ? buildTracks(faces, { sample_interval_s: ctx.sample_interval_s }) : singletonUnits(faces.length);
  const constraints = people ? peopleConstraints(base, people) : null;
  const units = constraints ? constraints.units : base;
  const frameGroups = faces.map((f) => [f.frame]);
  let tree = cache && linkageFits(cache.Z, units.count) ? cache : undefined;
  if (!tree) {
    const { ud, maxDist, lent } = unitMatrix(faces, X, faceDim, opts, units, frameGroups, ctx.memory);
    if (constraints) applyCannotLink(ud, units.count, constraints.unitGroups);
    try {
      tree = { Z: linkage(ud, units.count, opts.method, { overwrite: true, scratch: ctx.memory?.pool }), maxDist };
    } finally {
      if (lent) ctx.memory!.pool.give(ud.buffer);
    }
  }
  const plan = cutPlan(faces, opts, units, constraints, frameGroups, faceDim);
  if (prepKey !== null && tree === cache) ctx.prepared!.set(prepKey, { faces, units, constraints, plan });
  return { labels: cutTree(tree, X, opts, plan), cache: tree };
}

/**
 * Steps 5-6's rules on these faces: the cut's cannot-links (frames with cannot_link, people's groups), the fragment
 * pass before min_csize (so that a face left alone can still join the person it belongs to; never across a frame or a
 * people's cannot-link, which merging respects too), the pinned confirmed faces, merging's groups.
 */
function cutPlan(
  faces: ClusterableFace[],
  opts: ClusterOptions,
  units: Units,
  constraints: PeopleConstraints | null,
  frameGroups: number[][],
  faceDim: number,
): CutPlan {
  let unitGroups: number[][] | null = null;
  if (opts.cannot_link || constraints) {
    unitGroups = constraints ? constraints.unitGroups.map((g) => [...g]) : Array.from({ length: units.count }, () => []);
    if (opts.cannot_link) faces.forEach((f, i) => unitGroups![units.unitOf[i]].push(f.frame));
  }
  const fragments =
    opts.merge_fragments && !isReferenceFlow(opts)
      ? { faces, groupsOf: constraints ? faces.map((f, i) => [f.frame, ...constraints.unitGroups[units.unitOf[i]]]) : frameGroups }
      : undefined;
  const mergeGroupsOf = constraints
    ? faces.map((f, i) => [...(opts.cannot_link ? [f.frame] : []), ...constraints.unitGroups[units.unitOf[i]]])
    : opts.cannot_link
      ? frameGroups
      : undefined;
  return { units, unitGroups, fragments, pinned: constraints?.pinned, mergeGroupsOf, faceDim };
}

/**
 * Steps 1-3: the faces' distances, maxDist, the frame cannot-links, then the units' distances. In a
 * function of its own so that the faces' matrix (5 GB at 50,000 faces) is garbage once the units'
 * one is made, before the linkage allocates its working memory. With `memory` the faces' distances are kept there
 * (when they fit its budget) or read from there, and the working matrices are lent by it (`lent`: give `ud` back).
 */
function unitMatrix(
  faces: ClusterableFace[],
  X: () => Float64Array[],
  faceDim: number,
  opts: ClusterOptions,
  units: Units,
  frameGroups: number[][],
  memory?: TreeScratch,
): { ud: Condensed; maxDist: number; lent: boolean } {
  const n = faces.length;
  const identity = units.count === n && !units.unitOf.some((u, i) => u !== i);
  const fused = !isReferenceFlow(opts) && !identity;
  const kept = memory ? keptDistances(faces, X, faceDim, opts, memory) : undefined;
  if (kept && fused) return { ud: unitsOfKept(kept, faces, opts, units, memory!.pool), maxDist: kept.maxDist, lent: true };
  if (kept) {
    // The kept matrix stays as computed: the cannot-links and the linkage work on a copy.
    const d = scratchLike(memory!.pool, kept.d);
    d.set(kept.d);
    if (opts.cannot_link) applyCannotLink(d, n, frameGroups);
    if (identity) return { ud: d, maxDist: kept.maxDist, lent: true };
    const ud = unitDistances(d, n, units);
    memory!.pool.give(d.buffer);
    return { ud, maxDist: kept.maxDist, lent: false };
  }
  if (fused) return fusedUnitMatrix(faces, opts, units, memory);
  // The reference flow under constraints keeps the reference's distances (and so its maxDist and cut).
  const { d, maxDist } = faceDistances(faces, X, faceDim, opts, memory);
  if (opts.cannot_link) applyCannotLink(d, n, frameGroups);
  if (identity) return { ud: d, maxDist, lent: memory !== undefined && !isReferenceFlow(opts) };
  return { ud: unitDistances(d, n, units), maxDist, lent: false };
}

/** The faces' distances of the flow (before any cannot-link) and their maximum; keycast's in a buffer `memory` lends when given. */
function faceDistances(
  faces: ClusterableFace[],
  X: () => Float64Array[],
  faceDim: number,
  opts: ClusterOptions,
  memory?: TreeScratch,
): { d: Condensed; maxDist: number } {
  const n = faces.length;
  if (isReferenceFlow(opts)) {
    const d =
      (opts.face_cloth_weights[1] > 0 ? appearanceDistances(X(), faceDim) : null) ?? pdist(X(), { threads: 'auto', precision: resolvePrecision('auto', n) });
    return { d, maxDist: maxDistance(d) };
  }
  return pairDistancesAndMax(
    faces.map((f) => f.face),
    faces.map((f) => f.cloth),
    opts.face_cloth_weights,
    pairOptions(faces, opts),
    memory ? scratchCondensed(memory.pool, (n * (n - 1)) / 2, resolvePrecision('auto', n)) : undefined,
  );
}

/**
 * The faces' distances and maxDist kept in `memory` for these faces and the options that shape them (computed and
 * kept there first when they fit its budget); undefined when they do not fit.
 */
function keptDistances(
  faces: ClusterableFace[],
  X: () => Float64Array[],
  faceDim: number,
  opts: ClusterOptions,
  memory: TreeScratch,
): KeptDistances | undefined {
  const n = faces.length;
  // What the distances depend on besides the faces (the precision follows n). People's constraints are not part of it.
  const key = JSON.stringify([isReferenceFlow(opts), opts.face_cloth_weights, isReferenceFlow(opts) ? null : [opts.quality_weighting, opts.shot_aware]]);
  const held = memory.kept(key);
  if (held && held.ids.length === n && faces.every((f, i) => held.ids[i] === f.id)) return held;
  const bytes = ((n * (n - 1)) / 2) * (resolvePrecision('auto', n) === 'float32' ? 4 : 8);
  if (!memory.fits(bytes)) return undefined;
  const value = { ids: Float64Array.from(faces, (f) => f.id), ...faceDistances(faces, X, faceDim, opts, memory) };
  memory.keep(key, value);
  return value;
}

/**
 * fusedUnitMatrix's units' matrix from kept distances in one pass over them (libs/clustering unitDistancesKeyed: the
 * frame cannot-links on the way, one-face units' pairs copied, the rest summed in condensed order), in a lent buffer.
 * The same values in the same order as fusedUnitMatrix (kept float32 distances are the rounded values it adds): the
 * same matrix, bit for bit.
 */
function unitsOfKept(kept: KeptDistances, faces: ClusterableFace[], opts: ClusterOptions, units: Units, pool: TreeScratch['pool']): Condensed {
  const key = opts.cannot_link ? Float64Array.from(faces, (f) => f.frame) : undefined;
  return unitDistancesKeyed(kept.d, faces.length, units, { key, value: CANNOT_LINK_DISTANCE, scratch: pool });
}

/** The frame cannot-links of rows r0..r1-1 on their chunk of distances (v[0] is the pair (r0, r0 + 1)). */
function frameCannotLinks(v: Float64Array, r0: number, r1: number, n: number, frame: Float64Array): void {
  let p = 0;
  for (let i = r0; i < r1; i++) {
    const fi = frame[i];
    for (let j = i + 1; j < n; j++, p++) if (frame[j] === fi) v[p] = CANNOT_LINK_DISTANCE;
  }
}

function pairOptions(faces: ClusterableFace[], opts: ClusterOptions): PairDistanceOptions {
  return {
    scale: 'face-units',
    quality: opts.quality_weighting ? faces.map(faceQuality) : undefined,
    clothCounts: opts.shot_aware ? clothCountsRule(faces) : undefined,
  };
}

/**
 * unitMatrix's steps for keycast's flow with tracks, a chunk of the faces' pairs at a time: each chunk's
 * distances feed maxDist, then take the frame cannot-links, then are added into the units' sums, so the
 * faces' matrix (400 MB at 10,000 faces) is never made. The same values in the same order as
 * pairDistances, maxDistance, applyCannotLink and unitDistances one after the other: the same units'
 * matrix and maxDist, bit for bit.
 */
function fusedUnitMatrix(
  faces: ClusterableFace[],
  opts: ClusterOptions,
  units: Units,
  memory?: TreeScratch,
): { ud: Condensed; maxDist: number; lent: boolean } {
  const n = faces.length;
  const sums = new UnitDistanceSums(n, units, memory?.pool);
  const frame = Float64Array.from(faces, (f) => f.frame);
  const f32 = resolvePrecision('auto', n) === 'float32';
  const max = forEachPairDistanceChunk(
    faces.map((f) => f.face),
    faces.map((f) => f.cloth),
    opts.face_cloth_weights,
    pairOptions(faces, opts),
    (r0, r1, base, v, count) => {
      // Up to EXACT_MAX_N faces the faces' matrix was float64 (v itself); above it each value was rounded to float32 first.
      if (f32) for (let p = 0; p < count; p++) v[p] = Math.fround(v[p]);
      if (opts.cannot_link) frameCannotLinks(v, r0, r1, n, frame);
      sums.add(r0, r1, v, base);
    },
  );
  // The largest rounded value is the rounded largest (rounding is monotonic): maxDistance of the faces' matrix.
  return { ud: sums.result(), maxDist: f32 ? Math.fround(max) : max, lent: memory !== undefined };
}
