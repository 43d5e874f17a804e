import type { Static } from 'typebox';
import type { FastifyReply } from 'fastify';
import { firstPage, type ClusterRun } from '../../libs/services/index.js';
import type { StoredFingerprint } from '../../libs/store/index.js';
import { thumbnailUrl } from './present.js';
import { ClusterResultSchema, ClusterSummarySchema, ResultFaceSchema } from './schemas/clusters.js';
import { ClusterPerson, ClusterSuggestion } from './schemas/people.js';

// The body of GET /videos/:id/clusters, as the route's own serializer writes it, made of parts kept across cuts: a
// slider step keeps most clusters, and a cluster of the same faces (the report's `members` array, the same one
// from cut to cut: libs/flow buildClusterReport's memo) serialises the same but for its id, its faces_next (the
// cut's query), its person, key and suggestion. The video's first faces are the same in every cut but for their
// clusters. Each part is written by the serializer of its schema (fastify's, compiled once per route), so the
// bytes are those of the whole answer serialised at once.

/** An integer no id or cluster takes: written where each cut writes its own value, then cut out. */
const HOLE = -2147483647;

type Answer = Static<typeof ClusterResultSchema>;
type Cluster = Static<typeof ClusterSummarySchema>;
type Serialize = (x: unknown) => string;

/** Public ids of a faces array (every request of a held video shares it): no 10,000-entry map per request. */
const publicIds = new WeakMap<readonly StoredFingerprint[], Map<number, string>>();
export function publicIdOf(faces: readonly StoredFingerprint[]): (id: number) => string {
  let m = publicIds.get(faces);
  if (!m) publicIds.set(faces, (m = new Map(faces.map((f) => [f.id, f.publicId]))));
  return (id) => m.get(id)!;
}

/** A cluster's JSON but for its id, faces_next, person, key and suggestion, and where its faces_next starts. */
interface ClusterParts {
  /** From `,"size":` to the end of `faces`. */
  head: string;
  /** From `,"screen_time_s":` to the end of `representative_thumbnail`. */
  tail: string;
  more: boolean;
  cursor: string | null;
}
/** By the cluster's members, then by page size and base URL. */
const clusterParts = new WeakMap<Int32Array, Map<string, ClusterParts>>();

/** The video's first faces (faces_limit), each face's JSON cut where its cluster goes. */
interface FaceListParts {
  around: [string, string][];
  more: boolean;
  cursor: string | null;
}
/** By faces array, then by page size and base URL. */
const faceLists = new WeakMap<readonly StoredFingerprint[], Map<string, FaceListParts>>();

/** The parts before and after `hole` in `json`, which must hold it once. */
function around(json: string, hole: string): [string, string] {
  const at = json.indexOf(hole);
  if (at < 0 || json.indexOf(hole, at + 1) >= 0) throw new Error(`GET /clusters: ${JSON.stringify(hole)} is not once in a serialised part`);
  return [json.slice(0, at), json.slice(at + hole.length)];
}

/** Page shapes (page size, base URL) kept per cluster or faces array: one client's few, not every size ever asked. */
const SHAPES_KEPT = 4;

/** `map`'s value for (`of`, `key`), made and kept when missing (the least recently made shape of `of` goes first). */
function held<K extends object, V>(map: WeakMap<K, Map<string, V>>, of: K, key: string, make: () => V): V {
  let m = map.get(of);
  if (!m) map.set(of, (m = new Map<string, V>()));
  let v = m.get(key);
  if (v === undefined) {
    m.set(key, (v = make()));
    while (m.size > SHAPES_KEPT) m.delete(m.keys().next().value!);
  }
  return v;
}

export interface AnswerInput {
  run: ClusterRun;
  base: string;
  /** Everything of the answer but its lists (faces, clusters, unclustered) and their next links. */
  head: Pick<Answer, 'video' | 'params' | 'linkage_cached'>;
  facesPerCluster: number;
  facesLimit: number;
  suggestions: ReadonlyMap<number, Cluster['suggestion']>;
  /** URL of a list's next page in this cut (`cluster`: of a cluster, of the unclustered faces; none: of all faces). */
  nextOf: (page: { more: boolean; next_cursor: string | null }, cluster?: number | 'unclustered') => string | null;
}

/**
 * The answer's JSON with empty timings (`"timings":{}}` last), as `reply.serialize` of the whole answer writes it.
 * The run's faces must be those its report was built from (ClusterService's runs are).
 */
