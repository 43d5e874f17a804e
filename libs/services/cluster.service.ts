import { DEFAULT_CLUSTER, DEFAULT_TREE_MEMORY_BYTES, sampleInterval, type ClusterOptions } from '../config/index.js';
import type { CachedLinkage } from '../clustering/index.js';
import {
  buildClusterReport,
  clusterFaces,
  linkageKey,
  linkageKeyText,
  newReportMemo,
  peopleInVideo,
  peopleOfClusters,
  TreeMemory,
  type ClusterReport,
  type PreparedCut,
  type ReportMemo,
  type TreeScratch,
} from '../flow/index.js';
import type { Store, StoredFingerprint, VideoPersonConstraints, VideoRecord } from '../store/index.js';
import { ETA_MIN_FACES, linkageEtaS } from './linkage-eta.js';

/** How one clustering request was served: what was reused and what it cost. */
export interface ClusterRun {
  report: ClusterReport;
  faces: StoredFingerprint[];
  /** 'memory' / 'database': a cached linkage was cut; 'computed': a new linkage was computed and stored; 'none': fewer than 2 faces. */
  linkage: 'memory' | 'database' | 'computed' | 'none';
  sample_interval_s: number;
  /** The person each cluster of the report carries (cluster id → person), from the people's constraints. */
  people: Map<number, { id: string; name: string | null }>;
  /** The people's constraints on the video's faces the cut was made under (read once per request: suggestions use them too). */
  constraints: VideoPersonConstraints[];
  timings: { load_ms: number; linkage_ms: number; cluster_ms: number; report_ms: number };
}

/**
 * A clustering request whose linkage no cache holds and is too big to compute in the request (more faces than
 * `computeUpTo`): the caller queues its computation (libs/queue enqueueLinkage) and answers at once.
 */
export interface PendingLinkage {
  pending: true;
  /** libs/flow linkageKeyText of the options and the people's constraints: what the job computes. */
  key: string;
  /** Faces of the video (the linkage costs about n²). */
  n: number;
  /** Built under people's constraints (the tree after an edit: its own measured speed, linkageEtaS). */
  constrained: boolean;
}

/** Seconds between two samples of a stored video (libs/config sampleInterval: one rule for CLI, worker and API). */
export function videoSampleInterval(video: Pick<VideoRecord, 'options' | 'probe'>, faces: readonly { t: number }[]): number {
  return sampleInterval(video.options, { fps: video.probe?.fps, times: faces.map((f) => f.t) });
}

interface Entry {
  /** Invalidates the entry if the video was re-processed. */
  stamp: string;
  faces: StoredFingerprint[];
  /**
   * By linkageKeyText; `constrained`: built under people's constraints (dropped when they change); `prepared`: what
   * every cut of the tree would rebuild from the faces (libs/flow ClusterContext.prepared).
   */
  linkages: Map<string, { tree: CachedLinkage; constrained: boolean; prepared: Map<string, PreparedCut> }>;
  /** The video's sample interval, by the video fields it is read from (videoSampleInterval sorts every face time). */
  interval?: { of: string; s: number };
  /** The report's rows and each cluster's summary by its faces, across the cuts of these faces (a slider step changes few clusters). */
  reports: ReportMemo;
}

/** A face's thumbnail in a stored video's report: its key (the API makes URLs of public ids). One function, so the report memo holds. */
const thumbnailKey = (f: { id: number }) => String(f.id);

/** One cut of a cached tree, as every request for the same cut reuses it: the report and each cluster's person id. */
interface Cut {
  report: ClusterReport;
  /** The faces the report was built from (its rows' order): what a run of this cut carries, even after the video's faces were reloaded. */
  faces: StoredFingerprint[];
  carried: Map<number, string>;
  interval: number;
}

/** Cuts kept per process (all videos together): a report of 10,000 faces is ~2 MB. */
const CUTS_KEPT = 32;

/** Deleted video ids remembered (about 40 bytes each): far more than can be deleted while one request or job runs. */
const ERASED_KEPT = 4096;

/**
 * What makes two requests the same cut: the video's faces (its stamp), the tree (the linkage key, which carries the
 * people's constraints' fingerprint) and every clustering option (the cut's sim, min_csize, merging, the key gates).
 */
