import type { PrismaClient } from './client.js';
import type { Prisma } from './generated/client.js';
import { KeycastError } from '../config/index.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { bytesToFloat32 } from './vectors.js';
import type { Page, TenantScope } from './videos.js';

/** A person with its constraints, as stored. Face ids are the database's (the API maps them at its edge). */
export interface PersonRecord {
  id: string;
  tenantId: string;
  name: string | null;
  /** Confirmed faces, by database key. */
  faces: FaceRef[];
  /** Rejected faces, by database key. */
  rejected: FaceRef[];
  /** Videos holding a confirmed face, with how many; by video id. */
  videos: { id: string; faces: number }[];
  createdAt: Date;
  updatedAt: Date;
}

/** A face of the tenant: its database key, its public id (the only one the API shows) and its video. */
export interface FaceRef {
  id: number;
  publicId: string;
  videoId: string;
}

/** One edit of a person. */
export interface PersonEventRecord {
  id: number;
  /** The id answers show (a random UUID): the serial `id` counts every tenant's edits and never leaves the service. */
  publicId: string;
  personId: string;
  keyId: string | null;
  action: string;
  detail: Record<string, unknown>;
  createdAt: Date;
}

export interface NewPersonEvent {
  personId: string;
  keyId: string | null;
  action: string;
  detail: Record<string, unknown>;
}

/** A person's confirmed faces' descriptors (face only), in ready videos: what recognition is built from. */
export interface PersonDescriptors {
  id: string;
  name: string | null;
  faces: Float32Array[];
  /** The descriptor version of each of `faces` (faces.descriptor_version). */
  versions: number[];
}

/** A person's constraints within one video (face ids of that video only). */
export interface VideoPersonConstraints {
  id: string;
  name: string | null;
  faces: number[];
  rejected: number[];
}

type Db = PrismaClient | Prisma.TransactionClient;

/** The last queued run per key: each run starts when the one before it settles. */
const turns = new Map<string, Promise<unknown>>();
function inTurn<T>(key: string, run: () => Promise<T>): Promise<T> {
  const before = turns.get(key) ?? Promise.resolve();
  const mine = before.then(run, run);
  const settled = mine.catch(() => undefined);
  turns.set(key, settled);
  void settled.then(() => {
    if (turns.get(key) === settled) turns.delete(key);
  });
  return mine;
}

/**
 * Rows whose face is still there. Prisma reads a relation with a second query: a face deleted between the two (its
 * video deleted meanwhile; the cascade takes the person's row with it) comes back null, and is gone.
 */
function stillThere<T extends { face: { publicId: string } }>(rows: T[]): T[] {
  return rows.filter((r) => (r.face as T['face'] | null) !== null);
}

const isPeopleKey = (x: unknown) => Array.isArray(x) && x.length === 2 && typeof x[0] === 'string' && typeof x[1] === 'string';
const ids = (xs: readonly number[]) => xs.map((x) => BigInt(x));

/**
 * People and their constraints: I/O only. The rules (a confirmed face leaves any other person, what a
 * merge moves, what is recorded) are PersonService's (libs/services); it runs several of these calls
 * in one transaction through {@link PersonRepository.transaction}.
 */
export class PersonRepository {
  constructor(private readonly db: Db) {}

  /**
   * Runs `fn` in one transaction, after taking the tenant's person-edit lock (edits of one tenant are serialised).
   * Within this process, a tenant's edits also wait their turn before they take a connection: a burst of one tenant's
   * edits would otherwise hold every pooled connection waiting on the lock, and the next transaction (anyone's) could
   * not start in time (P2028, a 500 under 24 concurrent edits before).
   */
  transaction<T>(tenantId: string, fn: (repo: PersonRepository) => Promise<T>): Promise<T> {
    const db = this.db as PrismaClient;
    if (typeof db.$transaction !== 'function') throw new Error('PersonRepository.transaction: already in a transaction');
    return inTurn(`${tenantId}`, () => this.lockedTransaction(db, tenantId, fn));
  }

  /**
   * Runs `fn` (a question's check and the edits that answer it) holding the video's answer lock: a transaction-level
   * advisory lock, so that replicas share it, taken by one request per video and process at a time. Concurrent
   * answers to one question run one after the other, and each after the first finds it answered. `fn`'s edits take
   * the people lock on their own connections (a different key, never waited for while holding it: no deadlock).
   */
  answering<T>(videoId: string, fn: () => Promise<T>): Promise<T> {
    const db = this.db as PrismaClient;
    if (typeof db.$transaction !== 'function') throw new Error('PersonRepository.answering: already in a transaction');
    return inTurn(`answer:${videoId}`, () =>
      db.$transaction(
        async (tx) => {
          await tx.$queryRaw`SELECT pg_advisory_xact_lock(hashtext(${`keycast-answers:${videoId}`}))::text`;
          return fn();
        },
        { timeout: 120_000 },
      ),
    );
  }

