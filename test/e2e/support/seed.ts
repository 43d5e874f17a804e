// A ready video made from fingerprints without running extraction: what the API tests that need real faces
// (people, suggestions) start from. The rows go through the store's own write path, so ids, files and
// the default linkage are what an extracted video would have.
import sharp from 'sharp';
import { DEFAULT_EXTRACT } from '../../../libs/config/index.js';
import type { ClusterableFace } from '../../../libs/flow/index.js';
import type { VideoInfo } from '../../../libs/media/index.js';
import { ClusterService } from '../../../libs/services/index.js';
import type { Store, StoredFingerprint } from '../../../libs/store/index.js';

/** A face as clustering reads it (its id is the store's to give), with its rank in the frame. */
export type SeedFace = Omit<ClusterableFace, 'id'> & { k: number };

export interface SeedVideo {
  tenantId: string;
  filename: string;
  probe: Omit<VideoInfo, 'path'>;
  faces: readonly SeedFace[];
  callbackUrl?: string | null;
  captureIntervalSec?: number;
}

/** A face's place in its video, the same for a seeded face and its stored row. */
export const faceKey = (f: { frame: number; k: number }): string => `${f.frame}|${f.k}`;

/** Stores `faces` as one ready video with its default linkage; returns its id and the stored faces (time order). */
export async function seedReadyVideo(store: Store, s: SeedVideo): Promise<{ id: string; stored: StoredFingerprint[] }> {
  const img = await sharp({ create: { width: 24, height: 24, channels: 3, background: { r: 90, g: 80, b: 160 } } })
    .jpeg()
    .toBuffer();
  const v = await store.videos.create({
    tenantId: s.tenantId,
    options: { ...DEFAULT_EXTRACT, capture_interval_sec: s.captureIntervalSec ?? 0.5 },
    sourceKey: `videos/${s.tenantId}/source`,
    sizeBytes: 1,
    filename: s.filename,
    callbackUrl: s.callbackUrl ?? null,
    probe: { ...s.probe, path: s.filename },
  });
  await store.segments.ensure(v.id, [{ idx: 0, startS: 0, endS: s.probe.duration_s }]);
  const rows = s.faces.map((f) => ({
    frame: f.frame,
    k: f.k,
    t: f.t,
    box: f.box,
    score: f.score,
    face: Float32Array.from(f.face),
    cloth: Float32Array.from(f.cloth),
    sharpness: f.sharpness ?? null,
    yaw: f.yaw ?? null,
    shot: f.shot ?? null,
    thumbnail: img,
    body: img,
  }));
  await store.writeFaceBatch(v.id, 0, rows, { frames: rows.length, faces: rows.length, t: 0, fraction: 1 });
  await new ClusterService(store).storeDefaultLinkage(v.id);
  await store.videos.markReady(v.id, { faceCount: rows.length, frameCount: rows.length, timings: {} });
  return { id: v.id, stored: await store.faces.loadFingerprints(v.id) };
}

/**
 * A ready video of `n` synthetic faces, one per frame at 2 frames/s, descriptor j of face i `face(i, j)` (128 values),
 * the clothes three patterns; returns its id and its faces' public ids.
 */
export async function seedSyntheticVideo(
  store: Store,
  s: { tenantId: string; filename: string; n: number; face: (i: number, j: number) => number },
): Promise<{ id: string; faces: string[] }> {
  const { n } = s;
  const faces = Array.from({ length: n }, (_, i) => ({
    frame: i,
    k: 0,
    t: i / 2,
    box: [1, 1, 10, 10] as [number, number, number, number],
    score: 0.9,
    face: Array.from({ length: 128 }, (_, j) => s.face(i, j)),
    cloth: Array.from({ length: 128 }, (_, j) => Math.cos(j * (1 + (i % 3)))),
  }));
  const probe = { duration_s: n / 2, fps: 2, width: 64, height: 64, codec: 'h264', frame_count: n, rotation: 0 };
  const v = await seedReadyVideo(store, { tenantId: s.tenantId, filename: s.filename, probe, faces });
  return { id: v.id, faces: v.stored.map((f) => f.publicId) };
}
