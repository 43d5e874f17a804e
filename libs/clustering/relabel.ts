/**
 * scipy's last linkage step: `Z[argsort(Z[:, 2], kind='mergesort')]` (a stable sort by distance),
 * then `label()`: each row's two working slots become the ids of the clusters that currently contain
 * them (a union-find over ids; the cluster made at sorted row r gets id n + r), the smaller id on the
 * left, and column 4 the merged size. Takes the unsorted rows, returns a new Z.
 */
export function relabel(Zu: Float64Array, n: number): Float64Array {
  const rows = n - 1;
  const order = Array.from({ length: rows }, (_, r) => r);
  order.sort((a, b) => Zu[4 * a + 2] - Zu[4 * b + 2] || a - b);
  const Z = new Float64Array(rows * 4);
  const parent = new Int32Array(2 * n - 1);
  for (let i = 0; i < parent.length; i++) parent[i] = i;
  const csize = new Int32Array(2 * n - 1).fill(1);
  const find = (v: number): number => {
    let root = v;
    while (parent[root] !== root) root = parent[root];
    while (parent[v] !== root) {
      const next = parent[v];
      parent[v] = root;
      v = next;
    }
    return root;
  };
  for (let r = 0; r < rows; r++) {
    const src = 4 * order[r];
    const a = find(Zu[src]),
      b = find(Zu[src + 1]);
    const id = n + r;
    Z[4 * r] = a < b ? a : b;
    Z[4 * r + 1] = a < b ? b : a;
    Z[4 * r + 2] = Zu[src + 2];
    parent[a] = id;
    parent[b] = id;
    csize[id] = csize[a] + csize[b];
    Z[4 * r + 3] = csize[id];
  }
  return Z;
}