  private lockedTransaction<T>(db: PrismaClient, tenantId: string, fn: (repo: PersonRepository) => Promise<T>): Promise<T> {
    return db.$transaction(
      async (tx) => {
        await tx.$queryRaw`SELECT pg_advisory_xact_lock(hashtext(${`keycast-people:${tenantId}`}))::text`;
        return fn(new PersonRepository(tx));
      },
      { timeout: 30_000 },
    );
  }

  /** The faces among `faceIds` (database keys) that belong to the tenant's videos. */
  async tenantFaces(faceIds: readonly number[], scope: TenantScope): Promise<FaceRef[]> {
    const valid = faceIds.filter((x) => Number.isSafeInteger(x) && x >= 1);
    if (valid.length === 0) return [];
    const rows = await this.db.face.findMany({
      where: { id: { in: ids(valid) }, video: { tenantId: scope.tenantId } },
      select: { id: true, publicId: true, videoId: true },
    });
    return rows.map((r) => ({ id: Number(r.id), publicId: r.publicId, videoId: r.videoId }));
  }

  /** The faces among `publicIds` that belong to the tenant's videos (the API's ids → database keys). */
  async tenantFacesByPublicId(publicIds: readonly string[], scope: TenantScope): Promise<FaceRef[]> {
    const valid = publicIds.filter(isUuid).map((x) => x.toLowerCase());
    if (valid.length === 0) return [];
    const rows = await this.db.face.findMany({
      where: { publicId: { in: valid }, video: { tenantId: scope.tenantId } },
      select: { id: true, publicId: true, videoId: true },
    });
    return rows.map((r) => ({ id: Number(r.id), publicId: r.publicId, videoId: r.videoId }));
  }

  async create(scope: TenantScope, name: string | null): Promise<string> {
    const r = await this.db.person.create({ data: { tenantId: scope.tenantId, name }, select: { id: true } });
    return r.id;
  }

  /** True when the person exists and is the tenant's. */
  async exists(id: string, scope: TenantScope): Promise<boolean> {
    if (!isUuid(id)) return false;
    return (await this.db.person.count({ where: { id, tenantId: scope.tenantId } })) > 0;
  }

  async get(id: string, scope?: TenantScope): Promise<PersonRecord | null> {
    if (!isUuid(id)) return null;
    const p = await this.db.person.findFirst({ where: { id, ...(scope ? { tenantId: scope.tenantId } : {}) } });
    if (!p) return null;
    return (await this.withConstraints([p]))[0];
  }

  /** The tenant's people, newest first; keyset cursor. */
  async list(scope: TenantScope, { limit, cursor }: { limit: number; cursor?: string | null }): Promise<Page<PersonRecord>> {
    const after = cursor ? decodeCursor<[string, string]>(cursor, isPeopleKey) : null;
    const at = after ? new Date(after[0]) : null;
    const rows = await this.db.person.findMany({
      where: { tenantId: scope.tenantId, ...(after && at ? { OR: [{ createdAt: { lt: at } }, { createdAt: at, id: { lt: after[1] } }] } : {}) },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: limit + 1,
    });
    const more = rows.length > limit;
    const items = await this.withConstraints(rows.slice(0, limit));
    const last = items[items.length - 1];
    return { items, nextCursor: more && last ? encodeCursor([last.createdAt.toISOString(), last.id]) : null };
  }

  private async withConstraints(people: { id: string; tenantId: string; name: string | null; createdAt: Date; updatedAt: Date }[]): Promise<PersonRecord[]> {
    if (people.length === 0) return [];
    const personIds = people.map((p) => p.id);
    const [faces, rejected] = await Promise.all([
      this.db.personFace.findMany({
        where: { personId: { in: personIds } },
        select: { personId: true, faceId: true, videoId: true, face: { select: { publicId: true } } },
        orderBy: { faceId: 'asc' },
      }),
      this.db.personRejection.findMany({
        where: { personId: { in: personIds } },
        select: { personId: true, faceId: true, videoId: true, face: { select: { publicId: true } } },
        orderBy: { faceId: 'asc' },
      }),
    ]);
    return people.map((p) => {
      const mine = stillThere(faces).filter((f) => f.personId === p.id);
      const perVideo = new Map<string, number>();
      for (const f of mine) perVideo.set(f.videoId, (perVideo.get(f.videoId) ?? 0) + 1);
      return {
        id: p.id,
        tenantId: p.tenantId,
        name: p.name,
        faces: mine.map((f) => ({ id: Number(f.faceId), publicId: f.face.publicId, videoId: f.videoId })),
        rejected: stillThere(rejected)
          .filter((r) => r.personId === p.id)
          .map((r) => ({ id: Number(r.faceId), publicId: r.face.publicId, videoId: r.videoId })),
        videos: [...perVideo.entries()].sort((a, b) => a[0].localeCompare(b[0])).map(([id, n]) => ({ id, faces: n })),
        createdAt: p.createdAt,
        updatedAt: p.updatedAt,
      };
    });
  }

