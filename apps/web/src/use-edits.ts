import { useState } from 'preact/hooks';
import { displayName } from './character.js';
import type { Character, CharacterFaces } from './cluster-faces.js';
import { people, personOf, recordEdit, type Edit, type FaceId, type PersonId } from './people.js';
import type { Session } from './session.js';

/**
 * The corrections of the review (rename, merge, split, move, remove, accept or decline a suggestion) through the
 * people routes, and their undo. An edit that confirms or excludes a whole character first fetches its faces
 * (`faces`: a slider step's answer holds only a handful of each). `saved` runs after each edit that succeeded, `done` after every edit and undo (a re-cut).
 */
export function useEdits(
  session: Session,
  faces: CharacterFaces | null,
  report: { status: (s: string) => void; error: (e: string | null) => void; saved: () => void; done: () => void },
) {
  const [undo, setUndo] = useState<Edit[]>([]);
  const [busy, setBusy] = useState(false);
  const client = session.client;
  const whole = (c: Character) => (faces ? faces.whole(c) : Promise.resolve(c));
  const ids = async (c: Character) => (await whole(c)).faces;

  async function edit(label: string, touched: (PersonId | undefined)[], run: (created: PersonId[]) => Promise<void>): Promise<boolean> {
    setBusy(true);
    try {
      const e = await recordEdit(
        client,
        label,
        touched.filter((x): x is PersonId => x !== undefined),
        run,
      );
      setUndo((u) => [...u.slice(-19), e]);
      report.status(`Saved: ${label}.`);
      report.error(null);
      report.saved();
      return true;
    } catch (e) {
      report.error(session.fail(e));
      return false;
    } finally {
      setBusy(false);
      report.done();
    }
  }

  async function undoLast() {
    const last = undo[undo.length - 1];
    if (!last) return;
    setBusy(true);
    try {
      await last.undo(client);
      setUndo((u) => u.slice(0, -1));
      report.status(`Undone: ${last.label}.`);
      report.error(null);
    } catch (e) {
      report.error(session.fail(e));
    } finally {
      setBusy(false);
      report.done();
    }
  }

  const rename = (c: Character, name: string) =>
    edit(`rename ${displayName(c)} to ${name}`, [c.person?.id], async (created) => {
      if (c.person) await people.rename(client, c.person.id, name);
      else await personOf(client, await whole(c), created, name);
    });

  /** Merges the characters; the named one (if any) keeps its name and id. */
  const merge = (chosen: Character[]) => {
    const sorted = [...chosen].sort((a, b) => Number(Boolean(b.person?.name)) - Number(Boolean(a.person?.name)));
    return edit(
      `merge ${sorted.map(displayName).join(' + ')}`,
      sorted.map((c) => c.person?.id),
      async (created) => {
        const merged: PersonId[] = [];
        for (const c of sorted) merged.push(await personOf(client, await whole(c), created));
        await people.merge(client, merged[0], merged.slice(1));
      },
    );
  };

  const split = (c: Character, part: FaceId[]) =>
    edit(`split ${part.length} faces from ${displayName(c)}`, [c.person?.id], async (created) => {
      const rest = (await ids(c)).filter((f) => !part.includes(f));
      const p = await people.create(client, { faces: part, exclude: rest });
      created.push(p.id);
    });

  // Accepting a suggestion confirms the cluster's faces for that person; declining rejects its representative face
  // from the person, which the API then never suggests for a cluster holding it.
  const acceptSuggestion = (c: Character) => {
    const s = c.suggestion;
    if (!s) return Promise.resolve(false);
    return edit(`accept ${s.person.name || 'suggestion'}`, [s.person.id], async () => {
      await people.confirm(client, s.person.id, await ids(c));
    });
  };
  const declineSuggestion = (c: Character) => {
    const s = c.suggestion;
    if (!s) return Promise.resolve(false);
    return edit(`decline ${s.person.name || 'suggestion'}`, [s.person.id], async () => {
      await people.reject(client, s.person.id, c.representative);
    });
  };

  const move = (c: Character, part: FaceId[], to: Character) =>
    edit(`move ${part.length} faces to ${displayName(to)}`, [c.person?.id, to.person?.id], async (created) => {
      const id = await personOf(client, await whole(to), created);
      await people.confirm(client, id, part);
    });

  const removeFaces = (c: Character, part: FaceId[]) =>
    edit(`remove ${part.length} faces from ${displayName(c)}`, [c.person?.id], async (created) => {
      if (c.person) {
        for (const f of part) await people.reject(client, c.person.id, f);
        return;
      }
      const p = await people.create(client, { faces: (await ids(c)).filter((f) => !part.includes(f)), exclude: part });
      created.push(p.id);
    });

  return { busy, undo, undoLast, rename, merge, split, acceptSuggestion, declineSuggestion, move, removeFaces };
}
