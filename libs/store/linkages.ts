import type { TreeShape } from '../config/index.js';
import type { PrismaClient } from './client.js';
import { bytesToFloat64, float64ToBytes } from './vectors.js';

/** A cached dendrogram of one video for one linkage key. */
export interface StoredLinkage {
  /** scipy layout: (n-1) rows of [a, b, dist, size], row-major. */
  z: Float64Array;
  /** Largest pairwise distance (the cut height is maxDist * (1 - sim)). */
  maxDist: number;
  n: number;
  computeMs: number;
}

/**
 * What names a stored tree of a video (libs/flow LinkageKey, structurally): the tree-shaping options' shape (the
 * `shape` JSONB column, compared whole) and the people's constraints' fingerprint (`people`, null: none).
 */
export interface StoredLinkageKey {
  shape: TreeShape;
  people: string | null;
}

export class LinkageRepository {
  constructor(private readonly db: PrismaClient) {}

  async get(videoId: string, key: StoredLinkageKey): Promise<StoredLinkage | null> {
    const r = await this.db.linkage.findFirst({ where: { videoId, people: key.people, shape: { equals: key.shape } } });
    return r ? { z: bytesToFloat64(r.z), maxDist: r.maxDist, n: r.n, computeMs: r.computeMs } : null;
  }

  /** Stores a linkage unless one is already there for the key (two concurrent computations store one). Returns true when stored. */
  async put(videoId: string, key: StoredLinkageKey, l: StoredLinkage): Promise<boolean> {
    const r = await this.db.linkage.createMany({
      data: [{ videoId, shape: key.shape, people: key.people, z: float64ToBytes(l.z), maxDist: l.maxDist, n: l.n, computeMs: l.computeMs }],
      skipDuplicates: true,
    });
    return r.count > 0;
  }

  /**
   * The faces and compute time of the latest linkages computed with at least `minN` faces, newest first, any video:
   * the measured speed of the workers (what a 202's Retry-After is estimated from); `constrained`: built under people's
   * constraints (the tree after an edit, which a worker holding the video's pair distances computes ~3x faster).
   */
  async recentComputeTimes(minN: number, limit = 40): Promise<{ n: number; ms: number; constrained: boolean }[]> {
    const rows = await this.db.linkage.findMany({
      where: { n: { gte: minN }, computeMs: { gt: 0 } },
      orderBy: { createdAt: 'desc' },
      take: limit,
      select: { n: true, computeMs: true, people: true },
    });
    return rows.map((r) => ({ n: r.n, ms: r.computeMs, constrained: r.people !== null }));
  }

  count(videoId: string): Promise<number> {
    return this.db.linkage.count({ where: { videoId } });
  }

  /** Drops the cached linkages of a video built under any people's constraints (they changed). Returns how many. */
  async clearConstrained(videoId: string): Promise<number> {
    return (await this.db.linkage.deleteMany({ where: { videoId, people: { not: null } } })).count;
  }

  /** Drops every cached linkage of a video (its faces changed). */
  async clear(videoId: string): Promise<void> {
    await this.db.linkage.deleteMany({ where: { videoId } });
  }
}
