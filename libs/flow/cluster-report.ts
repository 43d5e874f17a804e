import {
  clusterSummarizer,
  compareSummaries,
  isKeyCharacter,
  keyGate,
  unclusteredFaceIds,
  type ClusterSummary,
  type MemberSummary,
  type ResultFace,
} from '../report/index.js';
import type { ClusterableFace } from './cluster-faces.js';

/** A face's row of result.json but its cluster: the same in every cut of one faces array. */
export type ReportRow = Omit<ResultFace, 'cluster'>;

export interface ClusterReport {
  /** result.json's faces: `rows` with each face's cluster (`labels`), built on first read. */
  readonly faces: ResultFace[];
  clusters: ClusterSummary[];
  unclustered: number[];
  /** The faces' rows, in the order of the faces the report was built from (shared by the cuts of one memo). */
  rows: readonly ReportRow[];
  /** Each row's cluster id in `clusters` (null: unclustered). */
  labels: readonly (number | null)[];
  /**
   * Each cluster's rows (by cluster id): their positions in `rows`, ascending. With a memo, a cluster of the same
   * faces as in an earlier cut has the same array (what the API keys a cluster's serialised parts by).
   */
  members: readonly Int32Array[];
}

interface ReportOptions {
  sample_interval_s: number;
  duration_s?: number;
  key_min_s?: number;
  key_min_share?: number;
  thumbnail: (f: ClusterableFace) => string;
  /**
   * Kept across the cuts of one faces array (a held video's slider): the rows, and each cluster's summary by its
   * member set, so a cut that changes a few clusters summarises only those. Same report as without it.
   */
  memo?: ReportMemo;
}

/** A cluster's summary by its members (indices into the faces, ascending). */
interface MemoEntry {
  members: Int32Array;
  summary: MemberSummary;
  /** The build that last used it (eviction). */
  used: number;
}

/** What buildClusterReport keeps between the cuts of one faces array: see {@link newReportMemo}. */
export interface ReportMemo {
  faces?: readonly ClusterableFace[];
  /** The options the rows and summaries were made with (a change empties the memo). */
  of?: string;
  thumbnail?: ReportOptions['thumbnail'];
  rows?: readonly ReportRow[];
  byHash: Map<number, MemoEntry[]>;
  /** Member indices held in all entries (the memo's size). */
  held: number;
  builds: number;
}

/** An empty memo for {@link buildClusterReport}: one per faces array (ClusterService keeps one per held video). */
export const newReportMemo = (): ReportMemo => ({ byHash: new Map(), held: 0, builds: 0 });

/** Summaries kept: up to this many times the faces' count of member indices (a few cuts' worth), then the least recently used go. */
const MEMO_CUTS = 8;

/**
 * Labels → the faces, clusters and summary of result.json. Cluster ids follow the summary's order
 * (key characters first, then most screen time), so id 0 is always the main character.
 */
export function buildClusterReport(faces: readonly ClusterableFace[], labels: readonly (number | null)[], opts: ReportOptions): ClusterReport {
  const memo = memoFor(opts.memo ?? newReportMemo(), faces, opts);
  const summarize = clusterSummarizer(opts);
  const groups = new Map<number, number[]>();
  const none: number[] = [];
  for (let i = 0; i < faces.length; i++) {
    const l = labels[i];
    if (l === null || l === undefined) {
      none.push(i);
      continue;
    }
    const g = groups.get(l);
    if (g) g.push(i);
    else groups.set(l, [i]);
  }
  const build = ++memo.builds;
  const gate = keyGate(opts);
  const summaries: ClusterSummary[] = [];
  const membersOf = new Map<number, Int32Array>();
  for (const [id, members] of groups) {
    const e = entryOf(memo, members, build, () => summarize(members.map((i) => faces[i])));
    summaries.push({ id, ...e.summary, key: isKeyCharacter(e.summary.screen_time_s, gate) });
    membersOf.set(id, e.members);
  }
  summaries.sort(compareSummaries);
  const out = new Array<number | null>(faces.length).fill(null);
  const members = summaries.map((s) => membersOf.get(s.id)!);
  const clusters = summaries.map((s, i) => {
    for (const m of members[i]) out[m] = i;
    return { ...s, id: i };
  });
  const unclustered = unclusteredFaceIds(none.map((i) => ({ id: faces[i].id, t: faces[i].t, score: faces[i].score, box: faces[i].box, cluster: null })));
  evict(memo, faces.length * MEMO_CUTS);
  return report(memo.rows!, out, clusters, unclustered, members);
}

/** The memo, emptied unless it was made with these faces and options. */
function memoFor(memo: ReportMemo, faces: readonly ClusterableFace[], opts: ReportOptions): ReportMemo {
  const of = JSON.stringify([opts.sample_interval_s, opts.duration_s ?? null]);
  if (memo.faces !== faces || memo.of !== of || memo.thumbnail !== opts.thumbnail) {
    Object.assign(memo, newReportMemo(), { faces, of, thumbnail: opts.thumbnail });
    memo.rows = faces.map((f) => ({
      id: f.id,
      t: f.t,
      frame: f.frame,
      box: f.box,
      score: Math.round(f.score * 1e4) / 1e4,
      thumbnail: opts.thumbnail(f),
    }));
  }
  return memo;
}

/** The memo's entry of the cluster of these members, made with `make`'s summary (and kept) when it has none. */
function entryOf(memo: ReportMemo, members: number[], build: number, make: () => MemberSummary): MemoEntry {
  let h = members.length | 0;
  for (const m of members) h = Math.imul(h ^ m, 0x9e3779b1) ^ (h >>> 15);
  const bucket = memo.byHash.get(h);
  const hit = bucket?.find((e) => sameMembers(e.members, members));
  if (hit) {
    hit.used = build;
    return hit;
  }
  const entry = { members: Int32Array.from(members), summary: make(), used: build };
  if (bucket) bucket.push(entry);
  else memo.byHash.set(h, [entry]);
  memo.held += members.length;
  return entry;
}

function sameMembers(a: Int32Array, b: number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Drops the least recently used summaries until the memo holds at most half of `cap` member indices. */
function evict(memo: ReportMemo, cap: number): void {
  if (memo.held <= cap) return;
  const all = [...memo.byHash].flatMap(([h, es]) => es.map((e) => ({ h, e })));
  all.sort((a, b) => a.e.used - b.e.used);
  for (const { h, e } of all) {
    if (memo.held <= cap / 2) break;
    const bucket = memo.byHash.get(h)!;
    bucket.splice(bucket.indexOf(e), 1);
    if (bucket.length === 0) memo.byHash.delete(h);
    memo.held -= e.members.length;
  }
}

/** The report of one cut; its `faces` (10,000 objects at a real video's size) are made only when read. */
function report(
  rows: readonly ReportRow[],
  labels: (number | null)[],
  clusters: ClusterSummary[],
  unclustered: number[],
  members: Int32Array[],
): ClusterReport {
  let faces: ResultFace[] | undefined;
  return {
    get faces() {
      return (faces ??= rows.map((r, i) => ({ id: r.id, t: r.t, frame: r.frame, box: r.box, score: r.score, cluster: labels[i], thumbnail: r.thumbnail })));
    },
    clusters,
    unclustered,
    rows,
    labels,
    members,
  };
}
