import { upperRowStarts } from './triangles.js';

/**
 * Average / complete linkage by Müllner's "generic" algorithm (fastcluster's `generic_linkage`, with
 * the nearest neighbour of each point kept among the points after it), on the upper (condensed)
 * working matrix U alone. Returns Z rows in merge order with working slots (x < y), slot y holding the
 * new cluster, like nnChain.
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
  const f32 = U instanceof Float32Array;
  const rowStart = upperRowStarts(n);
  const size = new Int32Array(n).fill(1);
  const nn = new Int32Array(n);
  const mind = new Float64Array(n);
  const stale = new Uint8Array(n);
  // Live slots as a doubly linked list, so a row's live j > i and a removal are both cheap.
  const next = new Int32Array(n + 1);
  const prev = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) {
    next[i] = i + 1;
    prev[i] = i - 1;
  }
  const END = n;
  let head = 0;

  const scanRow = (i: number): void => {
    const ri = rowStart[i];
    let best = Infinity;
    let arg = -1;
    for (let j = next[i]; j !== END; j = next[j]) {
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
  for (let i = 0; i < n - 1; i++) {
    const ri = rowStart[i];
    let best = Infinity;
    let arg = -1;
    for (let j = i + 1; j < n; j++) {
      const d = U[ri + j];
      if (d < best) {
        best = d;
        arg = j;
      }
    }
    mind[i] = best;
    nn[i] = arg;
  }
  mind[n - 1] = Infinity;
  nn[n - 1] = -1;

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
    size[x] = 0;
    size[y] = nxy;
    heap.remove(x);
    const px = prev[x],
      nxt = next[x];
    if (px >= 0) next[px] = nxt;
    else head = nxt;
    prev[nxt] = px;

    const rx = rowStart[x],
      ry = rowStart[y];
    let ybest = Infinity;
    let yarg = -1;
    for (let i = head; i !== END; i = next[i]) {
      if (i === y) continue;
      let dxi: number, dyi: number, at: number;
      if (i < x) {
        const ri = rowStart[i];
        dxi = U[ri + x];
        at = ri + y;
        dyi = U[at];
      } else if (i < y) {
        dxi = U[rx + i];
        at = rowStart[i] + y;
        dyi = U[at];
      } else {
        dxi = U[rx + i];
        at = ry + i;
        dyi = U[at];
      }
      const v = average ? (nx * dxi + ny * dyi) / nxy : dxi > dyi ? dxi : dyi;
      const stored = f32 ? Math.fround(v) : v;
      U[at] = stored;
      if (i < y) {
        const ni = nn[i];
        if (stored < mind[i]) {
          // Below the row's minimum (or its lower bound): the new minimum, exactly.
          mind[i] = stored;
          nn[i] = y;
          stale[i] = 0;
          heap.update(i);
        } else if (ni === x || ni === y) {
          // i's neighbour moved away: every other entry of the row is still >= the old minimum, so
          // it stays a lower bound, and the row is rescanned only if it comes to the top.
          nn[i] = y;
          if (stored > mind[i]) stale[i] = 1;
        } else if (stored === mind[i] && y < ni) {
          nn[i] = y;
        }
      } else if (stored < ybest) {
        ybest = stored;
        yarg = i;
      }
    }
    mind[y] = ybest;
    nn[y] = yarg;
    stale[y] = 0;
    heap.update(y);
  }
  return Z;
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
