import type { NnPair } from './nn-chain-pair.js';
import { lowerRowStarts, upperRowStarts } from './triangles.js';

/**
 * scipy's `nn_chain` (average / complete linkage) before its final sort: Z rows in merge order, with
 * working slots (x < y) instead of cluster ids; after a merge, slot y holds the new cluster.
 *
 * Exactly scipy's scan and arithmetic, so the same merges, ties and bits:
 * - the chain starts at the lowest live slot; from its last element x it moves to the live slot with
 *   the smallest distance, scanning slots in ascending order with a strict `<`, starting from the
 *   previous chain element's distance (so that element wins ties, which avoids cycles); two mutual
 *   nearest neighbours are merged;
 * - d(xy, i) = (n_x d(x,i) + n_y d(y,i)) / (n_x + n_y) for average, max(d(x,i), d(y,i)) for complete.
 *
 * U is the upper (condensed) working matrix, L its lower-layout mirror (triangles.ts) or null. With L
 * every scan reads contiguous memory and each update writes both; without it, half of every scan is a
 * strided walk (slower, but one copy less).
 *
 * U and L may be Float32Array: each Lance-Williams value is then computed in float64 from the stored
 * float32 operands and stored rounded to float32 (one rounding per update, relative error <= 2^-24),
 * and the merge heights in Z are those float32 values.
 *
 * With `pair` (nn-chain-pair.ts; no mirror, U in a SharedArrayBuffer) every scan and update runs on
 * the calling thread and a worker, each taking chunks of the live slots; the scan's chunks are folded
 * in ascending order with the same strict `<`, and each update chunk writes its own entries with the
 * same expression: the same Z, bit for bit, ties included. The chain itself stays on this thread.
 */
export function nnChain<T extends Float64Array | Float32Array>(U: T, L: T | null, n: number, average: boolean, pair: NnPair | null = null): Float64Array {
  if (pair && L) throw new RangeError('nnChain: the two-thread path works without the mirror');
  const Z = new Float64Array((n - 1) * 4);
  const size = new Int32Array(n).fill(1);
  const chain = new Int32Array(n);
  const rowStart = upperRowStarts(n);
  const lowStart = lowerRowStarts(n);
  const live = pair ? pair.live : new Int32Array(n); // live slots, ascending (scipy scans all slots and skips size 0)
  for (let i = 0; i < n; i++) live[i] = i;
  let nLive = n;
  let chainLength = 0;
  let y = 0;

  for (let k = 0; k < n - 1; k++) {
    if (chainLength === 0) {
      chainLength = 1;
      chain[0] = live[0];
    }
    let x: number;
    let currentMin: number;
    for (;;) {
      x = chain[chainLength - 1];
      if (chainLength > 1) {
        y = chain[chainLength - 2];
        currentMin = x < y ? U[rowStart[x] + y] : U[rowStart[y] + x];
      } else {
        currentMin = Infinity;
      }
      let a = 0;
      if (pair) {
        const found = pair.scan(x, nLive, currentMin);
        if (found >= 0) {
          y = found;
          currentMin = pair.min;
        }
        a = nLive;
      } else if (L) {
        const lx = lowStart[x];
        for (; a < nLive; a++) {
          const i = live[a];
          if (i >= x) break;
          const dist = L[lx + i];
          if (dist < currentMin) {
            currentMin = dist;
            y = i;
          }
        }
      } else {
        for (; a < nLive; a++) {
          const i = live[a];
          if (i >= x) break;
          const dist = U[rowStart[i] + x];
          if (dist < currentMin) {
            currentMin = dist;
            y = i;
          }
        }
      }
      a++; // skip x itself (with pair: past the end, nothing left)
      const rx = rowStart[x];
      for (; a < nLive; a++) {
        const i = live[a];
        const dist = U[rx + i];
        if (dist < currentMin) {
          currentMin = dist;
          y = i;
        }
      }
      if (chainLength > 1 && y === chain[chainLength - 2]) break;
      chain[chainLength] = y;
      chainLength++;
    }
    chainLength -= 2;
    if (x > y) {
      const t = x;
      x = y;
      y = t;
    }
    const nx = size[x],
      ny = size[y],
      nxy = nx + ny;
    Z[4 * k] = x;
    Z[4 * k + 1] = y;
    Z[4 * k + 2] = currentMin;
    Z[4 * k + 3] = nxy;
    size[x] = 0;
    size[y] = nxy;
    let w = 0;
    for (let a = 0; a < nLive; a++) if (live[a] !== x) live[w++] = live[a];
    nLive = w;
    if (pair) {
      pair.update(x, y, nx, ny, nLive);
      continue;
    }

    const rx = rowStart[x],
      ry = rowStart[y],
      lx = lowStart[x],
      ly = lowStart[y];
    for (let a = 0; a < nLive; a++) {
      const i = live[a];
      if (i === y) continue;
      let dxi: number, dyi: number;
      if (L) {
        dxi = i < x ? L[lx + i] : U[rx + i];
        dyi = i < y ? L[ly + i] : U[ry + i];
      } else {
        dxi = i < x ? U[rowStart[i] + x] : U[rx + i];
        dyi = i < y ? U[rowStart[i] + y] : U[ry + i];
      }
      const v = average ? (nx * dxi + ny * dyi) / nxy : dxi > dyi ? dxi : dyi;
      if (i < y) {
        U[rowStart[i] + y] = v;
        if (L) L[ly + i] = v;
      } else {
        U[ry + i] = v;
        if (L) L[lowStart[i] + y] = v;
      }
    }
  }
  return Z;
}