const cutKey = (videoId: string, stamp: string, linkage: string, opts: ClusterOptions) =>
  `${videoId}|${stamp}|${linkage}|${JSON.stringify(Object.entries(opts).sort(([a], [b]) => a.localeCompare(b)))}`;

/**
 * Re-clustering of stored videos: orchestrates the store (fingerprints, cached linkages) and the flow
 * (libs/flow). The dendrogram for a linkage key (the tree-shaping options and the people's constraints, libs/flow linkageKey)
 * comes from memory, else from the linkages table, else it is computed once and stored there: a new
 * `sim` (a number or 'auto'), `min_csize` or merge setting only cuts and merges; the cannot-link
 * constraint of the cut and the tracks are rebuilt from the faces. Fingerprints of ready videos (which
 * no longer change) are kept in a small LRU so repeated requests skip the database read.
 */
export class ClusterService {
  private readonly lru = new Map<string, Entry>();
  /** Cuts by {@link cutKey}, least recently used first: the pages of one cut (/faces?cluster=) and a slider's revisits. */
  private readonly cuts = new Map<string, Cut>();
  /** Each video's face-pair distances and reused working buffers between its trees (a people edit's tree skips the distances). */
  private readonly memory: TreeMemory;
  /**
   * Videos forgotten (deleted) lately, oldest first: a request or job that was loading or computing one when the
   * erasure came must not put it back (its load, kept distances or cut). Ids only; the last {@link ERASED_KEPT}.
   */
  private readonly erased = new Set<string>();

  constructor(
    private readonly store: Store,
    private readonly capacity = 8,
    private readonly cutsKept = CUTS_KEPT,
    treeMemoryBytes = DEFAULT_TREE_MEMORY_BYTES,
  ) {
    this.memory = new TreeMemory(treeMemoryBytes);
  }

  private stamp(video: VideoRecord): string {
    return `${video.finishedAt?.getTime() ?? 0}:${video.faceCount}`;
  }

  private async entry(video: VideoRecord): Promise<Entry> {
    const hit = this.lru.get(video.id);
    if (hit && hit.stamp === this.stamp(video)) {
      this.lru.delete(video.id);
      this.lru.set(video.id, hit);
      return hit;
    }
    const e: Entry = { stamp: this.stamp(video), faces: await this.store.faces.loadFingerprints(video.id), linkages: new Map(), reports: newReportMemo() };
    if (this.erased.has(video.id)) return e;
    this.lru.set(video.id, e);
    while (this.lru.size > this.capacity) this.lru.delete(this.lru.keys().next().value!);
    return e;
  }

  /** A ready video's stored faces (from the LRU when held): what its clusterings are made of. */
  async faces(video: VideoRecord): Promise<StoredFingerprint[]> {
    return (await this.entry(video)).faces;
  }

  /** A deleted video: forgotten, and anything in flight (a request or job loading or clustering it) does not put it back. */
  erase(videoId: string): void {
    this.erased.delete(videoId);
    this.erased.add(videoId);
    while (this.erased.size > ERASED_KEPT) this.erased.delete(this.erased.values().next().value!);
    this.forget(videoId);
  }

  /** Drops everything held of a video (fingerprints, cuts, kept distances): its next request starts from the database. */
  forget(videoId: string): void {
    this.lru.delete(videoId);
    this.memory.forget(videoId);
    this.forgetCuts((k) => k.startsWith(`${videoId}|`));
  }

  /** The video's kept distances and buffers for a tree; none for a video deleted meanwhile. */
  private memoryOf(videoId: string): TreeScratch | undefined {
    return this.erased.has(videoId) ? undefined : this.memory.of(videoId);
  }

  private forgetCuts(drop: (key: string) => boolean): void {
    for (const k of [...this.cuts.keys()]) if (drop(k)) this.cuts.delete(k);
  }

  /** Whether this process holds a video's fingerprints in memory (deletion checks that it no longer does). */
  holds(videoId: string): boolean {
    return this.lru.has(videoId) || this.memory.holds(videoId) || [...this.cuts.keys()].some((k) => k.startsWith(`${videoId}|`));
  }

  /** Drops the in-memory linkages of a video built under people's constraints (they changed). */
  forgetConstrainedLinkages(videoId: string): void {
    const e = this.lru.get(videoId);
    if (e) for (const [k, l] of [...e.linkages]) if (l.constrained) e.linkages.delete(k);
    this.forgetCuts((k) => k.startsWith(`${videoId}|`));
  }

