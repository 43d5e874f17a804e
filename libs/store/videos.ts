import type { ExtractOptions } from '../config/index.js';
import type { VideoInfo } from '../media/index.js';
import type { PrismaClient } from './client.js';
import type { Video } from './generated/client.js';
import { decodeCursor, encodeCursor } from './cursor.js';

export const VIDEO_STATUSES = ['downloading', 'queued', 'processing', 'ready', 'failed'] as const;
export type VideoStatus = (typeof VIDEO_STATUSES)[number];

/**
 * Restricts a lookup to one tenant's rows. The API passes it on every read and write it makes for a
 * caller, so another tenant's id is indistinguishable from a missing one; the worker, acting on ids
 * from its own queue, passes none.
 */
export interface TenantScope {
  tenantId: string;
}

/** Prisma `where` of a video id, within `scope` when given. */
export function videoWhere(id: string, scope?: TenantScope): { id: string; tenantId?: string } {
  return scope ? { id, tenantId: scope.tenantId } : { id };
}

/** A video as the rest of the service sees it (plain numbers, typed JSON columns). */
export interface VideoRecord {
  id: string;
  /** Null only for videos uploaded before tenants existed. */
  tenantId: string | null;
  status: VideoStatus;
  /** 0..1 */
  progress: number;
  options: ExtractOptions;
  errorCode: string | null;
  errorMessage: string | null;
  timings: Record<string, number>;
  owner: string | null;
  callbackUrl: string | null;
  filename: string | null;
  sourceKey: string;
  sizeBytes: number;
  /** A video given by URL: its host (all that is shown of the URL), else null. */
  sourceHost: string | null;
  /** Bytes downloaded so far (a video given by URL). */
  downloadBytes: number;
  /** The download's whole size when the server said it. */
  downloadTotal: number | null;
  probe: VideoInfo | null;
  durationS: number | null;
  faceCount: number;
  frameCount: number;
  segmentCount: number;
  createdAt: Date;
  updatedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

export interface NewVideo {
  id?: string;
  tenantId?: string | null;
  options: ExtractOptions;
  owner?: string | null;
  callbackUrl?: string | null;
  filename?: string | null;
  sourceKey: string;
  sizeBytes: number;
  probe?: VideoInfo | null;
  /** Given: the video starts `downloading` (its download job fetches this URL). */
  sourceUrl?: string | null;
  sourceHost?: string | null;
}

export interface Page<T> {
  items: T[];
  /** Opaque; pass back as `cursor` for the next page. Null on the last page. */
  nextCursor: string | null;
}

function toRecord(row: Video): VideoRecord {
  // The source URL stays out of every record (records are presented and logged): sourceUrl() reads it.
  const { sourceUrl: _url, ...v } = row;
  return {
    ...v,
    status: v.status,
    options: v.options as unknown as ExtractOptions,
    timings: (v.timings ?? {}) as Record<string, number>,
    probe: (v.probe ?? null) as unknown as VideoInfo | null,
    sizeBytes: Number(v.sizeBytes),
    downloadBytes: Number(v.downloadBytes),
    downloadTotal: v.downloadTotal === null ? null : Number(v.downloadTotal),
  };
}

export class VideoRepository {
  constructor(private readonly db: PrismaClient) {}

  async create(v: NewVideo): Promise<VideoRecord> {
    return this.insert(this.db, v);
  }

  /** Videos of `tenantId` still downloading, waiting for or in extraction (what the per-tenant job quota counts). */
  activeCount(tenantId: string, db: Pick<PrismaClient, 'video'> = this.db): Promise<number> {
    return db.video.count({ where: { tenantId, status: { in: ['downloading', 'queued', 'processing'] } } });
  }

  /**
   * Creates the video only while its tenant has fewer than `maxActive` videos queued or processing
   * (`video` null otherwise), with the count it saw. The count and the insert run under a per-tenant
   * transaction lock, so uploads racing each other cannot overshoot the limit.
   */
  async createWithinQuota(v: NewVideo & { tenantId: string }, maxActive: number): Promise<{ video: VideoRecord | null; active: number }> {
    return this.db.$transaction(async (tx) => {
      await tx.$queryRaw`SELECT pg_advisory_xact_lock(hashtext(${`keycast-quota:${v.tenantId}`}))::text`;
      const active = await this.activeCount(v.tenantId, tx);
      return { video: active >= maxActive ? null : await this.insert(tx, v), active };
    });
  }