export function serializeAnswer(reply: FastifyReply, a: AnswerInput): string {
  const { run, base: b } = a;
  const { report, faces } = run;
  if (report.rows.length !== faces.length) throw new Error('GET /clusters: the report is not of the run’s faces');
  // Fastify compiles a schema once per route (cached by the schema object).
  const serialize = (schema: object) => reply.compileSerializationSchema(schema as Record<string, unknown>) as Serialize;
  const idOf = publicIdOf(faces);

  // The unclustered faces: positions in time order (few, and a new set per cut).
  const none: number[] = [];
  for (let i = 0; i < report.labels.length; i++) if (report.labels[i] === null) none.push(i);
  const unclustered = firstPage(faces, none, a.facesPerCluster);
  const list = held(faceLists, faces, `${a.facesLimit}|${b}`, () => faceListParts(serialize(ResultFaceSchema), run, b, a.facesLimit));
  const skeleton = reply.serialize({
    video: a.head.video,
    params: a.head.params,
    face_count: report.rows.length,
    faces: [],
    faces_next: a.nextOf({ more: list.more, next_cursor: list.cursor }),
    clusters: [],
    unclustered_count: report.unclustered.length,
    unclustered: unclustered.faces.map((f) => f.publicId),
    unclustered_next: a.nextOf(unclustered, 'unclustered'),
    linkage_cached: a.head.linkage_cached,
    timings: {},
  } satisfies Answer);
  if (typeof skeleton !== 'string') throw new Error('GET /clusters: the serializer did not write a string');

  const faceJson = list.around.map(([pre, post], i) => `${pre}${report.labels[i] ?? 'null'}${post}`).join(',');
  const cluster = serialize(ClusterSummarySchema);
  const person = serialize(ClusterPerson);
  const suggestion = serialize(ClusterSuggestion);
  const clusterJson = report.clusters
    .map((c) => {
      const parts = held(clusterParts, report.members[c.id], `${a.facesPerCluster}|${b}`, () => {
        const page = firstPage(faces, report.members[c.id], a.facesPerCluster);
        const rep = idOf(c.representative);
        const json = cluster({
          ...c,
          id: HOLE,
          faces: page.faces.map((f) => f.publicId),
          faces_next: null,
          representative: rep,
          representative_thumbnail: thumbnailUrl(b, rep),
          person: null,
          key: false,
          suggestion: null,
        } satisfies Cluster);
        const [, rest] = around(json, `{"id":${HOLE}`);
        const [head, more] = around(rest, ',"faces_next":null');
        const [tail, end] = around(more, ',"person":null,"key":false,"suggestion":null}');
        if (end !== '') throw new Error('GET /clusters: a cluster does not end with its suggestion');
        return { head, tail, more: page.more, cursor: page.next_cursor };
      });
      const next = a.nextOf({ more: parts.more, next_cursor: parts.cursor }, c.id);
      const p = run.people.get(c.id) ?? null;
      const s = a.suggestions.get(c.id) ?? null;
      return `{"id":${c.id}${parts.head},"faces_next":${next === null ? 'null' : JSON.stringify(next)}${parts.tail},"person":${p === null ? 'null' : person(p)},"key":${c.key},"suggestion":${s === null ? 'null' : suggestion(s)}}`;
    })
    .join(',');
  const [beforeFaces, afterFaces] = around(skeleton, ',"faces":[],');
  const [beforeClusters, afterClusters] = around(afterFaces, ',"clusters":[],');
  return `${beforeFaces},"faces":[${faceJson}],${beforeClusters},"clusters":[${clusterJson}],${afterClusters}`;
}

/** The video's first `limit` faces serialised with a hole for their cluster, and whether more follow. */
function faceListParts(serializeFace: Serialize, run: ClusterRun, b: string, limit: number): FaceListParts {
  const { faces, report } = run;
  // Positions 0…limit (one more than the page: firstPage tells whether more follow by the length).
  const page = firstPage(
    faces,
    Array.from({ length: Math.min(limit + 1, faces.length) }, (_, i) => i),
    limit,
  );
  return {
    around: page.faces.map((f, i) => {
      const [pre, post] = around(
        serializeFace({ ...report.rows[i], cluster: HOLE, id: f.publicId, thumbnail: thumbnailUrl(b, f.publicId) }),
        `"cluster":${HOLE}`,
      );
      return [`${pre}"cluster":`, post];
    }),
    more: page.more,
    cursor: page.next_cursor,
  };
}