  /** Clusters a video, computing (and storing) its linkage if no cache holds it, whatever its size. */
  async cluster(video: VideoRecord, opts: ClusterOptions): Promise<ClusterRun> {
    return (await this.clusterIfCheap(video, opts, { computeUpTo: Infinity })) as ClusterRun;
  }

  /**
   * Clusters a video when its linkage is cached (memory, else the linkages table) or cheap to compute (at most
   * `computeUpTo` faces); otherwise computes nothing and says which linkage is missing (a request answers 202 and
   * the worker computes it with {@link storeLinkage}).
   */
  async clusterIfCheap(video: VideoRecord, opts: ClusterOptions, { computeUpTo }: { computeUpTo: number }): Promise<ClusterRun | PendingLinkage> {
    const t0 = performance.now();
    const e = await this.entry(video);
    // The people's constraints on this video's faces: part of the linkage key (their fingerprint), so an edit never reuses a stale tree.
    const people = await this.store.people.constraintsForVideo(video.id);
    const constraints = peopleInVideo(e.faces, people)?.fingerprint ?? null;
    const t1 = performance.now();
    const key = linkageKey(opts, constraints);
    const text = linkageKeyText(key);
    const names = new Map(people.map((p) => [p.id, p.name]));
    // Names are read with the constraints on every request (a rename changes no tree nor cut).
    const named = (carried: Map<number, string>) => new Map([...carried].map(([c, id]) => [c, { id, name: names.get(id) ?? null }]));
    const ck = cutKey(video.id, e.stamp, text, opts);
    const held = this.cuts.get(ck);
    if (held && e.linkages.has(text)) {
      this.cuts.delete(ck);
      this.cuts.set(ck, held);
      const t = performance.now();
      return {
        report: held.report,
        faces: held.faces,
        linkage: 'memory',
        sample_interval_s: held.interval,
        people: named(held.carried),
        constraints: people,
        timings: { load_ms: t1 - t0, linkage_ms: 0, cluster_ms: 0, report_ms: performance.now() - t },
      };
    }
    let cache = e.linkages.get(text)?.tree;
    let source: ClusterRun['linkage'] = cache ? 'memory' : 'none';
    if (!cache && e.faces.length >= 2) {
      const stored = await this.store.linkages.get(video.id, key);
      if (stored && stored.n === e.faces.length) {
        cache = { Z: stored.z, maxDist: stored.maxDist };
        source = 'database';
      }
    }
    if (!cache && e.faces.length >= 2 && e.faces.length > computeUpTo)
      return { pending: true, key: text, n: e.faces.length, constrained: constraints !== null };
    const t2 = performance.now();
    const interval = this.interval(video, e);
    const prepared = e.linkages.get(text)?.prepared;
    const r = clusterFaces(e.faces, opts, cache, { sample_interval_s: interval, people, prepared, memory: this.memoryOf(video.id) });
    const t3 = performance.now();
    if (!cache && r.cache) {
      await this.store.linkages.put(video.id, key, {
        z: r.cache.Z,
        maxDist: r.cache.maxDist,
        n: e.faces.length,
        computeMs: t3 - t2,
      });
      source = 'computed';
    }
    if (r.cache && e.linkages.get(text)?.tree !== r.cache) e.linkages.set(text, { tree: r.cache, constrained: constraints !== null, prepared: new Map() });
    const report = buildClusterReport(e.faces, r.labels, {
      sample_interval_s: interval,
      duration_s: video.durationS ?? undefined,
      key_min_s: opts.key_min_s,
      key_min_share: opts.key_min_share,
      thumbnail: thumbnailKey,
      memo: e.reports,
    });
    const carried = peopleOfClusters(e.faces, report.labels, people);
    if (r.cache && this.cutsKept > 0 && !this.erased.has(video.id)) {
      this.cuts.set(ck, { report, faces: e.faces, carried, interval });
      while (this.cuts.size > this.cutsKept) this.cuts.delete(this.cuts.keys().next().value!);
    }
    const t4 = performance.now();
    return {
      report,
      faces: e.faces,
      linkage: source,
      sample_interval_s: interval,
      people: named(carried),
      constraints: people,
      timings: { load_ms: t1 - t0, linkage_ms: source === 'computed' ? t3 - t2 : t2 - t1, cluster_ms: source === 'computed' ? 0 : t3 - t2, report_ms: t4 - t3 },
    };
  }

