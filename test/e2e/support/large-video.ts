// A ready video at a real video's size (10,000 faces by default) made of real descriptors (bench/synthetic-video.ts),
// seeded straight into the store in seconds: the API's re-cut bench (bench/recut-latency.ts) and the review app's
// browser test start from it. Its faces share one thumbnail file; its default linkage (tens of seconds of HAC at
// 10,000 faces) is computed once per machine and kept in os.tmpdir()/keycast-fixtures, then copied in as a row.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { DEFAULT_CLUSTER, DEFAULT_EXTRACT } from '../../../libs/config/index.js';
import { ClusterService } from '../../../libs/services/index.js';
import type { NewFace, Store } from '../../../libs/store/index.js';
import { syntheticVideo, syntheticVideoMissing, type SyntheticFace } from '../../../bench/synthetic-video.js';
import { REPO_ROOT, sql } from './services.js';

export { syntheticVideoMissing as largeVideoMissing };

export interface LargeVideo {
  id: string;
  n: number;
  /** Distinct identities among its faces. */
  identities: number;
  /** Seconds spent: rows and files, and the linkage (computed, or copied from the machine's cache). */
  seed_s: { rows: number; linkage: number; linkage_cached: boolean };
}

const FRAME_S = 0.5;
const CHUNK = 2000;

/** The stored faces of a synthetic video: one shared thumbnail, time order as generated. */
function rows(faces: readonly SyntheticFace[], thumbKey: string): NewFace[] {
  return faces.map((f) => ({
    frame: f.frame,
    k: f.k,
    t: f.t,
    box: f.box,
    score: f.score,
    face: Float32Array.from(f.face),
    cloth: Float32Array.from(f.cloth),
    thumbKey,
    bodyKey: thumbKey,
    sharpness: f.sharpness ?? null,
    yaw: f.yaw ?? null,
    shot: f.shot ?? null,
  }));
}

/** Stores faces as one ready video (no linkage yet); returns its id. */
async function storeVideo(store: Store, tenantId: string, filename: string, faces: readonly SyntheticFace[]): Promise<string> {
  const frames = (faces.at(-1)?.frame ?? 0) + 1;
  const duration = frames * FRAME_S;
  const v = await store.videos.create({
    tenantId,
    options: { ...DEFAULT_EXTRACT, capture_interval_sec: FRAME_S },
    sourceKey: `videos/${tenantId}/${filename}`,
    sizeBytes: 1,
    filename,
    probe: { path: filename, duration_s: duration, fps: 1 / FRAME_S, width: 1280, height: 720, rotation: 0, codec: 'h264', frame_count: frames },
  });
  await store.segments.ensure(v.id, [{ idx: 0, startS: 0, endS: duration }]);
  const img = await sharp({ create: { width: 48, height: 48, channels: 3, background: { r: 120, g: 90, b: 150 } } })
    .jpeg()
    .toBuffer();
  const thumbKey = store.files.thumbKey(v.id, 0, 0);
  await store.files.write(thumbKey, img);
  const all = rows(faces, thumbKey);
  for (let i = 0; i < all.length; i += CHUNK) await store.faces.insertBatch(v.id, all.slice(i, i + CHUNK));
  await store.videos.markReady(v.id, { faceCount: faces.length, frameCount: frames, timings: {} });
  return v.id;
}

/** The machine's cache of a fixture's linkage rows: keyed by the faces and by the code that shapes a tree and its key. */
function cachePath(faces: readonly SyntheticFace[]): string {
  const h = createHash('sha256');
  for (const f of faces) h.update(Float32Array.from(f.face)).update(Float32Array.from(f.cloth));
  for (const src of ['libs/flow/linkage-key.ts', 'libs/flow/cluster-faces.ts', 'libs/services/cluster.service.ts', 'libs/config/options.ts']) {
    const p = join(REPO_ROOT, src);
    if (existsSync(p)) h.update(readFileSync(p));
  }
  return join(tmpdir(), 'keycast-fixtures', `linkage-${faces.length}-${h.digest('hex').slice(0, 16)}.json`);
}

type LinkageRow = Record<string, unknown>;

