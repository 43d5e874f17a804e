import { randomUUID } from 'node:crypto';
import { KeycastError, cleanDisplayText } from '../config/index.js';
import type { FaceRef, Page, PersonEventRecord, PersonRecord, PersonRepository, Store, TenantScope } from '../store/index.js';
import type { ClusterService } from './cluster.service.js';
import type { ErasureBroadcast } from './erasure-broadcast.js';

/** Who edits: the tenant (scope) and the API key (recorded in the history; null from the CLI or an admin). */
export interface Actor {
  scope: TenantScope;
  keyId: string | null;
}

/** One recorded change of a person, for notifications (person.updated webhooks). */
export interface PersonChange {
  personId: string;
  /** Unique per change: receivers deduplicate on it. */
  eventId: string;
  action: PersonAction;
  /** Videos whose constraints changed (or that hold the person's faces, for a rename or deletion). */
  videoIds: string[];
}

export const PERSON_ACTIONS = ['created', 'renamed', 'faces_confirmed', 'faces_moved_out', 'face_rejected', 'merged', 'deleted'] as const;
export type PersonAction = (typeof PERSON_ACTIONS)[number];

export interface NewPersonInput {
  name?: string | null;
  faces: readonly number[];
  exclude?: readonly number[];
}

export interface PersonServiceOptions {
  /** Re-clustering service whose in-memory linkages of a video are dropped when its constraints change. */
  clusters?: ClusterService;
  /** Called after each committed edit with its changes (e.g. queues person.updated webhooks); failures are the callee's to handle. */
  notify?: (changes: PersonChange[]) => Promise<void>;
  /** The process's erasure broadcast: a deleted person's exemplars leave every process's gallery at once. */
  erasures?: ErasureBroadcast;
}

const uniq = (xs: readonly number[]) => [...new Set(xs)];

/**
 * A person's name as kept: display text by the rule file names follow (cleanDisplayText: no control or bidi
 * characters, trimmed); null stays "no name", and a name with nothing visible in it is refused.
 */
function personName(raw: string | null): string | null {
  if (raw === null) return null;
  const name = cleanDisplayText(raw);
  if (name === '') throw new KeycastError('INVALID_OPTION', 'name must have a visible character (or be null for no name)');
  return name;
}
/** Faces as the history records them: their public ids (what users see; the database key never leaves the service). */
const pub = (fs: readonly FaceRef[]) => fs.map((f) => f.publicId);

/**
 * People and corrections (DESIGN.md): the rules over the people repository. A confirmed face belongs
 * to one person: confirming it for one takes it from any other. Rejecting a face from a person drops
 * its confirmation there. A merge moves the others' faces, rejections and history onto the kept
 * person. Every edit is one transaction (serialised per tenant), recorded in the person's history with
 * the API key that made it, drops the cached linkages that depended on the old constraints of the
 * videos involved (the linkage key carries a fingerprint of the constraints, so a stale tree is never
 * used anyway; this frees them), and is announced through `notify` once committed.
 */
export class PersonService {
  constructor(
    private readonly store: Store,
    private readonly opts: PersonServiceOptions = {},
  ) {}

  private get repo(): PersonRepository {
    return this.store.people;
  }

  async get(actor: Actor, id: string): Promise<PersonRecord> {
    const p = await this.repo.get(id, actor.scope);
    if (!p) throw new KeycastError('NOT_FOUND', `no person ${id}`);
    return p;
  }

  list(actor: Actor, page: { limit: number; cursor?: string | null }): Promise<Page<PersonRecord>> {
    return this.repo.list(actor.scope, page);
  }

  async history(actor: Actor, id: string, page: { limit: number; cursor?: string | null }): Promise<Page<PersonEventRecord>> {
    if (!(await this.repo.exists(id, actor.scope))) throw new KeycastError('NOT_FOUND', `no person ${id}`);
    return this.repo.history(id, page);
  }

