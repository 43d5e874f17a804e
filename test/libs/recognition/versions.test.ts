import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildVersionedGalleries, rankAcrossVersions, RECOGNITION } from '../../../libs/recognition/index.js';
import { FaceLibrary } from '../../../libs/services/face-library.service.js';
import type { Store, StoredDescriptor } from '../../../libs/store/index.js';

/** A unit-ish 128-d vector pointing mostly along axis `k`. */
function face(k: number, jitter = 0): Float32Array {
  const v = new Float32Array(128);
  v[k] = 1;
  v[(k + 1) % 128] = jitter;
  return v;
}

test('a person is recognised only from exemplars of the query’s descriptor version', () => {
  const galleries = buildVersionedGalleries(
    [
      {
        person: 'ann',
        faces: [
          { face: face(0), version: 1 },
          { face: face(0, 0.1), version: 1 },
        ],
      },
      { person: 'bob', faces: [{ face: face(5), version: 2 }] },
    ],
    { maxExemplars: 8 },
  );
  assert.deepEqual([...galleries.keys()], [1, 2]);
  assert.deepEqual(galleries.get(1)!.people, ['ann']);
  assert.deepEqual(galleries.get(2)!.people, ['bob']);
  // Ann's very face, but described in version 2: no version-2 exemplar of Ann, so she is not found.
  const v2 = rankAcrossVersions(galleries, new Map([[2, [face(0)]]]), RECOGNITION, (p) => p);
  assert.deepEqual(
    v2.map((s) => s.person),
    ['bob'],
  );
  assert.ok(v2[0].score < 0.5);
  const v1 = rankAcrossVersions(galleries, new Map([[1, [face(0)]]]), RECOGNITION, (p) => p);
  assert.equal(v1[0].person, 'ann');
  assert.ok(v1[0].score > 0.99);
  // A query described in both versions gets each person's best score over the versions.
  const both = rankAcrossVersions(
    galleries,
    new Map([
      [1, [face(0)]],
      [2, [face(5)]],
    ]),
    RECOGNITION,
    (p) => p,
  );
  assert.deepEqual(both.map((s) => s.person).sort(), ['ann', 'bob']);
  assert.ok(both.every((s) => s.score > 0.99));
});

test('search by photo compares stored faces only with the query’s descriptor of their own version', async () => {
  const videos = new Map<string, StoredDescriptor[]>([
    ['old', [{ id: 1, publicId: 'f1', t: 0, face: face(3), version: 1 }]],
    [
      'new',
      [
        { id: 2, publicId: 'f2', t: 0, face: face(3), version: 2 },
        { id: 3, publicId: 'f3', t: 1, face: face(9), version: 2 },
      ],
    ],
  ]);
  const store = {
    videos: { readyStamps: async () => [...videos.keys()].map((id) => ({ id, stamp: 's' })) },
    faces: { loadDescriptors: async (id: string) => videos.get(id)! },
  } as unknown as Store;
  const lib = new FaceLibrary(store);
  assert.equal(await lib.size('t'), 3);
  const opts = { minScore: RECOGNITION.threshold, limit: 10 };
  // Only version 2 in the query: the version-1 face with the very same vector is not compared.
  assert.deepEqual(
    (await lib.search('t', new Map([[2, face(3)]]), opts)).map((h) => h.faceId),
    ['f2'],
  );
  assert.deepEqual(
    (await lib.search('t', new Map([[1, face(3)]]), opts)).map((h) => h.faceId),
    ['f1'],
  );
  // The query in version 1 as face 3, in version 2 as face 9: each stored face meets its own version's vector.
  assert.deepEqual(
    (
      await lib.search(
        't',
        new Map([
          [1, face(3)],
          [2, face(9)],
        ]),
        opts,
      )
    )
      .map((h) => h.faceId)
      .sort(),
    ['f1', 'f3'],
  );
});