  private async insert(db: Pick<PrismaClient, 'video'>, v: NewVideo): Promise<VideoRecord> {
    const row = await db.video.create({
      data: {
        ...(v.id ? { id: v.id } : {}),
        tenantId: v.tenantId ?? null,
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- Prisma's JSON input type needs it (tsc refuses the interface)
        options: v.options as object,
        owner: v.owner ?? null,
        callbackUrl: v.callbackUrl ?? null,
        filename: v.filename ?? null,
        sourceKey: v.sourceKey,
        sizeBytes: BigInt(v.sizeBytes),
        ...(v.sourceUrl ? { status: 'downloading' as const, sourceUrl: v.sourceUrl, sourceHost: v.sourceHost ?? null } : {}),
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- Prisma's JSON input type needs it (tsc refuses the interface)
        probe: (v.probe ?? undefined) as object | undefined,
        durationS: v.probe?.duration_s ?? null,
      },
    });
    return toRecord(row);
  }

  /** The video, or null when missing or (with `scope`) another tenant's. */
  async get(id: string, scope?: TenantScope): Promise<VideoRecord | null> {
    const row = await this.db.video.findFirst({ where: videoWhere(id, scope) });
    return row ? toRecord(row) : null;
  }

  /**
   * Newest first; keyset pagination on (created_at, id), so pages stay consistent while videos are added.
   * `tenantId` limits the list to one tenant (the API always passes it); omitted, every tenant's videos.
   */
  async list({
    limit,
    cursor,
    owner,
    status,
    tenantId,
  }: {
    limit: number;
    cursor?: string | null;
    owner?: string;
    status?: VideoStatus;
    tenantId?: string;
  }): Promise<Page<VideoRecord>> {
    const after = cursor
      ? decodeCursor<[string, string]>(cursor, (x) => Array.isArray(x) && x.length === 2 && typeof x[0] === 'string' && typeof x[1] === 'string')
      : null;
    const rows = await this.db.video.findMany({
      where: {
        ...(tenantId !== undefined ? { tenantId } : {}),
        ...(owner !== undefined ? { owner } : {}),
        ...(status !== undefined ? { status } : {}),
        ...(after ? { OR: [{ createdAt: { lt: new Date(after[0]) } }, { createdAt: new Date(after[0]), id: { lt: after[1] } }] } : {}),
      },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: limit + 1,
    });
    const more = rows.length > limit;
    const items = rows.slice(0, limit).map(toRecord);
    const last = items[items.length - 1];
    return { items, nextCursor: more && last ? encodeCursor([last.createdAt.toISOString(), last.id]) : null };
  }

  async update(
    id: string,
    data: Partial<
      Pick<
        VideoRecord,
        'status' | 'progress' | 'errorCode' | 'errorMessage' | 'timings' | 'faceCount' | 'frameCount' | 'segmentCount' | 'startedAt' | 'finishedAt' | 'probe'
      >
    >,
  ): Promise<void> {
    const { probe, timings, ...rest } = data;
    await this.db.video.updateMany({
      where: { id },
      data: {
        ...rest,
        ...(probe !== undefined ? { probe: probe as object, durationS: probe?.duration_s ?? null } : {}),
        ...(timings !== undefined ? { timings } : {}),
      },
    });
  }

  /**
   * queued|failed → processing (a retried job re-enters here). Clears any earlier error. started_at is the first
   * start's: a retry does not move it (queue and processing times stay those of the whole job).
   */
  async markProcessing(id: string, segmentCount: number, probe: VideoInfo): Promise<void> {
    await this.db.video.updateMany({
      where: { id },
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- Prisma's JSON input type needs it (tsc refuses the interface)
      data: { status: 'processing', segmentCount, errorCode: null, errorMessage: null, probe: probe as object, durationS: probe.duration_s },
    });
    await this.db.video.updateMany({ where: { id, startedAt: null }, data: { startedAt: new Date() } });
  }

