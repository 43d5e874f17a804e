import { ApiKeyRepository } from './api-keys.js';
import { createPrismaClient, type PrismaClient } from './client.js';
import { DeliveryRepository } from './deliveries.js';
import { FaceRepository, type NewFace } from './faces.js';
import { FileStorage } from './files.js';
import { LinkageRepository } from './linkages.js';
import { PersonRepository } from './people.js';
import { SegmentRepository } from './segments.js';
import { VideoRepository, type TenantScope } from './videos.js';

/** One extracted face as the worker hands it over: a row's fields plus its two JPEGs (libs/pipeline's FaceRecord fits). */
export interface FaceUpload extends Omit<NewFace, 'thumbKey' | 'bodyKey'> {
  thumbnail: Buffer;
  body: Buffer;
}

/** A batch's place in its segment. */
export interface BatchProgress {
  fraction: number;
  /** Video seconds covered so far (not stored). */
  t?: number;
  frames: number;
  faces: number;
}

export interface StoreOptions {
  databaseUrl: string;
  storageDir: string;
  /** Pool size of the database connection. */
  poolSize?: number;
}

/** Everything persistent: the database (through repositories) and the file storage. */
export class Store {
  readonly db: PrismaClient;
  readonly videos: VideoRepository;
  readonly faces: FaceRepository;
  readonly linkages: LinkageRepository;
  readonly segments: SegmentRepository;
  readonly deliveries: DeliveryRepository;
  readonly apiKeys: ApiKeyRepository;
  readonly people: PersonRepository;
  readonly files: FileStorage;

  constructor(opts: StoreOptions) {
    this.db = createPrismaClient(opts.databaseUrl, { max: opts.poolSize ?? 10 });
    this.videos = new VideoRepository(this.db);
    this.people = new PersonRepository(this.db);
    this.faces = new FaceRepository(this.db);
    this.linkages = new LinkageRepository(this.db);
    this.segments = new SegmentRepository(this.db);
    this.deliveries = new DeliveryRepository(this.db);
    this.apiKeys = new ApiKeyRepository(this.db);
    this.files = new FileStorage(opts.storageDir);
  }

  /**
   * Persists one pipeline batch of a segment. The images go to file storage first (fixed keys per
   * (frame, k): rewriting them is harmless), then the face rows and the segment's progress in one
   * transaction. A crash before the commit leaves at most orphan images that the retry overwrites; a
   * retried batch inserts no duplicate (UNIQUE(video_id, frame, k)). Returns the number of new rows.
   */
  async writeFaceBatch(videoId: string, segmentIdx: number, faces: readonly FaceUpload[], progress: BatchProgress): Promise<number> {
    const rows: NewFace[] = [];
    for (const f of faces) {
      const thumbKey = this.files.thumbKey(videoId, f.frame, f.k);
      const bodyKey = this.files.bodyKey(videoId, f.frame, f.k);
      await Promise.all([this.files.write(thumbKey, f.thumbnail), this.files.write(bodyKey, f.body)]);
      rows.push({
        frame: f.frame,
        k: f.k,
        t: f.t,
        box: f.box,
        score: f.score,
        face: f.face,
        cloth: f.cloth,
        thumbKey,
        bodyKey,
        sharpness: f.sharpness,
        yaw: f.yaw,
        shot: f.shot,
        descriptorVersion: f.descriptorVersion,
        chip: f.chip,
      });
    }
    const [inserted] = await this.db.$transaction([
      this.faces.insertBatchQuery(videoId, rows),
      this.segments.progressQuery(videoId, segmentIdx, { progress: progress.fraction, frames: progress.frames, faces: progress.faces }),
    ]);
    await this.videos.refreshProgress(videoId);
    return inserted.count;
  }

  /**
   * Deletes a video: its rows (faces, linkages, segments, deliveries cascade) and all its files. With
   * `scope`, only the tenant's video: another tenant's id deletes nothing, files included.
   */
  async deleteVideo(videoId: string, scope?: TenantScope): Promise<boolean> {
    const existed = await this.videos.delete(videoId, scope);
    if (existed || !scope) await this.files.removeVideo(videoId);
    return existed;
  }

  /** Throws unless the database answers. */
  async ping(): Promise<void> {
    await this.db.$queryRaw`SELECT 1`;
  }

  async close(): Promise<void> {
    await this.db.$disconnect();
  }
}

export function createStore(opts: StoreOptions): Store {
  return new Store(opts);
}
