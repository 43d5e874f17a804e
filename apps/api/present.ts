import type { FastifyReply } from 'fastify';
import type { WebhookEventType } from '../../libs/queue/index.js';
import type { PersonAction } from '../../libs/services/index.js';
import type { DeliveryRecord, PersonEventRecord, PersonRecord, StoredFace, VideoRecord } from '../../libs/store/index.js';
import { faceIdOut } from './face-ids.js';

/**
 * Headers of an image showing faces (a thumbnail, a montage): biometric data of one tenant. No shared cache (CDN,
 * proxy) may keep it, and no cache at all: a deleted face must not outlive its DELETE. `Vary: Authorization` for
 * any cache that ignores `private`.
 */
export function privateImage(reply: FastifyReply, type: 'image/jpeg' | 'image/png'): FastifyReply {
  return reply.type(type).header('cache-control', 'private, no-store').header('vary', 'Authorization');
}

/** Absolute (PUBLIC_BASE_URL) or relative links. */
export function linksOf(base: string, id: string) {
  return {
    self: `${base}/videos/${id}`,
    clusters: `${base}/videos/${id}/clusters`,
    faces: `${base}/videos/${id}/faces`,
    montage: `${base}/videos/${id}/montage.png`,
  };
}

/** URLs of a face's images, by its public id. */
export const thumbnailUrl = (base: string, faceId: string) => `${base}/faces/${faceId}/thumbnail`;
export const bodyUrl = (base: string, faceId: string) => `${base}/faces/${faceId}/thumbnail?kind=body`;

export function presentVideo(v: VideoRecord, base: string) {
  const p = v.probe;
  return {
    id: v.id,
    status: v.status,
    progress: v.progress,
    filename: v.filename,
    size_bytes: v.sizeBytes,
    download: v.sourceHost ? { host: v.sourceHost, received_bytes: v.downloadBytes, total_bytes: v.downloadTotal } : null,
    owner: v.owner,
    callback_url: v.callbackUrl,
    options: v.options,
    media: p ? { duration_s: p.duration_s, fps: p.fps, width: p.width, height: p.height, codec: p.codec, frame_count: p.frame_count } : null,
    face_count: v.faceCount,
    sampled_frames: v.frameCount,
    segment_count: v.segmentCount,
    error: v.errorCode ? { code: v.errorCode, message: v.errorMessage ?? '' } : null,
    timings: v.timings,
    created_at: v.createdAt.toISOString(),
    updated_at: v.updatedAt.toISOString(),
    started_at: v.startedAt?.toISOString() ?? null,
    finished_at: v.finishedAt?.toISOString() ?? null,
    links: linksOf(base, v.id),
  };
}

export function presentFace(f: StoredFace, base: string, cluster?: number | null) {
  return {
    id: f.publicId,
    t: f.t,
    frame: f.frame,
    k: f.k,
    box: f.box,
    score: f.score,
    ...(cluster !== undefined ? { cluster } : {}),
    thumbnail: thumbnailUrl(base, f.publicId),
    body: bodyUrl(base, f.publicId),
  };
}

export function presentDelivery(d: DeliveryRecord) {
  return {
    id: d.publicId,
    event_id: d.eventId,
    event: d.event as WebhookEventType,
    attempt: d.attempt,
    status_code: d.statusCode,
    error: d.error,
    duration_ms: Math.round(d.durationMs * 10) / 10,
    delivered: d.deliveredAt !== null,
    created_at: d.createdAt.toISOString(),
  };
}

export function presentPerson(p: PersonRecord, base: string) {
  return {
    id: p.id,
    name: p.name,
    faces: p.faces.map(faceIdOut),
    rejected: p.rejected.map(faceIdOut),
    videos: p.videos,
    face_count: p.faces.length,
    created_at: p.createdAt.toISOString(),
    updated_at: p.updatedAt.toISOString(),
    links: { self: `${base}/people/${p.id}`, history: `${base}/people/${p.id}/history` },
  };
}

export function presentPersonEvent(e: PersonEventRecord) {
  return { id: e.publicId, action: e.action as PersonAction, key_id: e.keyId, at: e.createdAt.toISOString(), detail: e.detail };
}
