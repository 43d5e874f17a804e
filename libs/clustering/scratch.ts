import { SHARED_MIN_BYTES } from './pdist.js';
import type { Condensed, Precision } from './types.js';

/**
 * Big working buffers handed back for the next tree instead of freed: on this kind of VM a fresh 400 MB buffer's
 * first fill costs 0.3-1 s of page faults, the same fill of a reused one ~30 ms (bench/RESULTS.md, first tree).
 * `take` lends a free buffer of at least `bytes` (and of the asked sharedness) or undefined (then allocate);
 * `give` returns one; what the lender keeps is its own business (a byte budget, libs/flow TreeMemory).
 * A lent buffer holds the last user's values: whoever takes one overwrites every value it reads.
 */
export interface ScratchPool {
  take(bytes: number, shared: boolean): ArrayBuffer | SharedArrayBuffer | undefined;
  give(buffer: ArrayBuffer | SharedArrayBuffer): void;
}

/** Whether condensedBuffer would back `bytes` with shared memory (linkage's worker and pdist's threads use it in place). */
export function sharedFor(bytes: number): boolean {
  return bytes >= SHARED_MIN_BYTES;
}

/**
 * A condensed matrix of m values like condensedBuffer's (shared from SHARED_MIN_BYTES on), on a buffer lent by
 * `pool` when it has one; its values are whatever the buffer held.
 */
export function scratchCondensed(pool: ScratchPool | undefined, m: number, precision: Precision): Condensed {
  const bytes = m * (precision === 'float32' ? 4 : 8);
  const shared = sharedFor(bytes);
  const buf = pool?.take(bytes, shared) ?? (shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
  return precision === 'float32' ? new Float32Array(buf, 0, m) : new Float64Array(buf, 0, m);
}

/** A same-typed scratch array of `like`'s length (the mirror of a condensed matrix). */
export function scratchLike<T extends Float64Array | Float32Array>(pool: ScratchPool | undefined, like: T): T {
  return scratchCondensed(pool, like.length, like instanceof Float32Array ? 'float32' : 'float64') as T;
}
