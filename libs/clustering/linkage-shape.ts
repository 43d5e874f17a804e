import type { LinkageMatrix } from './types.js';

/** True when Z is a linkage of n points: n − 1 rows of 4 (none for n ≤ 1). A cached tree of other faces fails it. */
export function linkageFits(Z: LinkageMatrix, n: number): boolean {
  return Z.length === Math.max(0, n - 1) * 4;
}

/** Throws a RangeError naming `who` unless {@link linkageFits}(Z, n). */
export function assertLinkageFits(Z: LinkageMatrix, n: number, who: string): void {
  if (!linkageFits(Z, n)) throw new RangeError(`${who}: the linkage has ${Z.length / 4} rows for n = ${n} (expected ${Math.max(0, n - 1)})`);
}
