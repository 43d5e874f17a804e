// pageFaces: the pages of a clustering's faces, in the faces' time order, each face with its cluster and report row.
// The report is read by position when it lists the run's faces in their order (what ClusterService builds), by id
// otherwise: both give the same pages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { firstPage, pageFaces, type ClusterRun } from '../../../libs/services/index.js';

const faces = Array.from({ length: 9 }, (_, i) => ({ id: 100 + i, publicId: `p${i}`, t: i * 0.5, frame: i, k: 0 }));
// Faces 0, 3, 6 in cluster 0; 1, 4, 7 in cluster 1; 2, 5, 8 unclustered.
const rows = faces.map((f, i) => ({ id: f.id, t: f.t, frame: f.frame, box: [0, 0, 10, 10], score: 0.9, cluster: i % 3 === 2 ? null : i % 3, thumbnail: '' }));
const run = (reportFaces: typeof rows) =>
  ({ faces, report: { rows: reportFaces, labels: reportFaces.map((r) => r.cluster), clusters: [], unclustered: [] } }) as unknown as ClusterRun;

test('pageFaces: pages by cluster in time order, each item with its cluster and report row; a report in another order pages the same', () => {
  const view = (r: ClusterRun, limit: number, cursor?: string) =>
    [...pageFaces(r, (c) => c ?? 'none', { limit, cursor })].map(([g, p]) => ({
      g,
      ids: p.items.map((x) => x.face.publicId),
      clusters: p.items.map((x) => x.cluster),
      rows: p.items.map((x) => x.row.id),
      more: p.more,
      next: p.next_cursor,
    }));
  const aligned = view(run(rows), 2);
  assert.deepEqual(
    aligned.map((p) => [p.g, p.ids, p.clusters, p.more]),
    [
      [0, ['p0', 'p3'], [0, 0], true],
      [1, ['p1', 'p4'], [1, 1], true],
      ['none', ['p2', 'p5'], [null, null], true],
    ],
  );
  assert.deepEqual(
    aligned.map((p) => p.rows),
    [
      [100, 103],
      [101, 104],
      [102, 105],
    ],
  );
  assert.deepEqual(view(run(rows.toReversed()), 2), aligned, 'a report listing the faces in another order');
  // The next page of cluster 0 starts after its last item.
  const next = pageFaces(run(rows), (c) => (c === 0 ? 0 : undefined), { limit: 2, cursor: aligned[0].next! }).get(0)!;
  assert.deepEqual(
    next.items.map((x) => x.face.publicId),
    ['p6'],
  );
  assert.equal(next.more, false);
});

test("firstPage: a group's first page from its faces' positions is pageFaces' page of that group", () => {
  const r = run(rows);
  for (const limit of [0, 1, 2, 3, 5])
    for (const g of [0, 1, null]) {
      const positions = rows.flatMap((row, i) => (row.cluster === g ? [i] : []));
      const page = pageFaces(r, (c) => (c === g ? true : undefined), { limit }).get(true)!;
      const first = firstPage(faces as unknown as ClusterRun['faces'], positions, limit);
      assert.deepEqual(
        { faces: first.faces, more: first.more, next_cursor: first.next_cursor },
        { faces: page.items.map((x) => x.face), more: page.more, next_cursor: page.next_cursor },
        `group ${g}, limit ${limit}`,
      );
    }
  assert.deepEqual(firstPage(faces as unknown as ClusterRun['faces'], [], 3), { faces: [], more: false, next_cursor: null }, 'an empty group');
});
