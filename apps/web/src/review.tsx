import type { ComponentChildren } from 'preact';
import { useMemo, useRef, useState } from 'preact/hooks';
import type { Video } from '../../../libs/sdk/index.js';
import { CharacterItem } from './character.js';
import { CharacterList } from './character-list.js';
import { CharacterFaces, type Character, type Sim } from './cluster-faces.js';
import { ComputingNotice } from './computing-notice.js';
import { FacesPanel } from './faces-panel.js';
import type { FaceId, PersonId } from './people.js';
import { Player, playAt } from './player.js';
import type { Session } from './session.js';
import { SimControl } from './sim-control.js';
import { useEdits } from './use-edits.js';
import { useRecut } from './use-recut.js';

export type { Character, Sim } from './cluster-faces.js';

/**
 * A ready video's review: the player, the characters of the Similarity slider's cut (one request per step), and the
 * corrections. Each part is its own component; this one holds the state they share.
 */
export function Review({ session, video }: { session: Session; video: Video }) {
  const [sim, setSim] = useState<Sim>('auto');
  const [version, setVersion] = useState(0);
  const [status, setStatus] = useState('');
  const [selected, setSelected] = useState<FaceId[]>([]);
  // The open faces panel follows its person when it has one (an edit may move the face it was opened by), else that face.
  const [open, setOpen] = useState<{ person: PersonId | null; face: FaceId } | null>(null);
  const player = useRef<HTMLVideoElement>(null);
  const { result, computing, error, setError } = useRecut(session, video, sim, version);
  // The faces of this cut's characters, fetched when one is opened or edited (a new cut, a new holder).
  const faces = useMemo(() => (result ? new CharacterFaces(session.client, video.id, result.sim) : null), [result, session.client, video.id]);
  const edits = useEdits(session, faces, {
    status: setStatus,
    error: setError,
    saved: () => setSelected([]),
    done: () => setVersion((v) => v + 1),
  });

  const clusters = result?.clusters ?? null;
  const characters = useMemo(() => [...(clusters?.clusters ?? [])].sort((a, b) => b.screen_time_s - a.screen_time_s || b.size - a.size), [clusters]);
  const byFace = (face: FaceId | null) => characters.find((c) => c.representative === face || (face !== null && c.faces.includes(face))) ?? null;
  const openChar = (open?.person ? characters.find((c) => c.person?.id === open.person) : undefined) ?? byFace(open?.face ?? null);
  const duration = clusters?.video.duration_s ?? video.media?.duration_s ?? 0;
  const busy = edits.busy;

  return (
    <>
      <Player session={session} video={video} player={player} />
      <section class="card" aria-labelledby="characters-title">
        <div class="toolbar">
          <h2 id="characters-title">Characters</h2>
          <SimControl sim={sim} onChange={setSim} />
          <div class="edit-actions">
            <button
              type="button"
              disabled={busy || selected.length < 2}
              onClick={() => void edits.merge(characters.filter((c) => selected.includes(c.representative)))}
            >
              Merge selected ({selected.length})
            </button>
            <button type="button" disabled={busy || edits.undo.length === 0} onClick={() => void edits.undoLast()}>
              {edits.undo.length ? `Undo ${edits.undo[edits.undo.length - 1].label}` : 'Undo'}
            </button>
          </div>
        </div>
        <p class="sr-status" role="status" aria-live="polite">
          {status}
        </p>
        {error && (
          <p class="banner error" role="alert">
            {error}
          </p>
        )}
        {computing && <ComputingNotice computing={computing} />}
        <Characters
          clusters={clusters}
          cut={String(result?.sim ?? '')}
          characters={characters}
          showWaiting={!error && !computing}
          render={(c) => (
            <CharacterItem
              key={c.representative}
              session={session}
              character={c}
              duration={duration}
              busy={busy}
              selected={selected.includes(c.representative)}
              onSelect={(on) => setSelected((s) => (on ? [...s, c.representative] : s.filter((x) => x !== c.representative)))}
              onRename={(name) => void edits.rename(c, name)}
              onPlay={(at) => playAt(player.current, at)}
              facesOpen={openChar === c}
              onToggleFaces={() => setOpen(openChar === c ? null : { person: c.person?.id ?? null, face: c.representative })}
              onAcceptSuggestion={() => void edits.acceptSuggestion(c)}
              onDeclineSuggestion={() => void edits.declineSuggestion(c)}
            />
          )}
        />
      </section>
      {openChar && faces && (
        <FacesPanel
          key={`${openChar.representative}:${version}`}
          session={session}
          character={openChar}
          others={characters.filter((c) => c !== openChar)}
          faces={faces}
          busy={busy}
          onClose={() => setOpen(null)}
          onSplit={(part) => void edits.split(openChar, part)}
          onMove={(part, to) => void edits.move(openChar, part, to)}
          onRemove={(part) => void edits.removeFaces(openChar, part)}
        />
      )}
    </>
  );
}

/** The list of characters, or why there is none (still clustering, no faces in the video). */
function Characters({
  clusters,
  cut,
  characters,
  showWaiting,
  render,
}: {
  clusters: { face_count: number; unclustered_count: number } | null;
  cut: string;
  characters: Character[];
  showWaiting: boolean;
  render: (c: Character) => ComponentChildren;
}) {
  if (!clusters) return showWaiting ? <p role="status">Clustering…</p> : null;
  if (clusters.face_count === 0)
    return (
      <p class="banner info" role="status">
        No faces were found in this video, so it has no characters.
      </p>
    );
  return (
    <>
      <p class="muted">
        {characters.length} characters · {clusters.face_count} faces · {clusters.unclustered_count} faces in no character (too few to count)
      </p>
      <CharacterList items={characters} cut={cut} keyOf={(c) => c.representative} render={render} />
    </>
  );
}
