import { scratchCondensed, type ScratchPool } from './scratch.js';
import { upperRowStarts } from './triangles.js';
import { EXACT_MAX_N, type Condensed } from './types.js';

/**
 * Points grouped into units that are clustered as one (e.g. the faces of a track): `unitOf[i]` is
 * point i's unit, 0..k-1, every unit non-empty.
 */
export interface Units {
  unitOf: Int32Array;
  count: number;
}

/** Every point its own unit. */
export function singletonUnits(n: number): Units {
  return { unitOf: Int32Array.from({ length: n }, (_, i) => i), count: n };
}

/** Checks that unitOf numbers units 0..count-1 with none empty. */
export function checkUnits(u: Units, n: number): void {
  if (u.unitOf.length !== n) throw new RangeError(`units: ${u.unitOf.length} unit ids for ${n} points`);
  const seen = new Uint8Array(u.count);
  for (const x of u.unitOf) {
    if (!(x >= 0 && x < u.count)) throw new RangeError(`units: unit id ${x} outside 0..${u.count - 1}`);
    seen[x] = 1;
  }
  if (seen.includes(0)) throw new RangeError('units: some unit has no point');
}

/**
 * Condensed distances between units from the condensed distances between points: the distance of
 * units A and B is the mean of d(a, b) over a in A, b in B (the average-linkage distance the two
 * groups would have if they had been merged first). Units of one point keep the point's distances
 * exactly. O(n^2).
 *
 * Up to EXACT_MAX_N units the sums are float64 (exact as before); above, float32 (half the memory:
 * 5 GB at 50,000 units instead of 10): each addition rounds to float32, so a unit pair of m point
 * pairs is off by at most about m * 2^-24 relative (single-point units are only rounded once).
 */
export function unitDistances(condensed: Condensed, n: number, units: Units): Condensed {
  const sums = new UnitDistanceSums(n, units);
  sums.add(0, n, condensed, 0);
  return sums.result();
}

/**
 * {@link unitDistances} fed a chunk of condensed rows at a time, so that the points' matrix is never
 * held whole: `add(r0, r1, values, base)` for rows r0..r1-1 (values[p - base] is the pair at condensed
 * index p), chunks in row order from 0 to n - 1, then `result()`. Every unit pair's sum adds its
 * point pairs in condensed order, as unitDistances does: the same values, bit for bit. With `scratch` the sums
 * (the result) live in a buffer it lends (zeroed first), which the caller gives back when done with the result.
 */
export class UnitDistanceSums {
  private readonly sum: Condensed;
  private readonly rowStart: Float64Array;
  private readonly size: Float64Array;
  private next = 0;

  constructor(
    private readonly n: number,
    private readonly units: Units,
    scratch?: ScratchPool,
  ) {
    checkUnits(units, n);
    const k = units.count;
    this.size = new Float64Array(k);
    for (const x of units.unitOf) this.size[x]++;
    // Shared when large: linkage's worker uses it in place. A lent buffer holds old values: the sums start at 0.
    this.sum = scratchCondensed(scratch, (k * (k - 1)) / 2, k > EXACT_MAX_N ? 'float32' : 'float64');
    if (scratch) this.sum.fill(0);
    this.rowStart = upperRowStarts(k);
  }

  add(r0: number, r1: number, values: ArrayLike<number>, base: number): void {
    if (r0 !== this.next) throw new RangeError(`UnitDistanceSums: rows from ${r0}, expected ${this.next}`);
    const { n, sum, rowStart } = this;
    const { unitOf } = this.units;
    let p = n * r0 - (r0 * (r0 + 1)) / 2 - base;
    for (let i = r0; i < r1; i++) {
      const a = unitOf[i];
      const ra = rowStart[a];
      for (let j = i + 1; j < n; j++, p++) {
        const b = unitOf[j];
        if (a < b) sum[ra + b] += values[p];
        else if (b < a) sum[rowStart[b] + a] += values[p];
      }
    }
    this.next = Math.max(r0, r1);
  }

  /** The units' mean distances (the sums are divided in place: call once, after the last rows). */
  result(): Condensed {
    if (this.next < this.n - 1) throw new RangeError(`UnitDistanceSums: rows ${this.next}..${this.n - 1} were never added`);
    const { sum, size } = this;
    const k = this.units.count;
    let q = 0;
    for (let a = 0; a < k; a++) for (let b = a + 1; b < k; b++, q++) sum[q] /= size[a] * size[b];
    return sum;
  }
}

/**
 * unitDistances of the points' distances after the pairs of points with the same `key` (when given) are set to
 * `value` (applyCannotLink with one group per point), without changing `condensed` or copying it, in one pass: a pair
 * of one-point units takes its (possibly replaced) value as is (0 + v, then / 1, is v), only pairs of units of several
 * points are summed, in condensed order, and divided. The same matrix as those two steps, bit for bit. The result in
 * a buffer `scratch` lends when given (give it back when done).
 */
export function unitDistancesKeyed(
  condensed: Condensed,
  n: number,
  units: Units,
  opts: { key?: Float64Array; value?: number; scratch?: ScratchPool } = {},
): Condensed {
  checkUnits(units, n);
  const { unitOf, count: k } = units;
  const { key, value = 0 } = opts;
  const size = new Float64Array(k);
  for (const x of unitOf) size[x]++;
  const out = scratchCondensed(opts.scratch, (k * (k - 1)) / 2, k > EXACT_MAX_N ? 'float32' : 'float64');
  const rowStart = upperRowStarts(k);
  const multi: number[] = [];
  for (let a = 0; a < k; a++) if (size[a] > 1) multi.push(a);
  // The sums of several-point units start at 0 (a lent buffer holds old values); one-point pairs are written once.
  const idx = (a: number, b: number) => (a < b ? rowStart[a] + b : rowStart[b] + a);
  for (const a of multi) for (let b = 0; b < k; b++) if (b !== a) out[idx(a, b)] = 0;
  let p = 0;
  for (let i = 0; i < n; i++) {
    const a = unitOf[i];
    const ra = rowStart[a];
    const one = size[a] === 1;
    const ki = key ? key[i] : NaN;
    for (let j = i + 1; j < n; j++, p++) {
      const b = unitOf[j];
      if (a === b) continue;
      const v = key !== undefined && key[j] === ki ? value : condensed[p];
      const q = a < b ? ra + b : rowStart[b] + a;
      if (one && size[b] === 1) out[q] = v;
      else out[q] += v;
    }
  }
  // Each pair of units with a several-point side divided once.
  for (const a of multi)
    for (let b = 0; b < k; b++) {
      if (b === a || (size[b] > 1 && b < a)) continue;
      out[idx(a, b)] /= size[a] * size[b];
    }
  return out;
}

/** Unit labels → point labels. */
export function expandUnitLabels<T>(unitLabels: ArrayLike<T>, units: Units): T[] {
  return Array.from(units.unitOf, (u) => unitLabels[u]);
}
