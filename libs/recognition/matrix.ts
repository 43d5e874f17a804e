import { FACE_DIM, unitVector } from './vectors.js';

/** Row-major unit vectors, packed: the exact search scans them with dot products. */
export interface FaceMatrix {
  readonly rows: number;
  readonly dim: number;
  readonly data: Float32Array;
}

/** Packs descriptors as unit vectors (each is normalised here, whatever its scale). */
export function packFaces(faces: readonly ArrayLike<number>[], dim = FACE_DIM): FaceMatrix {
  const data = new Float32Array(faces.length * dim);
  faces.forEach((f, r) => {
    if (f.length !== dim) throw new Error(`face vector ${r} has ${f.length} dimensions, expected ${dim}`);
    data.set(unitVector(f), r * dim);
  });
  return { rows: faces.length, dim, data };
}

/** out[r] = <row r, q> for every row. The one kernel of the exact search (unrolled by 4: V8 keeps it in registers). */
export function dotAll(m: FaceMatrix, q: Float32Array, out: Float32Array = new Float32Array(m.rows)): Float32Array {
  const { data, dim, rows } = m;
  if (q.length !== dim) throw new Error(`query has ${q.length} dimensions, expected ${dim}`);
  for (let r = 0, o = 0; r < rows; r++, o += dim) out[r] = dotRow(data, o, dim, q);
  return out;
}

/** <the row at offset `o` of `data`, q>: the one sum order of every exact similarity (four partial sums, unrolled by 4). */
export function dotRow(data: Float32Array, o: number, dim: number, q: Float32Array): number {
  let s0 = 0,
    s1 = 0,
    s2 = 0,
    s3 = 0;
  for (let i = 0; i < dim; i += 4) {
    s0 += data[o + i] * q[i];
    s1 += data[o + i + 1] * q[i + 1];
    s2 += data[o + i + 2] * q[i + 2];
    s3 += data[o + i + 3] * q[i + 3];
  }
  return s0 + s1 + s2 + s3;
}

export interface RowHit {
  row: number;
  score: number;
}

/**
 * Exact search: every row whose similarity to the unit query `q` is at least `minScore`, best first,
 * at most `limit` (ties by row, so the answer is deterministic).
 */
export function searchRows(m: FaceMatrix, q: Float32Array, opts: { minScore: number; limit: number }): RowHit[] {
  const scores = dotAll(m, q);
  const hits: RowHit[] = [];
  for (let r = 0; r < m.rows; r++) if (scores[r] >= opts.minScore) hits.push({ row: r, score: scores[r] });
  hits.sort((a, b) => b.score - a.score || a.row - b.row);
  return hits.length > opts.limit ? hits.slice(0, opts.limit) : hits;
}