  /** videoSampleInterval of a held video, once per video state (its options and probe) rather than once per cut. */
  private interval(video: VideoRecord, e: Entry): number {
    const of = JSON.stringify([video.options, video.probe ?? null]);
    if (e.interval?.of !== of) e.interval = { of, s: videoSampleInterval(video, e.faces) };
    return e.interval.s;
  }

  /**
   * Seconds until a linkage of `n` faces queued now is likely stored, from the workers' latest measured times of the
   * same kind (`constrained`: under people's constraints, the tree after an edit) where there are enough.
   */
  async expectedLinkageS(n: number, constrained?: boolean): Promise<number> {
    return linkageEtaS(n, await this.store.linkages.recentComputeTimes(ETA_MIN_FACES), constrained);
  }

  /**
   * Computes and stores the linkage of some options under the video's current people constraints, unless the
   * linkages table holds it already (the worker's side of a request answered 202). Keeps it in memory too.
   * Skips a deleted or not ready video.
   */
  async storeLinkage(videoId: string, opts: ClusterOptions): Promise<{ n: number; ms: number; stored: boolean; key: string | null; skipped?: string }> {
    const video = await this.store.videos.get(videoId);
    // A worker that missed the erasure broadcast (Redis down) lets go of what it held when it sees the video gone.
    if (!video) {
      this.forget(videoId);
      return { n: 0, ms: 0, stored: false, key: null, skipped: 'video deleted' };
    }
    if (video.status !== 'ready') return { n: 0, ms: 0, stored: false, key: null, skipped: `video ${video.status}` };
    const e = await this.entry(video);
    const people = await this.store.people.constraintsForVideo(video.id);
    const constraints = peopleInVideo(e.faces, people)?.fingerprint ?? null;
    const key = linkageKey(opts, constraints);
    const text = linkageKeyText(key);
    if (e.faces.length < 2) return { n: e.faces.length, ms: 0, stored: false, key: text, skipped: 'fewer than 2 faces' };
    const held = await this.store.linkages.get(video.id, key);
    if (held && held.n === e.faces.length) return { n: e.faces.length, ms: 0, stored: false, key: text, skipped: 'already stored' };
    const t0 = performance.now();
    const r = clusterFaces(e.faces, opts, undefined, { sample_interval_s: videoSampleInterval(video, e.faces), people, memory: this.memoryOf(video.id) });
    const ms = performance.now() - t0;
    if (!r.cache) return { n: e.faces.length, ms, stored: false, key: text };
    e.linkages.set(text, { tree: r.cache, constrained: constraints !== null, prepared: new Map() });
    const stored = await this.store.linkages.put(video.id, key, {
      z: r.cache.Z,
      maxDist: r.cache.maxDist,
      n: e.faces.length,
      computeMs: ms,
    });
    return { n: e.faces.length, ms, stored, key: text };
  }

  /**
   * Computes and stores the linkage of the default options (what the worker does when a video is
   * ready), so the first GET /clusters with defaults only cuts. Returns the faces count.
   */
  async storeDefaultLinkage(
    videoId: string,
    over: Partial<Pick<ClusterOptions, 'method' | 'face_cloth_weights'>> = {},
  ): Promise<{ n: number; ms: number; stored: boolean }> {
    const faces = await this.store.faces.loadFingerprints(videoId);
    const t0 = performance.now();
    if (faces.length < 2) return { n: faces.length, ms: 0, stored: false };
    const opts: ClusterOptions = { ...DEFAULT_CLUSTER, face_cloth_weights: [...DEFAULT_CLUSTER.face_cloth_weights], ...over };
    // Tracks depend on the sampling: the same interval as cluster() uses, so the stored tree is the one it would compute.
    const video = await this.store.videos.get(videoId);
    const interval = video ? videoSampleInterval(video, faces) : undefined;
    const r = clusterFaces(faces, opts, undefined, { sample_interval_s: interval, memory: this.memoryOf(videoId) });
    const ms = performance.now() - t0;
    const stored = r.cache
      ? await this.store.linkages.put(videoId, linkageKey(opts), {
          z: r.cache.Z,
          maxDist: r.cache.maxDist,
          n: faces.length,
          computeMs: ms,
        })
      : false;
    return { n: faces.length, ms, stored };
  }
}
