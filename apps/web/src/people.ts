// Corrections through the people routes (issue 11: POST/GET/PATCH/DELETE /people, /people/:id/faces,
// /people/:id/merge), with the generated SDK's typed functions.
import {
  deletePeopleById,
  deletePeopleByIdFacesByFaceId,
  getPeopleById,
  patchPeopleById,
  postPeople,
  postPeopleByIdFaces,
  postPeopleByIdMerge,
  type Client,
  type Person,
} from '../../../libs/sdk/index.js';
import { unwrap } from './api.js';

export type PersonId = string;
/** A face's public id (the API's face ids are UUIDs). */
export type FaceId = string;

export const people = {
  create: (client: Client, p: { name?: string | null; faces: FaceId[]; exclude?: FaceId[] }) =>
    unwrap(postPeople({ client, body: { ...(p.name ? { name: p.name } : {}), faces: p.faces, ...(p.exclude?.length ? { exclude: p.exclude } : {}) } })),
  get: (client: Client, id: PersonId) => unwrap(getPeopleById({ client, path: { id } })),
  rename: (client: Client, id: PersonId, name: string | null) => unwrap(patchPeopleById({ client, path: { id }, body: { name } })),
  remove: (client: Client, id: PersonId) => unwrap(deletePeopleById({ client, path: { id } })),
  confirm: (client: Client, id: PersonId, faces: FaceId[]) => unwrap(postPeopleByIdFaces({ client, path: { id }, body: { faces } })),
  reject: (client: Client, id: PersonId, faceId: FaceId) => unwrap(deletePeopleByIdFacesByFaceId({ client, path: { id, faceId } })),
  merge: (client: Client, id: PersonId, others: PersonId[]) => unwrap(postPeopleByIdMerge({ client, path: { id }, body: { people: others } })),
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
  const before: Person[] = await Promise.all([...new Set(touched.map(String))].map((id) => people.get(c, id)));
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
