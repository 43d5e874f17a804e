import { upperRowStarts } from './triangles.js';

/**
 * Average / complete linkage by Müllner's "generic" algorithm (fastcluster's `generic_linkage`, with
 * the nearest neighbour of each point kept among the points after it), on the upper (condensed)
 * working matrix U alone. Returns Z rows in merge order with working slots (x < y); unlike nnChain,
 * slot x holds the new cluster (relabel.ts follows either).
 *
 * Why a second algorithm: without the lower-triangle mirror (n above 32,768 in float32, where the
 * mirror would not fit the memory budget), half of every nn-chain scan is a walk down a column of U,
 * one page per value, and nn-chain makes several such scans per merge. Here each point's candidates
 * are its own row (contiguous), and a merge walks the columns once: the Lance-Williams update itself.
 *
 * Each row i keeps `mind[i]`, the smallest d(i, j) over live j > i, and `nn[i]` the first j reaching
 * it. After merging x and y into y, an entry d(i, y) below the row's minimum becomes it; a row whose
 * neighbour was x or y and whose new d(i, y) is larger keeps its old minimum as a lower bound (every
 * other entry of the row is at least that) and is marked stale: it is rescanned only if it comes to
 * the top of the heap. The heap orders rows by (mind, row), so among equal distances the lowest row
 * merges first. Both Lance-Williams rules keep this valid (any update: the bound is only ever lowered
 * to an exact value).
 *
 * Same merges as nnChain and scipy when all distances are distinct; the heights are the same
 * Lance-Williams values computed in another order (they can differ in the last bits, as float32
 * rounding already makes them), and where distances tie the merge order can differ. linkage() uses it
 * only where it already is not bit-exact (float32 without the mirror).
 */
export function genericLinkage<T extends Float64Array | Float32Array>(U: T, n: number, average: boolean): Float64Array {
  const Z = new Float64Array(Math.max(0, n - 1) * 4);
  if (n < 2) return Z;
  const col = new Float64Array(n);
  const rowStart = upperRowStarts(n);
  const size = new Int32Array(n).fill(1);
  const nn = new Int32Array(n);
  const mind = new Float64Array(n);
  const stale = new Uint8Array(n);
  // Live slots, ascending (compacted after each merge, as nnChain does).
  const live = new Int32Array(n);
  for (let i = 0; i < n; i++) live[i] = i;
  let nLive = n;

  const scanRow = (i: number): void => {
    // live[] is sorted: start after i's own position
    let lo = 0,
      hi = nLive;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (live[mid] <= i) lo = mid + 1;
      else hi = mid;
    }
    const ri = rowStart[i];
    let best = Infinity;
    let arg = -1;
    for (let a = lo; a < nLive; a++) {
      const j = live[a];
      const d = U[ri + j];
      if (d < best) {
        best = d;
        arg = j;
      }
    }
    mind[i] = best;
    nn[i] = arg;
    stale[i] = 0;
  };
  for (let i = 0; i < n; i++) scanRow(i);

  const heap = new RowHeap(mind, n);

  for (let k = 0; k < n - 1; k++) {
    let x = heap.top();
    while (stale[x]) {
      scanRow(x);
      heap.update(x);
      x = heap.top();
    }
    const y = nn[x];
    const height = mind[x];
    const nx = size[x],
      ny = size[y],
      nxy = nx + ny;
    Z[4 * k] = x;
    Z[4 * k + 1] = y;
    Z[4 * k + 2] = height;
    Z[4 * k + 3] = nxy;
    // The new cluster takes the lower slot, x: a cluster's slot is then its lowest point, and the
    // cost of every later merge with it (a walk down the columns of the rows before its slot) shrinks.
    size[y] = 0;
    size[x] = nxy;
    heap.remove(y);
    let w = 0;
    for (let a = 0; a < nLive; a++) if (live[a] !== y) live[w++] = live[a];
    nLive = w;

    const rx = rowStart[x],
      ry = rowStart[y];
    // Live positions: [0, ax) before x, ax is x, (ax, ay) between x and y, [ay, nLive) after y.
    let ax = 0;
    while (live[ax] !== x) ax++;
    let ay = ax + 1;
    while (ay < nLive && live[ay] < y) ay++;
    // The column walk first, in a loop with nothing else in it, so that the CPU keeps many of its
    // cache misses in flight; the new values go to `col` for the bookkeeping after.
    for (let a = 0; a < ax; a++) {
      const ri = rowStart[live[a]];
      U[ri + x] = lanceWilliams(average, nx, ny, nxy, U[ri + x], U[ri + y]);
      col[a] = U[ri + x];
    }
    // Row x (contiguous): d(x, i) for the live i > x, and its new minimum.
    let xbest = Infinity;
    let xarg = -1;
    for (let a = ax + 1; a < ay; a++) {
      const i = live[a];
      U[rx + i] = lanceWilliams(average, nx, ny, nxy, U[rx + i], U[rowStart[i] + y]);
      const stored = U[rx + i];
      if (stored < xbest) {
        xbest = stored;
        xarg = i;
      }
    }
    for (let a = ay; a < nLive; a++) {
      const i = live[a];
      U[rx + i] = lanceWilliams(average, nx, ny, nxy, U[rx + i], U[ry + i]);
      const stored = U[rx + i];
      if (stored < xbest) {
        xbest = stored;
        xarg = i;
      }
    }
    for (let a = 0; a < ax; a++) {
      const i = live[a];
      const stored = col[a];
      const ni = nn[i];
      if (stored < mind[i]) {
        // Below the row's minimum (or its lower bound): the new minimum, exactly.
        mind[i] = stored;
        nn[i] = x;
        stale[i] = 0;
        heap.update(i);
      } else if (ni === x || ni === y) {
        // i's neighbour moved away: every other entry of the row is still >= the old minimum, so
        // it stays a lower bound, and the row is rescanned only if it comes to the top.
        nn[i] = x;
        if (stored > mind[i]) stale[i] = 1;
      } else if (stored === mind[i] && x < ni) {
        nn[i] = x;
      }
    }
    // Rows between x and y lose y (the new cluster is before them): same lower-bound argument.
    for (let a = ax + 1; a < ay; a++) if (nn[live[a]] === y) stale[live[a]] = 1;
    mind[x] = xbest;
    nn[x] = xarg;
    stale[x] = 0;
    heap.update(x);
  }
  return Z;
}

