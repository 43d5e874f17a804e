import { lowerRowStarts, upperRowStarts } from './triangles.js';

/**
 * scipy's `mst_single_linkage` before its final sort: Prim's algorithm from point 0. At each step the
 * newest tree point x lowers D[i] = min(D[i], d(x, i)) for every point i outside the tree, and the
 * outside point with the smallest D (ascending scan, strict `<`: lowest index wins ties) joins as the
 * edge (x, y, D[y]) — x being the last point added, as in scipy, not necessarily y's true MST parent.
 *
 * U is the upper (condensed) matrix, read only; L its lower-layout mirror (contiguous reads) or null.
 * Float32Array matrices work the same (single linkage only compares stored values: no rounding).
 */
export function mstSingleLinkage<T extends Float64Array | Float32Array>(U: T, L: T | null, n: number): Float64Array {
  const Z = new Float64Array((n - 1) * 4);
  const D = new Float64Array(n).fill(Infinity);
  const rowStart = upperRowStarts(n);
  const lowStart = lowerRowStarts(n);
  const open = new Int32Array(n); // points outside the tree, ascending
  let nOpen = 0;
  for (let i = 1; i < n; i++) open[nOpen++] = i;
  let x = 0,
    y = 0;
  for (let k = 0; k < n - 1; k++) {
    let currentMin = Infinity;
    let a = 0;
    if (L) {
      const lx = lowStart[x];
      for (; a < nOpen; a++) {
        const i = open[a];
        if (i > x) break;
        const dist = L[lx + i];
        let di = D[i];
        if (di > dist) {
          di = dist;
          D[i] = dist;
        }
        if (di < currentMin) {
          y = i;
          currentMin = di;
        }
      }
    } else {
      for (; a < nOpen; a++) {
        const i = open[a];
        if (i > x) break;
        const dist = U[rowStart[i] + x];
        let di = D[i];
        if (di > dist) {
          di = dist;
          D[i] = dist;
        }
        if (di < currentMin) {
          y = i;
          currentMin = di;
        }
      }
    }
    const rx = rowStart[x];
    for (; a < nOpen; a++) {
      const i = open[a];
      const dist = U[rx + i];
      let di = D[i];
      if (di > dist) {
        di = dist;
        D[i] = dist;
      }
      if (di < currentMin) {
        y = i;
        currentMin = di;
      }
    }
    Z[4 * k] = x;
    Z[4 * k + 1] = y;
    Z[4 * k + 2] = currentMin;
    let w = 0;
    for (let b = 0; b < nOpen; b++) if (open[b] !== y) open[w++] = open[b];
    nOpen = w;
    x = y;
  }
  return Z;
}