  /** A new person with `faces` confirmed (taken from any other person) and `exclude` rejected: a name, or a split (the part and the rest). */
  async create(actor: Actor, input: NewPersonInput): Promise<PersonRecord> {
    const name = personName(input.name ?? null);
    const faces = uniq(input.faces);
    const exclude = uniq(input.exclude ?? []);
    const [confirm, reject] = await Promise.all([this.tenantFaces(actor, faces), this.tenantFaces(actor, exclude)]);
    // Named by its public id: the database key never leaves the service (it would tell a tenant others' volume).
    const both = confirm.find((f) => exclude.includes(f.id));
    if (both !== undefined) throw new KeycastError('INVALID_OPTION', `face ${both.publicId} is both in faces and in exclude`);
    return this.edit(actor, async (repo, log) => {
      const id = await repo.create(actor.scope, name);
      log(
        id,
        'created',
        { name, faces: pub(confirm), exclude: pub(reject) },
        [...confirm, ...reject].map((f) => f.videoId),
      );
      await this.moveFaces(repo, id, confirm, log, false);
      await repo.reject(id, reject);
      return id;
    });
  }

  async rename(actor: Actor, id: string, newName: string | null): Promise<PersonRecord> {
    const name = personName(newName);
    return this.edit(actor, async (repo, log) => {
      const before = await this.mustGet(repo, id, actor);
      await repo.rename(id, name);
      log(
        id,
        'renamed',
        { from: before.name, to: name },
        before.videos.map((v) => v.id),
        false,
      );
      return id;
    });
  }

  async delete(actor: Actor, id: string): Promise<void> {
    await this.edit(actor, async (repo, log) => {
      const before = await this.mustGet(repo, id, actor);
      const videos = await repo.videosOf([id]);
      // The event is announced, not kept: the history goes with the person.
      log(id, 'deleted', { name: before.name, faces: pub(before.faces), rejected: pub(before.rejected) }, videos, true, false);
      await repo.delete(id);
      return null;
    });
    await this.opts.erasures?.erased({ tenant: actor.scope.tenantId, videos: [] });
  }

  /** Confirms (moves) faces to the person: they leave any other person, and are no longer rejected from this one. */
  async confirm(actor: Actor, id: string, faceIds: readonly number[]): Promise<PersonRecord> {
    const faces = await this.tenantFaces(actor, uniq(faceIds));
    return this.edit(actor, async (repo, log) => {
      await this.mustGet(repo, id, actor);
      await this.moveFaces(repo, id, faces, log, true);
      return id;
    });
  }

  /** Rejects a face from the person: not theirs (its confirmation there, if any, goes). */
  async reject(actor: Actor, id: string, faceId: number): Promise<PersonRecord> {
    const [face] = await this.tenantFaces(actor, [faceId]);
    return this.edit(actor, async (repo, log) => {
      await this.mustGet(repo, id, actor);
      const wasConfirmed = (await repo.unconfirm(id, [face.id])) > 0;
      await repo.reject(id, [face]);
      log(id, 'face_rejected', { face: face.publicId, was_confirmed: wasConfirmed }, [face.videoId]);
      return id;
    });
  }

  /** Merges `others` into `id`: their faces, rejections and history move; they are gone. */
  async merge(actor: Actor, id: string, others: readonly string[]): Promise<PersonRecord> {
    // Ids are UUIDs, compared as such: the same person in another case is still itself.
    const into = id.toLowerCase();
    const from = [...new Set(others.map((o) => o.toLowerCase()))];
    if (from.includes(into)) throw new KeycastError('INVALID_OPTION', `person ${id} cannot be merged into itself`);
    return this.edit(actor, async (repo, log) => {
      await this.mustGet(repo, into, actor);
      for (const o of from) await this.mustGet(repo, o, actor);
      const videos = await repo.videosOf([into, ...from]);
      await repo.moveAll(from, into);
      for (const o of from) await repo.delete(o);
      log(into, 'merged', { people: from }, videos);
      return into;
    });
  }