  async rename(id: string, name: string | null): Promise<void> {
    await this.db.person.update({ where: { id }, data: { name, updatedAt: new Date() } });
  }

  async touch(personIds: readonly string[]): Promise<void> {
    if (personIds.length) await this.db.person.updateMany({ where: { id: { in: [...personIds] } }, data: { updatedAt: new Date() } });
  }

  async delete(id: string): Promise<void> {
    await this.db.person.deleteMany({ where: { id } });
  }

  /** Current owners of confirmed faces: face id → person id. */
  async ownersOf(faceIds: readonly number[]): Promise<Map<number, string>> {
    if (faceIds.length === 0) return new Map();
    const rows = await this.db.personFace.findMany({ where: { faceId: { in: ids(faceIds) } }, select: { faceId: true, personId: true } });
    return new Map(rows.map((r) => [Number(r.faceId), r.personId]));
  }

  /** Makes `faces` confirmed for `personId` (a face's previous person loses it: one row per face). */
  async confirm(personId: string, faces: readonly FaceRef[]): Promise<void> {
    if (faces.length === 0) return;
    await this.db.$executeRaw`
      INSERT INTO person_faces (face_id, person_id, video_id)
      SELECT f, ${personId}::uuid, v FROM unnest(${ids(faces.map((x) => x.id))}::bigint[], ${faces.map((x) => x.videoId)}::uuid[]) AS t(f, v)
      ON CONFLICT (face_id) DO UPDATE SET person_id = EXCLUDED.person_id, created_at = now()`;
  }

  /** Drops confirmations of `faceIds` for `personId` (others' stay). Returns how many went. */
  async unconfirm(personId: string, faceIds: readonly number[]): Promise<number> {
    if (faceIds.length === 0) return 0;
    return (await this.db.personFace.deleteMany({ where: { personId, faceId: { in: ids(faceIds) } } })).count;
  }

  async reject(personId: string, faces: readonly FaceRef[]): Promise<void> {
    if (faces.length === 0) return;
    await this.db.personRejection.createMany({ data: faces.map((f) => ({ personId, faceId: BigInt(f.id), videoId: f.videoId })), skipDuplicates: true });
  }

  async unreject(personId: string, faceIds: readonly number[]): Promise<number> {
    if (faceIds.length === 0) return 0;
    return (await this.db.personRejection.deleteMany({ where: { personId, faceId: { in: ids(faceIds) } } })).count;
  }

  /**
   * Moves everything of `from` onto `into`: confirmed faces, rejections, history. After the move a face `into`
   * confirms is not rejected from it, whichever of the merged people rejected it: `into`'s own rejection of a face
   * one of `from` confirmed goes too (it stayed before, and the kept person held the face both confirmed and
   * rejected). `from` people themselves are deleted by the caller.
   */
  async moveAll(from: readonly string[], into: string): Promise<void> {
    if (from.length === 0) return;
    const src = [...from];
    await this.db.personFace.updateMany({ where: { personId: { in: src } }, data: { personId: into } });
    await this.db.$executeRaw`
      INSERT INTO person_rejections (person_id, face_id, video_id, created_at)
      SELECT ${into}::uuid, r.face_id, r.video_id, r.created_at FROM person_rejections r
      WHERE r.person_id = ANY(${src}::uuid[])
      ON CONFLICT DO NOTHING`;
    await this.db.personRejection.deleteMany({ where: { personId: { in: src } } });
    await this.db.$executeRaw`
      DELETE FROM person_rejections r USING person_faces pf
      WHERE r.person_id = ${into}::uuid AND pf.person_id = ${into}::uuid AND pf.face_id = r.face_id`;
    await this.db.personEvent.updateMany({ where: { personId: { in: src } }, data: { personId: into } });
  }

  /** Videos where the people have a confirmed or rejected face. */
  async videosOf(personIds: readonly string[]): Promise<string[]> {
    if (personIds.length === 0) return [];
    const p = [...personIds];
    const [a, b] = await Promise.all([
      this.db.personFace.findMany({ where: { personId: { in: p } }, select: { videoId: true }, distinct: ['videoId'] }),
      this.db.personRejection.findMany({ where: { personId: { in: p } }, select: { videoId: true }, distinct: ['videoId'] }),
    ]);
    return [...new Set([...a, ...b].map((r) => r.videoId))].sort();
  }

  async addEvents(events: readonly NewPersonEvent[]): Promise<number[]> {
    const out: number[] = [];
    for (const e of events) {
      const r = await this.db.personEvent.create({
        data: { personId: e.personId, keyId: e.keyId, action: e.action, detail: e.detail as Prisma.InputJsonObject },
        select: { id: true },
      });
      out.push(Number(r.id));
    }
    return out;
  }