/** The Lance-Williams update of d(x ∪ y, i) from d(x, i) and d(y, i). */
function lanceWilliams(average: boolean, nx: number, ny: number, nxy: number, dxi: number, dyi: number): number {
  return average ? (nx * dxi + ny * dyi) / nxy : dxi > dyi ? dxi : dyi;
}

/** A binary min-heap of row indices keyed by (key[row], row), with positions for updates. */
class RowHeap {
  private readonly heap: Int32Array;
  private readonly pos: Int32Array;
  private size: number;

  constructor(
    private readonly key: Float64Array,
    n: number,
  ) {
    this.heap = new Int32Array(n);
    this.pos = new Int32Array(n).fill(-1);
    this.size = n;
    for (let i = 0; i < n; i++) {
      this.heap[i] = i;
      this.pos[i] = i;
    }
    for (let i = (n >> 1) - 1; i >= 0; i--) this.down(i);
  }

  top(): number {
    return this.heap[0];
  }

  remove(row: number): void {
    const p = this.pos[row];
    if (p < 0) return;
    const last = this.heap[--this.size];
    this.pos[row] = -1;
    if (p === this.size) return;
    this.heap[p] = last;
    this.pos[last] = p;
    this.up(p);
    this.down(this.pos[last]);
  }

  update(row: number): void {
    const p = this.pos[row];
    if (p < 0) return;
    this.up(p);
    this.down(this.pos[row]);
  }

  private less(a: number, b: number): boolean {
    const ka = this.key[a],
      kb = this.key[b];
    return ka < kb || (ka === kb && a < b);
  }

  private up(p: number): void {
    const h = this.heap;
    const row = h[p];
    while (p > 0) {
      const parent = (p - 1) >> 1;
      if (!this.less(row, h[parent])) break;
      h[p] = h[parent];
      this.pos[h[p]] = p;
      p = parent;
    }
    h[p] = row;
    this.pos[row] = p;
  }

  private down(p: number): void {
    const h = this.heap;
    const row = h[p];
    for (;;) {
      let c = 2 * p + 1;
      if (c >= this.size) break;
      if (c + 1 < this.size && this.less(h[c + 1], h[c])) c++;
      if (!this.less(h[c], row)) break;
      h[p] = h[c];
      this.pos[h[p]] = p;
      p = c;
    }
    h[p] = row;
    this.pos[row] = p;
  }
}
