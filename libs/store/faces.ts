import type { Box } from '../config/index.js';
import type { PrismaClient } from './client.js';
import type { Prisma } from './generated/client.js';
import { bytesToFloat32, float32ToBytes } from './vectors.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import type { Page, TenantScope } from './videos.js';

/**
 * A stored face appearance (no vectors). `id` is the internal key (the clustering and its reports index faces by
 * it); `publicId` is the only id the API shows (random: no face can be found by counting).
 */
export interface StoredFace {
  id: number;
  publicId: string;
  videoId: string;
  frame: number;
  k: number;
  t: number;
  box: Box;
  score: number;
  thumbKey: string;
  bodyKey: string;
}

/** A stored face with its fingerprint halves and quality features, as the clustering needs them. */
export interface StoredFingerprint extends StoredFace {
  face: Float32Array;
  cloth: Float32Array;
  /** null for faces stored before the face_quality migration (neutral quality). */
  sharpness: number | null;
  yaw: number | null;
  /** Frame index where the face's shot starts; null for faces stored before the face_shot migration (unknown shot). */
  shot: number | null;
  /** How the descriptor's chip was made (libs/vision descriptor-version.ts); 1 for faces stored before versions. */
  descriptorVersion: number;
}

/** A face's descriptor with what a search result names: its ids and time (the video is the caller's). */
export interface StoredDescriptor {
  id: number;
  /** The id the API shows. */
  publicId: string;
  t: number;
  face: Float32Array;
  /** How the descriptor's chip was made (libs/vision descriptor-version.ts): only descriptors of one version are compared. */
  version: number;
}

/** What the worker writes for one face (the images are already in file storage under the keys). */
export interface NewFace {
  frame: number;
  k: number;
  t: number;
  box: Box;
  score: number;
  face: Float32Array;
  cloth: Float32Array;
  thumbKey: string;
  bodyKey: string;
  sharpness?: number | null;
  yaw?: number | null;
  shot?: number | null;
  /** Descriptor version (libs/vision descriptor-version.ts); default 1, face-api's chips. */
  descriptorVersion?: number;
  /** The chip the descriptor was computed on; null: face-api's (every face before versions). */
  chip?: string | null;
}

type FaceRow = {
  id: bigint;
  publicId: string;
  videoId: string;
  frame: number;
  k: number;
  t: number;
  x: number;
  y: number;
  w: number;
  h: number;
  score: number;
  thumbKey: string;
  bodyKey: string;
};

