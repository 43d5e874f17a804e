import { useEffect, useRef, useState } from 'preact/hooks';
import { clock, duration as dur, percent } from './format.js';
import type { Character } from './cluster-faces.js';
import { mediaUrl, type Session } from './session.js';

export const displayName = (c: Character) => c.person?.name || 'Unknown';

export function CharacterItem({
  session,
  character: c,
  duration,
  busy,
  selected,
  onSelect,
  onRename,
  onPlay,
  facesOpen,
  onToggleFaces,
  onAcceptSuggestion,
  onDeclineSuggestion,
}: {
  session: Session;
  character: Character;
  duration: number;
  busy: boolean;
  selected: boolean;
  onSelect: (on: boolean) => void;
  onRename: (name: string) => void;
  onPlay: (t: number) => void;
  facesOpen: boolean;
  onToggleFaces: () => void;
  /** Answers to the API's suggestion (a person recognised from faces confirmed elsewhere). */
  onAcceptSuggestion: () => void;
  onDeclineSuggestion: () => void;
}) {
  const [renaming, setRenaming] = useState(false);
  const [draft, setDraft] = useState('');
  const input = useRef<HTMLInputElement>(null);
  const name = displayName(c);
  const segments = c.segments as [number, number][];

  useEffect(() => {
    if (renaming) input.current?.focus();
  }, [renaming]);

  function save() {
    const v = draft.trim();
    setRenaming(false);
    if (v && v !== c.person?.name) onRename(v);
  }

  return (
    <li class={`character${selected ? ' selected' : ''}`}>
      <img
        class="face"
        src={mediaUrl(session, `/faces/${c.representative}/thumbnail`)}
        alt={`Face of ${name}`}
        width={72}
        height={72}
        loading="lazy"
        decoding="async"
      />
      <div class="character-body">
        <div class="character-head">
          {renaming ? (
            <input
              ref={input}
              class="name-input"
              type="text"
              aria-label="Name"
              value={draft}
              onInput={(e) => setDraft((e.target as HTMLInputElement).value)}
              onKeyDown={(e) => {
                if (e.key === 'Enter') {
                  e.preventDefault();
                  save();
                }
                if (e.key === 'Escape') setRenaming(false);
              }}
              onBlur={() => setRenaming(false)}
            />
          ) : (
            <h3 class={c.person?.name ? '' : 'unknown'}>{name}</h3>
          )}
          <span class="stats">
            {c.size} faces · {dur(c.screen_time_s)} · {percent(c.screen_time_s, duration)} of the video
          </span>
        </div>
        {!c.person && c.suggestion && (
          <p class="suggestion" role="group" aria-label={`Suggestion for ${name}`}>
            Is this {c.suggestion.person.name || 'the same person'}?{' '}
            <button type="button" disabled={busy} onClick={onAcceptSuggestion}>
              Yes
            </button>{' '}
            <button type="button" disabled={busy} onClick={onDeclineSuggestion}>
              No
            </button>
          </p>
        )}
        <div class="timeline" role="group" aria-label={`Appearances of ${name}`}>
          {segments.map(([s, e]) => (
            <button
              type="button"
              class="segment"
              key={`${s}-${e}`}
              aria-label={`Play ${name} from ${clock(s)}`}
              title={`${clock(s)}–${clock(e)}`}
              style={{ left: `${(s / (duration || 1)) * 100}%`, width: `max(6px, ${((e - s) / (duration || 1)) * 100}%)` }}
              onClick={() => onPlay(s)}
            />
          ))}
        </div>
        <div class="character-actions">
          <button
            type="button"
            disabled={busy}
            onClick={() => {
              setDraft(c.person?.name ?? '');
              setRenaming(true);
            }}
          >
            Rename
          </button>
          <button type="button" aria-expanded={facesOpen} onClick={onToggleFaces}>
            {facesOpen ? 'Hide faces' : 'Faces'}
          </button>
          <label class="check">
            <input type="checkbox" checked={selected} onChange={(e) => onSelect((e.target as HTMLInputElement).checked)} /> Select for merge
          </label>
        </div>
      </div>
    </li>
  );
}