/** Copies cached linkage rows onto a video (every column but the row id and the video). */
async function insertLinkages(databaseUrl: string, videoId: string, saved: LinkageRow[]): Promise<void> {
  for (const row of saved) {
    const cols = Object.keys(row);
    const vals = cols.map((c) => (c === 'z' ? Buffer.from(row[c] as string, 'base64') : row[c]));
    await sql(
      databaseUrl,
      `INSERT INTO linkages (video_id, ${cols.map((c) => `"${c}"`).join(', ')}) VALUES ($1, ${cols.map((_, i) => `$${i + 2}`).join(', ')})`,
      [videoId, ...vals],
    );
  }
}

async function dumpLinkages(databaseUrl: string, videoId: string): Promise<LinkageRow[]> {
  const got = await sql(databaseUrl, 'SELECT * FROM linkages WHERE video_id = $1', [videoId]);
  return got.map(({ id: _id, video_id: _video, ...row }) => ({ ...row, z: (row.z as Buffer).toString('base64') }));
}

/**
 * Seeds a ready video of `n` real-descriptor faces (and, with `people`, that many people of the tenant, each
 * confirmed on 2 faces of a second video: the gallery the suggestions score, not constraints of this video), with
 * its default linkage stored, so GET /videos/:id/clusters with default options only cuts. Throws when the labelled
 * sets are absent (check {@link largeVideoMissing} first).
 */
export async function seedLargeVideo(
  store: Store,
  databaseUrl: string,
  { tenantId, n = 10_000, filename = `faces-${n}.mp4` }: { tenantId: string; n?: number; filename?: string },
): Promise<LargeVideo> {
  const t0 = performance.now();
  const { faces, identity } = await syntheticVideo(n);
  const id = await storeVideo(store, tenantId, filename, faces);
  const t1 = performance.now();
  const path = cachePath(faces);
  let cached = false;
  if (existsSync(path)) {
    await insertLinkages(databaseUrl, id, JSON.parse(readFileSync(path, 'utf8')) as LinkageRow[]);
    const video = (await store.videos.get(id))!;
    // The copy must be the row the service would look up (a changed key format misses it): else compute afresh.
    cached = !('pending' in (await new ClusterService(store).clusterIfCheap(video, { ...DEFAULT_CLUSTER }, { computeUpTo: 0 })));
    if (!cached) await store.linkages.clear(id);
  }
  if (!cached) {
    await new ClusterService(store).storeLinkage(id, { ...DEFAULT_CLUSTER });
    mkdirSync(join(tmpdir(), 'keycast-fixtures'), { recursive: true });
    const part = `${path}.${process.pid}`;
    writeFileSync(part, JSON.stringify(await dumpLinkages(databaseUrl, id)));
    renameSync(part, path);
  }
  return { id, n, identities: new Set(identity).size, seed_s: { rows: (t1 - t0) / 1000, linkage: (performance.now() - t1) / 1000, linkage_cached: cached } };
}

/**
 * `count` people of a tenant, each confirmed on 2 faces of a video of their own (real descriptors, another draw of
 * the same identities): what the suggestions of every cluster are scored against. Bulk SQL, a second or two.
 */
export async function seedPeople(store: Store, databaseUrl: string, { tenantId, count }: { tenantId: string; count: number }): Promise<string> {
  const { faces } = await syntheticVideo(2 * count, 29);
  const videoId = await storeVideo(store, tenantId, `people-${count}.mp4`, faces);
  const people = await sql<{ id: string }>(
    databaseUrl,
    `INSERT INTO people (tenant_id, name) SELECT $1, 'Person ' || g FROM generate_series(1, $2::int) g RETURNING id`,
    [tenantId, count],
  );
  const faceIds = (await store.faces.loadFingerprints(videoId)).map((f) => f.id);
  await sql(databaseUrl, `INSERT INTO person_faces (face_id, person_id, video_id) SELECT f, p, $3 FROM unnest($1::bigint[], $2::uuid[]) AS x(f, p)`, [
    faceIds.map(String),
    faceIds.map((_, i) => people[Math.floor(i / 2)].id),
    videoId,
  ]);
  return videoId;
}
