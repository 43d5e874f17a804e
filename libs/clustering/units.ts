import { condensedBuffer, condensedIndex } from './pdist.js';
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
  checkUnits(units, n);
  const k = units.count;
  const { unitOf } = units;
  const size = new Float64Array(k);
  for (const x of unitOf) size[x]++;
  const m = (k * (k - 1)) / 2;
  const sum = condensedBuffer(m, k > EXACT_MAX_N ? 'float32' : 'float64'); // shared when large: linkage's worker uses it in place
  let p = 0;
  for (let i = 0; i < n; i++) {
    const a = unitOf[i];
    for (let j = i + 1; j < n; j++, p++) {
      const b = unitOf[j];
      if (a !== b) sum[condensedIndex(k, a, b)] += condensed[p];
    }
  }
  let q = 0;
  for (let a = 0; a < k; a++) for (let b = a + 1; b < k; b++, q++) sum[q] /= size[a] * size[b];
  return sum;
}

/** Unit labels → point labels. */
export function expandUnitLabels<T>(unitLabels: ArrayLike<T>, units: Units): T[] {
  return Array.from(units.unitOf, (u) => unitLabels[u]);
}