  /** A person's history, oldest first; keyset cursor on the event order, naming the last event by its public id. */
  async history(personId: string, { limit, cursor }: { limit: number; cursor?: string | null }): Promise<Page<PersonEventRecord>> {
    const after = cursor ? decodeCursor<[string]>(cursor, (x) => Array.isArray(x) && x.length === 1 && typeof x[0] === 'string' && isUuid(x[0])) : null;
    const last = after ? await this.db.personEvent.findUnique({ where: { publicId: after[0] }, select: { id: true } }) : null;
    if (after && !last) throw new KeycastError('INVALID_OPTION', 'cursor is not a cursor returned by this API');
    const rows = await this.db.personEvent.findMany({
      where: { personId, ...(last ? { id: { gt: last.id } } : {}) },
      orderBy: { id: 'asc' },
      take: limit + 1,
    });
    const more = rows.length > limit;
    const items = rows.slice(0, limit).map((r) => ({
      id: Number(r.id),
      publicId: r.publicId,
      personId: r.personId,
      keyId: r.keyId,
      action: r.action,
      detail: r.detail as Record<string, unknown>,
      createdAt: r.createdAt,
    }));
    const end = items[items.length - 1];
    return { items, nextCursor: more && end ? encodeCursor([end.publicId]) : null };
  }

  /**
   * What the tenant's people look like now, in one cheap row: changes with every person edit (created,
   * deleted, renamed or given faces: updated_at is touched) and with every confirmed face that goes
   * (a deleted video's faces leave person_faces by cascade). Recognition rebuilds its gallery when it changes.
   */
  async recognitionStamp(tenantId: string): Promise<string> {
    const [r] = await this.db.$queryRaw<{ people: bigint; faces: bigint; updated: Date | null }[]>`
      SELECT count(DISTINCT p.id) AS people, count(pf.face_id) AS faces, max(p.updated_at) AS updated
      FROM people p LEFT JOIN person_faces pf ON pf.person_id = p.id WHERE p.tenant_id = ${tenantId}::uuid`;
    return `${r.people}:${r.faces}:${r.updated?.getTime() ?? 0}`;
  }

  /** The tenant's people with their confirmed faces' descriptors in ready videos (people without such faces are left out). */
  async confirmedDescriptors(tenantId: string): Promise<PersonDescriptors[]> {
    const rows = await this.db.$queryRaw<{ id: string; name: string | null; face_vec: Uint8Array; descriptor_version: number }[]>`
      SELECT p.id::text AS id, p.name, f.face_vec, f.descriptor_version
      FROM people p JOIN person_faces pf ON pf.person_id = p.id JOIN faces f ON f.id = pf.face_id JOIN videos v ON v.id = pf.video_id
      WHERE p.tenant_id = ${tenantId}::uuid AND v.status = 'ready'
      ORDER BY p.id, pf.face_id`;
    const people = new Map<string, PersonDescriptors>();
    for (const r of rows) {
      let p = people.get(r.id);
      if (!p) people.set(r.id, (p = { id: r.id, name: r.name, faces: [], versions: [] }));
      p.faces.push(bytesToFloat32(r.face_vec));
      p.versions.push(r.descriptor_version);
    }
    return [...people.values()];
  }

  /** Every person with a confirmed or rejected face in the video, with those faces (the clustering's constraints). */
  async constraintsForVideo(videoId: string): Promise<VideoPersonConstraints[]> {
    // One statement for the confirmed and the rejected faces and their people's names: every re-cut reads it.
    const rows = await this.db.$queryRaw<{ person_id: string; name: string | null; face_id: bigint; rejected: boolean }[]>`
      SELECT x.person_id::text AS person_id, p.name, x.face_id, x.rejected
      FROM (SELECT person_id, face_id, false AS rejected FROM person_faces WHERE video_id = ${videoId}::uuid
            UNION ALL SELECT person_id, face_id, true FROM person_rejections WHERE video_id = ${videoId}::uuid) x
      LEFT JOIN people p ON p.id = x.person_id`;
    const byId = new Map<string, VideoPersonConstraints>();
    for (const r of rows) {
      let p = byId.get(r.person_id);
      if (!p) byId.set(r.person_id, (p = { id: r.person_id, name: r.name ?? null, faces: [], rejected: [] }));
      (r.rejected ? p.rejected : p.faces).push(Number(r.face_id));
    }
    return [...byId.keys()].sort().map((id) => {
      const p = byId.get(id)!;
      p.faces.sort((a, b) => a - b);
      p.rejected.sort((a, b) => a - b);
      return p;
    });
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
function isUuid(s: string): boolean {
  return UUID.test(s);
}
