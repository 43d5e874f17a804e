import type { Condensed, ScratchPool } from '../clustering/index.js';

/**
 * A video's face-pair distances as a tree computed them (before any cannot-link), with their maximum: they depend on
 * the faces and on the options that shape distances, not on people's constraints, so the tree after a people edit
 * (same faces, new constraints) starts from them instead of recomputing them (cluster-faces.ts).
 */
export interface KeptDistances {
  /** The faces' ids in order: a kept matrix serves only the same faces (stored faces never change under an id). */
  ids: Float64Array;
  d: Condensed;
  maxDist: number;
}

/** What clusterFaces may keep and borrow for the trees of one video's faces ({@link TreeMemory.of}). */
export interface TreeScratch {
  /** Working buffers (the condensed copies, the mirror, the units' sums) lent for a tree and given back after it. */
  pool: ScratchPool;
  kept(key: string): KeptDistances | undefined;
  /** Whether a matrix of `bytes` may be kept at all (at most the budget). */
  fits(bytes: number): boolean;
  keep(key: string, value: KeptDistances): void;
}

type Item = { owner: string; bytes: number; used: number } & (
  { kind: 'distances'; value: KeptDistances } | { kind: 'scratch'; buffer: ArrayBuffer | SharedArrayBuffer }
);

/** Kept buffers idle this long are dropped (a process an erasure broadcast missed, Redis being down, lets go of them). */
export const TREE_MEMORY_IDLE_MS = 15 * 60_000;

/**
 * The memory a process keeps between the trees it computes, within a byte budget: each video's face-pair distances
 * ({@link KeptDistances}, least recently used dropped first) and free working buffers (fresh 400 MB costs 0.3-1 s of
 * page faults here, a reused one ~30 ms), dropped before any distances since keeping distances saves more (the
 * pair distances, ~3 s at 10,000 faces, against one buffer's first touch). A budget of 0 keeps nothing: every tree is
 * computed as without it. Faces are biometric data: {@link forget} drops everything of a video (its distances and
 * the buffers its trees used), and anything idle for {@link TREE_MEMORY_IDLE_MS} goes too.
 */
export class TreeMemory {
  /** Least recently used first. */
  private readonly items = new Map<string, Item>();
  private total = 0;
  private nextScratch = 0;
  private sweeper: NodeJS.Timeout | null = null;

  constructor(
    readonly maxBytes: number,
    private readonly idleMs = TREE_MEMORY_IDLE_MS,
  ) {}

  /** Bytes held now. */
  get bytes(): number {
    return this.total;
  }

  /** The view of one video (`owner`): its kept distances, and buffers lent to its trees (tagged with it when given back). */
  of(owner: string): TreeScratch {
    const key = (k: string) => `d\u0000${owner}\u0000${k}`;
    return {
      pool: {
        take: (bytes, shared) => this.take(bytes, shared),
        give: (buffer) => this.add(`s\u0000${this.nextScratch++}`, { owner, bytes: buffer.byteLength, used: 0, kind: 'scratch', buffer }),
      },
      kept: (k) => {
        const it = this.touch(key(k));
        return it?.kind === 'distances' ? it.value : undefined;
      },
      fits: (bytes) => bytes <= this.maxBytes,
      keep: (k, value) => this.add(key(k), { owner, bytes: value.d.byteLength, used: 0, kind: 'distances', value }),
    };
  }

  /** Drops everything a video's trees left here. */
  forget(owner: string): void {
    for (const [k, it] of [...this.items]) if (it.owner === owner) this.drop(k);
  }

  /** Whether anything of a video is held (deletion checks that nothing is). */
  holds(owner: string): boolean {
    for (const it of this.items.values()) if (it.owner === owner) return true;
    return false;
  }

  /**
   * The smallest free buffer of that sharedness that holds `bytes` (lent: no longer counted until given back), its
   * bytes past `bytes` zeroed.
   */
  private take(bytes: number, shared: boolean): ArrayBuffer | SharedArrayBuffer | undefined {
    let best: string | undefined;
    for (const [k, it] of this.items) {
      if (it.kind !== 'scratch' || it.bytes < bytes || it.buffer instanceof SharedArrayBuffer !== shared) continue;
      if (best === undefined || it.bytes < this.items.get(best)!.bytes) best = k;
    }
    if (best === undefined) return undefined;
    const it = this.items.get(best)! as Item & { kind: 'scratch' };
    this.drop(best);
    // The taker writes the bytes it asked for; the rest may hold another video's values, which forget(that video)
    // could no longer reach once the buffer is given back under the taker's name: cleared now.
    if (it.bytes > bytes) new Uint8Array(it.buffer, bytes).fill(0);
    return it.buffer;
  }

  private add(k: string, it: Item): void {
    this.drop(k);
    if (it.bytes > this.maxBytes) return;
    it.used = Date.now();
    this.items.set(k, it);
    this.total += it.bytes;
    // Free buffers go first (oldest first), then distances, least recently used first; never the item just added.
    for (const kind of ['scratch', 'distances'] as const)
      for (const [key, x] of [...this.items]) {
        if (this.total <= this.maxBytes) break;
        if (x.kind === kind && key !== k) this.drop(key);
      }
    this.sweep();
  }

  private touch(k: string): Item | undefined {
    const it = this.items.get(k);
    if (!it) return undefined;
    this.items.delete(k);
    it.used = Date.now();
    this.items.set(k, it);
    return it;
  }

  private drop(k: string): void {
    const it = this.items.get(k);
    if (!it) return;
    this.items.delete(k);
    this.total -= it.bytes;
    if (this.items.size === 0 && this.sweeper) {
      clearInterval(this.sweeper);
      this.sweeper = null;
    }
  }

  /** Starts the idle sweep while anything is held (unref'd: it never keeps a process alive). */
  private sweep(): void {
    if (this.sweeper || this.items.size === 0) return;
    this.sweeper = setInterval(
      () => {
        const old = Date.now() - this.idleMs;
        for (const [k, it] of [...this.items]) if (it.used < old) this.drop(k);
      },
      Math.max(1000, this.idleMs / 4),
    );
    this.sweeper.unref();
  }
}
