import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import {
  getVideosByIdClusters,
  getVideosByIdFaces,
  type ClusterSummary,
  type GetVideosByIdClustersResponse,
  type ResultFace,
  type Video,
} from '../../../libs/sdk/index.js';
import { unwrap } from './api.js';
import { CharacterItem, displayName } from './character.js';
import { everyFace, FACE_PAGE, withEveryFace, type FacePager } from './cluster-faces.js';
import { FacesPanel } from './faces-panel.js';
import { people, personOf, recordEdit, type CharacterRef, type Edit, type FaceId, type PersonId } from './people.js';
import { mediaUrl, type Session } from './session.js';

/** A cluster as the clusters route gives it, with its person once the people routes exist. */
export type Character = ClusterSummary & CharacterRef;
type Clusters = Extract<GetVideosByIdClustersResponse, { clusters: unknown }> & { clusters: Character[] };

/** Same values as the API's `sim` (0..1), or "auto". */
export type Sim = number | 'auto';

export function Review({ session, video }: { session: Session; video: Video }) {
  const [sim, setSim] = useState<Sim>('auto');
  const [lastNumber, setLastNumber] = useState(0.6);
  const [result, setResult] = useState<Clusters | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState('');
  const [version, setVersion] = useState(0);
  const [undo, setUndo] = useState<Edit[]>([]);
  const [selected, setSelected] = useState<FaceId[]>([]);
  // The open faces panel follows its person when it has one (an edit may move the face it was opened by), else that face.
  const [open, setOpen] = useState<{ person: PersonId | null; face: FaceId } | null>(null);
  const [busy, setBusy] = useState(false);
  const player = useRef<HTMLVideoElement>(null);
  const seq = useRef(0);

  // A re-cut per slider position; answers that arrive after a newer request's are dropped.
  useEffect(() => {
    const mine = ++seq.current;
    let again: ReturnType<typeof setTimeout> | undefined;
    const recut = async () => {
      try {
        const r = await unwrap(
          getVideosByIdClusters({ client: session.client, path: { id: video.id }, query: { sim, faces_per_cluster: FACE_PAGE, faces_limit: FACE_PAGE } }),
        );
        if (mine !== seq.current) return;
        session.reachable();
        if (!('clusters' in r)) {
          // 202: the tree of these constraints (e.g. after an edit, on a large video) is being computed by the worker.
          setStatus(`Computing the clusters of ${r.linkage.faces} faces…`);
          again = setTimeout(() => void recut(), r.retry_after_s * 1000);
          return;
        }
        const page: FacePager = async (query) => {
          const p = await unwrap(getVideosByIdFaces({ client: session.client, path: { id: video.id }, query }));
          return 'items' in p ? p : null;
        };
        const clusters = await withEveryFace(r.clusters, page);
        const faces = clusters && (await everyFace(r.faces, r.faces_next, page));
        if (mine !== seq.current) return;
        if (!clusters || !faces) {
          again = setTimeout(() => void recut(), 1000);
          return;
        }
        setResult({ ...r, clusters, faces, faces_next: null });
        setError(null);
      } catch (e) {
        if (mine === seq.current) setError(session.fail(e));
      }
    };
    const timer = setTimeout(() => void recut(), 120);
    return () => {
      clearTimeout(timer);
      clearTimeout(again);
    };
  }, [session.client, video.id, sim, version]);

  const characters = useMemo(() => [...(result?.clusters ?? [])].sort((a, b) => b.screen_time_s - a.screen_time_s || b.size - a.size), [result]);
  const faces = useMemo(() => new Map<FaceId, ResultFace>((result?.faces ?? []).map((f) => [f.id, f])), [result]);
  const byRep = (rep: FaceId | null) => characters.find((c) => c.representative === rep || (rep !== null && c.faces.includes(rep))) ?? null;
  const duration = result?.video.duration_s ?? video.media?.duration_s ?? 0;
  const openChar = (open?.person ? characters.find((c) => c.person?.id === open.person) : undefined) ?? byRep(open?.face ?? null);

  async function edit(label: string, touched: (PersonId | undefined)[], run: (created: PersonId[]) => Promise<void>) {
    setBusy(true);
    try {
      const e = await recordEdit(
        session.client,
        label,
        touched.filter((x): x is PersonId => x !== undefined),
        run,
      );
      setUndo((u) => [...u.slice(-19), e]);
      setStatus(`Saved: ${label}.`);
      setError(null);
      setSelected([]);
      setVersion((v) => v + 1);
    } catch (e) {
      setError(session.fail(e));
      setVersion((v) => v + 1);
    } finally {
      setBusy(false);
    }
  }

  async function undoLast() {
    const last = undo[undo.length - 1];
    if (!last) return;
    setBusy(true);
    try {
      await last.undo(session.client);
      setUndo((u) => u.slice(0, -1));
      setStatus(`Undone: ${last.label}.`);
      setError(null);
    } catch (e) {
      setError(session.fail(e));
    } finally {
      setBusy(false);
      setVersion((v) => v + 1);
    }
  }

  const rename = (c: Character, name: string) =>
    edit(`rename ${displayName(c)} to ${name}`, [c.person?.id], async (created) => {
      if (c.person) await people.rename(session.client, c.person.id, name);
      else await personOf(session.client, c, created, name);
    });

  const merge = () => {
    const chosen = characters.filter((c) => selected.includes(c.representative));
    // The named one (if any) keeps its name and id.
    chosen.sort((a, b) => Number(Boolean(b.person?.name)) - Number(Boolean(a.person?.name)));
    return edit(
      `merge ${chosen.map(displayName).join(' + ')}`,
      chosen.map((c) => c.person?.id),
      async (created) => {
        const ids: PersonId[] = [];
        for (const c of chosen) ids.push(await personOf(session.client, c, created));
        await people.merge(session.client, ids[0], ids.slice(1));
      },
    );
  };

  const split = (c: Character, part: FaceId[]) =>
    edit(`split ${part.length} faces from ${displayName(c)}`, [c.person?.id], async (created) => {
      const p = await people.create(session.client, { faces: part, exclude: c.faces.filter((f) => !part.includes(f)) });
      created.push(p.id);
    });

  // Accepting a suggestion confirms the cluster's faces for that person; declining rejects its representative face
  // from the person, which the API then never suggests for a cluster holding it.
  const acceptSuggestion = (c: Character) => {
    const s = c.suggestion;
    if (!s) return;
    return edit(`accept ${s.person.name || 'suggestion'}`, [s.person.id], () => people.confirm(session.client, s.person.id, c.faces).then(() => undefined));
  };
  const declineSuggestion = (c: Character) => {
    const s = c.suggestion;
    if (!s) return;
    return edit(`decline ${s.person.name || 'suggestion'}`, [s.person.id], () =>
      people.reject(session.client, s.person.id, c.representative).then(() => undefined),
    );
  };

  const move = (c: Character, part: FaceId[], to: Character) =>
    edit(`move ${part.length} faces to ${displayName(to)}`, [c.person?.id, to.person?.id], async (created) => {
      const id = await personOf(session.client, to, created);
      await people.confirm(session.client, id, part);
    });

  const removeFaces = (c: Character, part: FaceId[]) =>
    edit(`remove ${part.length} faces from ${displayName(c)}`, [c.person?.id], async (created) => {
      if (c.person) {
        for (const f of part) await people.reject(session.client, c.person.id, f);
        return;
      }
      const p = await people.create(session.client, { faces: c.faces.filter((f) => !part.includes(f)), exclude: part });
      created.push(p.id);
    });

  function play(at: number) {
    const v = player.current;
    if (!v) return;
    v.currentTime = at;
    // A browser may refuse to start playback (autoplay policy); the seek stands, and the controls start it.
    v.play().catch(() => undefined);
  }

  // The player keeps the URL it started with: a new media token (every 10 minutes) must not restart playback. Only
  // when that URL stops working (its token expired) does it take the current one, at the same position.
  const src = mediaUrl(session, `/videos/${video.id}/media`);
  const [playerSrc, setPlayerSrc] = useState<string | undefined>(undefined);
  const resumeAt = useRef<number | null>(null);
  useEffect(() => {
    if (playerSrc === undefined && src) setPlayerSrc(src);
  }, [src, playerSrc]);
  function onPlayerError() {
    if (!src || src === playerSrc) return;
    resumeAt.current = player.current?.currentTime ?? null;
    setPlayerSrc(src);
  }
  function onPlayerMetadata() {
    if (resumeAt.current !== null && player.current) player.current.currentTime = resumeAt.current;
    resumeAt.current = null;
  }
  const numericSim = sim === 'auto' ? lastNumber : sim;

  return (
    <>
      <section class="card player-card" aria-label="Player">
        {playerSrc ? (
          <video
            ref={player}
            src={playerSrc}
            controls
            preload="metadata"
            aria-label={`Video ${video.filename ?? video.id}`}
            class="player"
            onError={onPlayerError}
            onLoadedMetadata={onPlayerMetadata}
          />
        ) : (
          <p role="status">Preparing the player…</p>
        )}
      </section>
      <section class="card" aria-labelledby="characters-title">
        <div class="toolbar">
          <h2 id="characters-title">Characters</h2>
          <div class="sim">
            <label for="sim-slider">Similarity</label>
            <input
              id="sim-slider"
              type="range"
              min={0}
              max={1}
              step={0.01}
              value={numericSim}
              aria-valuetext={sim === 'auto' ? `auto (${numericSim})` : String(sim)}
              onInput={(e) => {
                const v = Number((e.target as HTMLInputElement).value);
                setLastNumber(v);
                setSim(v);
              }}
            />
            <output for="sim-slider">{sim === 'auto' ? 'auto' : sim.toFixed(2)}</output>
            <label class="check">
              <input type="checkbox" checked={sim === 'auto'} onChange={(e) => setSim((e.target as HTMLInputElement).checked ? 'auto' : lastNumber)} /> Auto
            </label>
          </div>
          <div class="edit-actions">
            <button type="button" disabled={busy || selected.length < 2} onClick={() => void merge()}>
              Merge selected ({selected.length})
            </button>
            <button type="button" disabled={busy || undo.length === 0} onClick={() => void undoLast()}>
              {undo.length ? `Undo ${undo[undo.length - 1].label}` : 'Undo'}
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
        {!result ? (
          !error && <p role="status">Clustering…</p>
        ) : result.face_count === 0 ? (
          <p class="banner info" role="status">
            No faces were found in this video, so it has no characters.
          </p>
        ) : (
          <>
            <p class="muted">
              {characters.length} characters · {result.face_count} faces · {result.unclustered_count} faces in no character (too few to count)
            </p>
            <ul class="characters" aria-label="Characters">
              {characters.map((c) => (
                <CharacterItem
                  key={c.representative}
                  session={session}
                  character={c}
                  duration={duration}
                  busy={busy}
                  selected={selected.includes(c.representative)}
                  onSelect={(on) => setSelected((s) => (on ? [...s, c.representative] : s.filter((x) => x !== c.representative)))}
                  onRename={(name) => void rename(c, name)}
                  onPlay={play}
                  facesOpen={openChar === c}
                  onToggleFaces={() => setOpen(openChar === c ? null : { person: c.person?.id ?? null, face: c.representative })}
                  onAcceptSuggestion={() => void acceptSuggestion(c)}
                  onDeclineSuggestion={() => void declineSuggestion(c)}
                />
              ))}
            </ul>
          </>
        )}
      </section>
      {openChar && (
        <FacesPanel
          key={`${openChar.representative}:${version}`}
          session={session}
          character={openChar}
          others={characters.filter((c) => c !== openChar)}
          faces={faces}
          busy={busy}
          onClose={() => setOpen(null)}
          onSplit={(part) => void split(openChar, part)}
          onMove={(part, to) => void move(openChar, part, to)}
          onRemove={(part) => void removeFaces(openChar, part)}
        />
      )}
    </>
  );
}
