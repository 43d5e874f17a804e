import { readFile } from 'node:fs/promises';
import { KeycastError } from '../../libs/config/index.js';
import { peopleInVideo, type PersonConstraint } from '../../libs/flow/index.js';

export type PeopleFileEntry = PersonConstraint & { name?: string | null };

const isIds = (x: unknown): x is number[] => Array.isArray(x) && x.every((v) => Number.isSafeInteger(v) && v >= 0);

/**
 * `keycast recluster --people FILE`: `{"people": [{"id": "ada", "name"?: "Ada", "faces": [3, 7], "rejected"?: [9]}]}`
 * with face ids of DIR/fingerprints.json. The same semantics as the API's people (libs/flow people.ts):
 * contradictions (a face confirmed for two people, or confirmed and rejected for one) are INVALID_FILE.
 */
export async function loadPeopleFile(path: string, faces: readonly { id: number }[]): Promise<PeopleFileEntry[]> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw new KeycastError('INVALID_FILE', `--people ${path}: ${(e as Error).message}`);
  }
  const list = (raw as { people?: unknown })?.people;
  if (!Array.isArray(list)) throw new KeycastError('INVALID_FILE', `--people ${path}: expected {"people": [...]}`);
  const ids = new Set<string>();
  const people = list.map((p: unknown, i): PeopleFileEntry => {
    const o = p as Record<string, unknown>;
    const where = `--people ${path}: people[${i}]`;
    if (typeof o?.id !== 'string' || o.id === '') throw new KeycastError('INVALID_FILE', `${where}.id must be a non-empty string`);
    if (ids.has(o.id)) throw new KeycastError('INVALID_FILE', `${where}.id ${o.id} appears twice`);
    ids.add(o.id);
    if (!isIds(o.faces)) throw new KeycastError('INVALID_FILE', `${where}.faces must be an array of face ids`);
    if (o.rejected !== undefined && !isIds(o.rejected)) throw new KeycastError('INVALID_FILE', `${where}.rejected must be an array of face ids`);
    if (o.name !== undefined && o.name !== null && typeof o.name !== 'string') throw new KeycastError('INVALID_FILE', `${where}.name must be a string`);
    return { id: o.id, name: o.name ?? null, faces: o.faces, rejected: o.rejected ?? [] };
  });
  const known = new Set(faces.map((f) => f.id));
  for (const p of people) {
    const unknown = [...p.faces, ...(p.rejected ?? [])].find((f) => !known.has(f));
    if (unknown !== undefined) throw new KeycastError('INVALID_FILE', `--people ${path}: person ${p.id}: no face ${unknown} in fingerprints.json`);
  }
  try {
    peopleInVideo(faces, people);
  } catch (e) {
    throw new KeycastError('INVALID_FILE', `--people ${path}: ${(e as Error).message}`);
  }
  return people;
}
