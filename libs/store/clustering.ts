import { DEFAULT_CLUSTER, type ClusterOptions, type LinkageMethod } from '../config/index.js';
import type { CachedLinkage } from '../clustering/index.js';
import { buildClusterReport, clusterFaces, linkageVariant, type ClusterReport } from '../pipeline/cluster-faces.js';
import type { StoredFingerprint } from './faces.js';
import type { Store } from './store.js';
import type { VideoRecord } from './videos.js';

/** How one clustering request was served: what was reused and what it cost. */
export interface ClusterRun {
  report: ClusterReport;
  faces: StoredFingerprint[];
  /** 'memory' / 'database': a cached linkage was cut; 'computed': a new linkage was computed and stored; 'none': fewer than 2 faces. */
  linkage: 'memory' | 'database' | 'computed' | 'none';
  sample_interval_s: number;
  timings: { load_ms: number; linkage_ms: number; cluster_ms: number; report_ms: number };
}

/**
 * Seconds between two samples, for screen-time summaries: the capture interval, or (scene sampling)
 * the median gap between sampled times — the same rule as `keycast analyze`.
 */
export function sampleInterval(video: Pick<VideoRecord, 'options'>, times: number[]): number {
  const o = video.options;
  if (!o.use_scene_transition) return o.capture_interval_sec;
  const uniq = [...new Set(times)].sort((a, b) => a - b);
  const gaps = uniq.slice(1).map((t, i) => t - uniq[i]).sort((a, b) => a - b);
  return gaps.length ? gaps[Math.floor(gaps.length / 2)] : o.capture_interval_sec;
}

interface Entry {
  /** Invalidates the entry if the video was re-processed. */
  stamp: string;
  faces: StoredFingerprint[];
  linkages: Map<string, CachedLinkage>;
}

const linkageMemoKey = (w: readonly [number, number], variant: string) => `${variant}|${w[0]},${w[1]}`;

/**
 * Clusters a ready video from its stored fingerprints. The dendrogram for (weights, linkage variant:
 * the method and whichever of cannot_link / tracks / quality_weighting shape the tree, see
 * libs/pipeline linkageVariant) comes from memory, else from the linkages table, else it is computed
 * once and stored there: a new `sim` (a number or 'auto'), `min_csize` or merge setting only cuts and
 * merges; the cannot-link constraint of the cut and the tracks are rebuilt from the faces. Fingerprints of ready videos (which no
 * longer change) are kept in a small LRU so repeated requests skip the database read.
 */
export class VideoClusterer {
  private readonly lru = new Map<string, Entry>();

  constructor(private readonly store: Store, private readonly capacity = 8) {}

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
    const e: Entry = { stamp: this.stamp(video), faces: await this.store.faces.loadFingerprints(video.id), linkages: new Map() };
    this.lru.set(video.id, e);
    while (this.lru.size > this.capacity) this.lru.delete(this.lru.keys().next().value!);
    return e;
  }

  forget(videoId: string): void {
    this.lru.delete(videoId);
  }

  async cluster(video: VideoRecord, opts: ClusterOptions): Promise<ClusterRun> {
    const t0 = performance.now();
    const e = await this.entry(video);
    const t1 = performance.now();
    // The linkages table's `method` column holds the linkage variant (method + the options that shape
    // the tree, libs/pipeline linkageVariant): "average" for the reference flow, as before.
    const variant = linkageVariant(opts);
    const key = linkageMemoKey(opts.face_cloth_weights, variant);
    let cache = e.linkages.get(key);
    let source: ClusterRun['linkage'] = cache ? 'memory' : 'none';
    if (!cache && e.faces.length >= 2) {
      const stored = await this.store.linkages.get(video.id, opts.face_cloth_weights, variant);
      if (stored && stored.n === e.faces.length) {
        cache = { Z: stored.z, maxDist: stored.maxDist };
        source = 'database';
      }
    }
    const t2 = performance.now();
    const interval = sampleInterval(video, e.faces.map((f) => f.t));
    const r = clusterFaces(e.faces, opts, cache, { sample_interval_s: interval });
    const t3 = performance.now();
    if (!cache && r.cache) {
      await this.store.linkages.put(video.id, opts.face_cloth_weights, variant, { z: r.cache.Z, maxDist: r.cache.maxDist, n: e.faces.length, computeMs: t3 - t2 });
      source = 'computed';
    }
    if (r.cache) e.linkages.set(key, r.cache);
    const report = buildClusterReport(e.faces, r.labels, { sample_interval_s: interval, duration_s: video.durationS ?? undefined, thumbnail: (f) => String(f.id) });
    const t4 = performance.now();
    return {
      report,
      faces: e.faces,
      linkage: source,
      sample_interval_s: interval,
      timings: { load_ms: t1 - t0, linkage_ms: source === 'computed' ? t3 - t2 : t2 - t1, cluster_ms: source === 'computed' ? 0 : t3 - t2, report_ms: t4 - t3 },
    };
  }
}

/**
 * Computes and stores the linkage of the default weights and method (what the worker does when a
 * video is ready), so the first GET /clusters with default weights only cuts. Returns the faces count.
 */
export async function storeDefaultLinkage(store: Store, videoId: string, method: LinkageMethod = DEFAULT_CLUSTER.method, weights: [number, number] = [...DEFAULT_CLUSTER.face_cloth_weights]): Promise<{ n: number; ms: number; stored: boolean }> {
  const faces = await store.faces.loadFingerprints(videoId);
  const t0 = performance.now();
  if (faces.length < 2) return { n: faces.length, ms: 0, stored: false };
  const opts = { ...DEFAULT_CLUSTER, method, face_cloth_weights: weights };
  // Tracks depend on the sampling: the same interval as VideoClusterer uses, so the stored tree is the one it would compute.
  const video = await store.videos.get(videoId);
  const interval = video ? sampleInterval(video, faces.map((f) => f.t)) : undefined;
  const r = clusterFaces(faces, opts, undefined, { sample_interval_s: interval });
  const ms = performance.now() - t0;
  const stored = r.cache ? await store.linkages.put(videoId, weights, linkageVariant(opts), { z: r.cache.Z, maxDist: r.cache.maxDist, n: faces.length, computeMs: ms }) : false;
  return { n: faces.length, ms, stored };
}
