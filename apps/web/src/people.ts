// Corrections through the people routes (issue 11: POST/GET/PATCH/DELETE /people, /people/:id/faces, /people/:id/merge).
// Calls go through the SDK's client with its bearer auth; once those routes are in the OpenAPI document the generated
// functions replace `request` one for one.
import type { Client } from '../../../libs/sdk/index.js';
import { unwrap } from './api.js';

export type PersonId = string | number;
/** A face's public id (the API's face ids are UUIDs). */
export type FaceId = string;

export interface Person {
  id: PersonId;
  name: string | null;
  /** Confirmed faces. */
  faces: FaceId[];
  /** Faces rejected from this person. */
  rejected: FaceId[];
}

const BEARER = [{ scheme: 'bearer' as const, type: 'http' as const }];

function request<T>(client: Client, method: 'get' | 'post' | 'patch' | 'delete', url: string, body?: unknown): Promise<T> {
  const opts = {
    url,
    security: BEARER,
    ...(body !== undefined ? { body, headers: { 'Content-Type': 'application/json' } } : {}),
  };
  return unwrap(client[method]<Record<number, T>, unknown, false>(opts) as Promise<{ data?: T; error?: unknown; response?: Response }>);
}

const path = (id: PersonId) => `/people/${encodeURIComponent(String(id))}`;

export const people = {
  create: (c: Client, p: { name?: string | null; faces: FaceId[]; exclude?: FaceId[] }) =>
    request<Person>(c, 'post', '/people', { ...(p.name ? { name: p.name } : {}), faces: p.faces, ...(p.exclude?.length ? { exclude: p.exclude } : {}) }),
  get: (c: Client, id: PersonId) => request<Person>(c, 'get', path(id)),
  rename: (c: Client, id: PersonId, name: string | null) => request<Person>(c, 'patch', path(id), { name }),
  remove: (c: Client, id: PersonId) => request<unknown>(c, 'delete', path(id)),
  confirm: (c: Client, id: PersonId, faces: FaceId[]) => request<Person>(c, 'post', `${path(id)}/faces`, { faces }),
  reject: (c: Client, id: PersonId, face: FaceId) => request<unknown>(c, 'delete', `${path(id)}/faces/${encodeURIComponent(face)}`),
  merge: (c: Client, id: PersonId, others: PersonId[]) => request<Person>(c, 'post', `${path(id)}/merge`, { people: others }),
};

/** A character as the clusters route shows it once people exist. */
export interface CharacterRef {
  faces: FaceId[];
  person?: { id: PersonId; name: string | null } | null;
}

/** The character's person, created from its faces when it has none yet (naming or moving into an unnamed cluster). */
export async function personOf(c: Client, ch: CharacterRef, created: PersonId[], name?: string | null): Promise<PersonId> {
  if (ch.person) return ch.person.id;
  const p = await people.create(c, { name, faces: ch.faces });
  created.push(p.id);
  return p.id;
}

/**
 * One edit and how to take it back. The API keeps no undo of its own, so the page keeps the state of every person an
 * edit touches, taken just before it, and undo puts those people back: people the edit created are deleted; a person
 * that only lost faces or changed name gets them back in place; one that gained faces or rejections (which no route
 * takes back one by one) or was merged away is made again from its saved state, under a new id.
 */
export interface Edit {
  label: string;
  undo(c: Client): Promise<void>;
}

export async function recordEdit(c: Client, label: string, touched: PersonId[], run: (created: PersonId[]) => Promise<void>): Promise<Edit> {
  const before = await Promise.all([...new Set(touched.map(String))].map((id) => people.get(c, id)));
  const created: PersonId[] = [];
  await run(created);
  return {
    label,
    async undo(client) {
      for (const id of created) await people.remove(client, id).catch(() => undefined);
      for (const saved of before) {
        const now = await people.get(client, saved.id).catch(() => null);
        const gained = now && (now.faces.some((f) => !saved.faces.includes(f)) || now.rejected.some((f) => !saved.rejected.includes(f)));
        if (now && !gained) {
          if (now.name !== saved.name) await people.rename(client, saved.id, saved.name);
          const missing = saved.faces.filter((f) => !now.faces.includes(f));
          if (missing.length) await people.confirm(client, saved.id, missing);
          continue;
        }
        if (now) await people.remove(client, saved.id);
        await people.create(client, { name: saved.name, faces: saved.faces, exclude: saved.rejected });
      }
    },
  };
}