  /** Video progress = mean of its segments' progress (one SQL statement: concurrent segment workers cannot lose an update). */
  async refreshProgress(id: string): Promise<void> {
    await this.db.$executeRaw`UPDATE videos SET progress = COALESCE((SELECT avg(progress) FROM segments WHERE video_id = ${id}::uuid), 0),
      face_count = (SELECT count(*) FROM faces WHERE video_id = ${id}::uuid),
      frame_count = COALESCE((SELECT sum(frames) FROM segments WHERE video_id = ${id}::uuid), 0), updated_at = now()
      WHERE id = ${id}::uuid AND status = 'processing'`;
  }

  async markReady(id: string, { faceCount, frameCount, timings }: { faceCount: number; frameCount: number; timings: Record<string, number> }): Promise<void> {
    await this.db.video.updateMany({
      where: { id },
      data: { status: 'ready', progress: 1, faceCount, frameCount, timings, finishedAt: new Date(), errorCode: null, errorMessage: null },
    });
  }

  async markFailed(id: string, code: string, message: string): Promise<void> {
    await this.db.video.updateMany({
      where: { id },
      data: { status: 'failed', errorCode: code, errorMessage: message.slice(0, 2000), finishedAt: new Date(), sourceUrl: null },
    });
  }

  /** The URL a `downloading` video is fetched from (null once the download ended, or for an upload). Only the download job reads it. */
  async sourceUrl(id: string): Promise<string | null> {
    const row = await this.db.video.findUnique({ where: { id }, select: { sourceUrl: true } });
    return row?.sourceUrl ?? null;
  }

  /** A download's progress; a no-op once the video left `downloading` (a late update cannot undo what followed). */
  async downloadProgress(id: string, received: number, total: number | null): Promise<void> {
    await this.db.video.updateMany({
      where: { id, status: 'downloading' },
      data: { downloadBytes: BigInt(received), downloadTotal: total === null ? null : BigInt(total) },
    });
  }

  /** downloading → queued, as an upload is once stored and probed: its size and probe kept, its URL forgotten. */
  async markDownloaded(id: string, { sizeBytes, probe }: { sizeBytes: number; probe: VideoInfo }): Promise<boolean> {
    const r = await this.db.video.updateMany({
      where: { id, status: 'downloading' },
      data: {
        status: 'queued',
        sourceUrl: null,
        sizeBytes: BigInt(sizeBytes),
        downloadBytes: BigInt(sizeBytes),
        downloadTotal: BigInt(sizeBytes),
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- Prisma's JSON input type needs it (tsc refuses the interface)
        probe: probe as object,
        durationS: probe.duration_s,
      },
    });
    return r.count > 0;
  }

  /** Ids of a tenant's videos, or of every tenant's videos created before `before` (what retention and purges walk). */
  async ids({ tenantId, createdBefore }: { tenantId?: string; createdBefore?: Date }): Promise<string[]> {
    const rows = await this.db.video.findMany({
      where: { ...(tenantId !== undefined ? { tenantId } : {}), ...(createdBefore ? { createdAt: { lt: createdBefore } } : {}) },
      select: { id: true },
      orderBy: { createdAt: 'asc' },
    });
    return rows.map((r) => r.id);
  }

  /**
   * The tenant's ready videos with a stamp that changes when a video is re-processed: what a cache of
   * their faces checks on every read, so a deleted video leaves the next answer.
   */
  async readyStamps(tenantId: string): Promise<{ id: string; stamp: string }[]> {
    const rows = await this.db.video.findMany({ where: { tenantId, status: 'ready' }, select: { id: true, finishedAt: true, faceCount: true } });
    return rows.map((r) => ({ id: r.id, stamp: `${r.finishedAt?.getTime() ?? 0}:${r.faceCount}` }));
  }

  /** Deletes the row; faces, linkages, segments and deliveries go with it (ON DELETE CASCADE). */
  async delete(id: string, scope?: TenantScope): Promise<boolean> {
    const r = await this.db.video.deleteMany({ where: videoWhere(id, scope) });
    return r.count > 0;
  }
}