  /** Faces of the caller's tenant; any other id (missing, another tenant's) is NOT_FOUND. */
  private async tenantFaces(actor: Actor, faceIds: readonly number[]): Promise<FaceRef[]> {
    const found = await this.repo.tenantFaces(faceIds, actor.scope);
    const have = new Set(found.map((f) => f.id));
    const missing = faceIds.find((f) => !have.has(f));
    if (missing !== undefined) throw new KeycastError('NOT_FOUND', 'a face of the request does not exist (deleted meanwhile)');
    return found;
  }

  private async mustGet(repo: PersonRepository, id: string, actor: Actor): Promise<PersonRecord> {
    const p = await repo.get(id, actor.scope);
    if (!p) throw new KeycastError('NOT_FOUND', `no person ${id}`);
    return p;
  }

  /** Confirms `faces` for `id`, taking them from their previous people (whose history records it). */
  private async moveFaces(repo: PersonRepository, id: string, faces: FaceRef[], log: Logger, record: boolean): Promise<void> {
    if (faces.length === 0) return;
    const owners = await repo.ownersOf(faces.map((f) => f.id));
    const fromOthers = new Map<string, FaceRef[]>();
    for (const f of faces) {
      const o = owners.get(f.id);
      if (o !== undefined && o !== id) fromOthers.set(o, [...(fromOthers.get(o) ?? []), f]);
    }
    await repo.confirm(id, faces);
    await repo.unreject(
      id,
      faces.map((f) => f.id),
    );
    for (const [o, fs] of fromOthers)
      log(
        o,
        'faces_moved_out',
        { faces: pub(fs), to: id },
        fs.map((f) => f.videoId),
      );
    await repo.touch([...fromOthers.keys()]);
    if (record)
      log(
        id,
        'faces_confirmed',
        { faces: pub(faces), from: Object.fromEntries([...fromOthers].map(([o, fs]) => [o, pub(fs)])) },
        faces.map((f) => f.videoId),
      );
  }

  /**
   * One edit: runs `fn` in a transaction with a logger of history events, then invalidates the linkages
   * of the videos whose constraints changed and notifies. Returns the person `fn` names (or undefined).
   */
  private async edit<T extends string | null>(
    actor: Actor,
    fn: (repo: PersonRepository, log: Logger) => Promise<T>,
  ): Promise<T extends string ? PersonRecord : undefined> {
    type Pending = { personId: string; action: PersonAction; detail: Record<string, unknown>; videoIds: string[]; constraints: boolean; keep: boolean };
    const pending: Pending[] = [];
    const log: Logger = (personId, action, detail, videoIds, constraints = true, keep = true) => {
      pending.push({ personId, action, detail, videoIds: [...new Set(videoIds)].sort(), constraints, keep });
    };
    const id = await this.repo.transaction(actor.scope.tenantId, async (repo) => {
      const id = await fn(repo, log);
      await repo.addEvents(pending.filter((p) => p.keep).map((p) => ({ personId: p.personId, keyId: actor.keyId, action: p.action, detail: p.detail })));
      if (id !== null) await repo.touch([id]);
      return id;
    });
    const changed = new Set(pending.filter((p) => p.constraints).flatMap((p) => p.videoIds));
    for (const v of changed) {
      await this.store.linkages.clearConstrained(v);
      this.opts.clusters?.forgetConstrainedLinkages(v);
    }
    if (this.opts.notify) await this.opts.notify(pending.map((p) => ({ personId: p.personId, action: p.action, videoIds: p.videoIds, eventId: randomUUID() })));
    return (id === null ? undefined : await this.get(actor, id)) as T extends string ? PersonRecord : undefined;
  }
}

type Logger = (personId: string, action: PersonAction, detail: Record<string, unknown>, videoIds: string[], constraints?: boolean, keep?: boolean) => void;