function toStored(r: FaceRow): StoredFace {
  return {
    id: Number(r.id),
    publicId: r.publicId,
    videoId: r.videoId,
    frame: r.frame,
    k: r.k,
    t: r.t,
    box: [r.x, r.y, r.w, r.h],
    score: r.score,
    thumbKey: r.thumbKey,
    bodyKey: r.bodyKey,
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Time order used everywhere faces are listed or clustered: (t, frame, k). */
const FACE_ORDER: Prisma.FaceOrderByWithRelationInput[] = [{ t: 'asc' }, { frame: 'asc' }, { k: 'asc' }];

type FaceKey = [t: number, frame: number, k: number];
const isFaceKey = (x: unknown) => Array.isArray(x) && x.length === 3 && x.every((v) => typeof v === 'number' && Number.isFinite(v));

export function faceCursor(f: { t: number; frame: number; k: number }): string {
  return encodeCursor([f.t, f.frame, f.k]);
}

export function decodeFaceCursor(cursor: string): FaceKey {
  return decodeCursor<FaceKey>(cursor, isFaceKey);
}

/** Strictly after `key` in (t, frame, k) order. */
export function isAfter(f: { t: number; frame: number; k: number }, key: FaceKey): boolean {
  return f.t > key[0] || (f.t === key[0] && (f.frame > key[1] || (f.frame === key[1] && f.k > key[2])));
}

/** Quality features are optional (NaN from a degenerate landmark set included): absent is stored as NULL. */
function finiteOrNull(x: number | null | undefined): number | null {
  return typeof x === 'number' && Number.isFinite(x) ? x : null;
}

export class FaceRepository {
  constructor(private readonly db: PrismaClient) {}

  /**
   * The createMany of one batch, not yet executed (so the caller can put it in a transaction).
   * Idempotent: rows whose (video_id, frame, k) exists are skipped (INSERT … ON CONFLICT DO NOTHING),
   * so a retried batch adds nothing and loses nothing.
   */
  insertBatchQuery(videoId: string, faces: NewFace[]) {
    return this.db.face.createMany({
      data: faces.map((f) => ({
        videoId,
        frame: f.frame,
        k: f.k,
        t: f.t,
        x: f.box[0],
        y: f.box[1],
        w: f.box[2],
        h: f.box[3],
        score: f.score,
        faceVec: float32ToBytes(f.face),
        clothVec: float32ToBytes(f.cloth),
        thumbKey: f.thumbKey,
        bodyKey: f.bodyKey,
        sharpness: finiteOrNull(f.sharpness),
        yaw: finiteOrNull(f.yaw),
        shot: Number.isInteger(f.shot) ? f.shot : null,
        descriptorVersion: f.descriptorVersion ?? 1,
        chip: f.chip ?? null,
      })),
      skipDuplicates: true,
    });
  }

  /** Inserts a batch idempotently; returns how many rows were new. */
  async insertBatch(videoId: string, faces: NewFace[]): Promise<number> {
    if (faces.length === 0) return 0;
    return (await this.insertBatchQuery(videoId, faces)).count;
  }

  count(videoId: string): Promise<number> {
    return this.db.face.count({ where: { videoId } });
  }

  /** The face of a public id, or null when missing or (with `scope`) a face of another tenant's video. */
  async get(publicId: string, scope?: TenantScope): Promise<StoredFace | null> {
    if (!UUID.test(publicId)) return null;
    const r = await this.db.face.findFirst({
      where: { publicId: publicId.toLowerCase(), ...(scope ? { video: { tenantId: scope.tenantId } } : {}) },
      omit: { faceVec: true, clothVec: true },
    });
    return r ? toStored(r) : null;
  }

  /** Every face of a video with its vectors, in (t, frame, k) order: the order the clustering (and its cached linkage) index faces by. */
  async loadFingerprints(videoId: string): Promise<StoredFingerprint[]> {
    // A raw query: the hot path of GET /clusters on a cold cache (10,000 faces: ~200 ms instead of ~550 ms through findMany).
    const rows = await this.db.$queryRaw<
      (Omit<FaceRow, 'videoId' | 'publicId' | 'thumbKey' | 'bodyKey'> & {
        public_id: string;
        thumb_key: string;
        body_key: string;
        face_vec: Uint8Array;
        cloth_vec: Uint8Array;
        sharpness: number | null;
        yaw: number | null;
        shot: number | null;
        descriptor_version: number;
      })[]
    >`
      SELECT id, public_id::text, frame, k, t, x, y, w, h, score, face_vec, cloth_vec, thumb_key, body_key, sharpness, yaw, shot, descriptor_version
      FROM faces WHERE video_id = ${videoId}::uuid ORDER BY t, frame, k`;
    // One object literal (toStored's fields, in its order, then the vectors and features): a spread of toStored's
    // object left these in dictionary mode, and every read of a face (a cut's report, its pages, the suggestions)
    // was ~15x slower than on a plain object (8 ms vs 0.5 ms per 10,000 faces read once).
    return rows.map((r) => ({
      id: Number(r.id),
      publicId: r.public_id,
      videoId,
      frame: r.frame,
      k: r.k,
      t: r.t,
      box: [r.x, r.y, r.w, r.h] as Box,
      score: r.score,
      thumbKey: r.thumb_key,
      bodyKey: r.body_key,
      face: bytesToFloat32(r.face_vec),
      cloth: bytesToFloat32(r.cloth_vec),
      sharpness: r.sharpness,
      yaw: r.yaw,
      shot: r.shot,
      descriptorVersion: r.descriptor_version,
    }));
  }

  /**
   * The face descriptors of a video (no cloth vectors, no images), by face id: what search by photo and
   * recognition read. One raw query: a tenant's library is loaded video by video and then kept in memory.
   */
  async loadDescriptors(videoId: string): Promise<StoredDescriptor[]> {
    const rows = await this.db.$queryRaw<{ id: bigint; public_id: string; t: number; face_vec: Uint8Array; descriptor_version: number }[]>`
      SELECT id, public_id::text, t, face_vec, descriptor_version FROM faces WHERE video_id = ${videoId}::uuid ORDER BY id`;
    return rows.map((r) => ({ id: Number(r.id), publicId: r.public_id, t: r.t, face: bytesToFloat32(r.face_vec), version: r.descriptor_version }));
  }

  /** A page of faces in (t, frame, k) order; keyset cursor. */
  async list(videoId: string, { limit, cursor }: { limit: number; cursor?: string | null }): Promise<Page<StoredFace>> {
    const after = cursor ? decodeFaceCursor(cursor) : null;
    const rows = await this.db.face.findMany({
      where: {
        videoId,
        ...(after ? { OR: [{ t: { gt: after[0] } }, { t: after[0], frame: { gt: after[1] } }, { t: after[0], frame: after[1], k: { gt: after[2] } }] } : {}),
      },
      orderBy: FACE_ORDER,
      take: limit + 1,
      omit: { faceVec: true, clothVec: true },
    });
    const more = rows.length > limit;
    const items = rows.slice(0, limit).map(toStored);
    const last = items[items.length - 1];
    return { items, nextCursor: more && last ? faceCursor(last) : null };
  }
}
