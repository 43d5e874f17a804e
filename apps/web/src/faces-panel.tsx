import { useEffect, useState } from 'preact/hooks';
import { displayName } from './character.js';
import type { Character, CharacterFace, CharacterFaces } from './cluster-faces.js';
import type { FaceId } from './people.js';
import { clock } from './format.js';
import { mediaUrl, type Session } from './session.js';
import { VirtualGrid } from './virtual-grid.js';

/** One character's faces (fetched when it opens), to split it, move faces to another character or remove them from it. */
export function FacesPanel({
  session,
  character: c,
  others,
  faces,
  busy,
  onClose,
  onSplit,
  onMove,
  onRemove,
}: {
  session: Session;
  character: Character;
  others: Character[];
  faces: CharacterFaces;
  busy: boolean;
  onClose: () => void;
  onSplit: (part: FaceId[]) => void;
  onMove: (part: FaceId[], to: Character) => void;
  onRemove: (part: FaceId[]) => void;
}) {
  const [picked, setPicked] = useState<FaceId[]>([]);
  const [list, setList] = useState<CharacterFace[] | null>(null);
  const [failed, setFailed] = useState<string | null>(null);
  useEffect(() => {
    let gone = false;
    faces.faces(c).then(
      (l) => !gone && setList(l),
      (e: Error) => !gone && setFailed(e.message),
    );
    return () => {
      gone = true;
    };
  }, [faces, c.id]);
  const [target, setTarget] = useState<FaceId | null>(others[0]?.representative ?? null);
  const name = displayName(c);
  const to = others.find((o) => o.representative === target) ?? null;
  const none = busy || picked.length === 0;

  return (
    <section class="card" aria-label={`Faces of ${name}`}>
      <div class="toolbar">
        <h2>
          Faces of {name} ({c.size})
        </h2>
        <button type="button" onClick={onClose}>
          Close faces
        </button>
      </div>
      {failed && (
        <p class="banner error" role="alert">
          {failed}
        </p>
      )}
      {!list && !failed && <p role="status">Loading the faces…</p>}
      <VirtualGrid
        items={list ?? []}
        tile={96}
        height={300}
        label={`Faces of ${name}`}
        render={({ id, t }, index) => {
          const label = `Face ${index + 1} at ${clock(t)}`;
          return (
            <label class="face-tile">
              <input
                type="checkbox"
                checked={picked.includes(id)}
                aria-label={`Select ${label}`}
                onChange={(e) => setPicked((p) => ((e.target as HTMLInputElement).checked ? [...p, id] : p.filter((x) => x !== id)))}
              />
              <img src={mediaUrl(session, `/faces/${id}/thumbnail`)} alt={label} width={72} height={72} loading="lazy" decoding="async" />
            </label>
          );
        }}
      />
      <div class="edit-actions">
        <span class="muted">{picked.length} selected</span>
        <button type="button" disabled={none || picked.length === c.size} onClick={() => onSplit(picked)}>
          Split selected into a new person
        </button>
        <button type="button" disabled={none} onClick={() => onRemove(picked)}>
          Remove selected from {name}
        </button>
        {others.length > 0 && (
          <>
            <label for="move-target">Move to</label>
            <select id="move-target" value={target ?? ''} onChange={(e) => setTarget((e.target as HTMLSelectElement).value)}>
              {others.map((o) => (
                <option key={o.representative} value={o.representative}>
                  {displayName(o)} · first at {clock(o.first_t)} ({o.size} faces)
                </option>
              ))}
            </select>
            <button type="button" disabled={none || !to} onClick={() => to && onMove(picked, to)}>
              Move selected
            </button>
          </>
        )}
      </div>
    </section>
  );
}
