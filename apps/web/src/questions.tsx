import { useEffect, useRef, useState } from 'preact/hooks';
import { getVideosByIdQuestions, postVideosByIdQuestionsByQidAnswer, type Question, type Video } from '../../../libs/sdk/index.js';
import { unwrap } from './api.js';
import { mediaUrl, type Session } from './session.js';

/** Questions fetched at once: enough to skip a few without asking again. */
const PAGE = 20;

type Side = Question['a'];

/** What the question asks, in words. */
function asks(q: Question): string {
  if (q.kind === 'person') return `Is this ${q.b.person?.name || 'the same person'}?`;
  if (q.kind === 'move') return 'Is this face the same person as these?';
  return 'Are these the same person?';
}

/** Faces a yes (a no, for a split) moves: what the answer fixed when the cut was wrong. */
const movedBy = (q: Question, same: boolean) => ((q.kind === 'split' ? !same : same) ? q.moved : 0);

/**
 * Review by questions: one yes/no question at a time about the video's clustering (GET /videos/:id/questions, best
 * first), the two sides' faces large, answered with Yes / No / Skip or the keys Y / N / S. Each answer is a people
 * edit (POST …/answer), which brings the next questions; a skipped one is only skipped on this page.
 */
export function QuestionMode({ session, video }: { session: Session; video: Video }) {
  const [items, setItems] = useState<Question[] | null>(null);
  const [skipped, setSkipped] = useState<ReadonlySet<string>>(new Set());
  const [answers, setAnswers] = useState(0);
  const [moved, setMoved] = useState(0);
  const [busy, setBusy] = useState(false);
  const [computing, setComputing] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const again = useRef<ReturnType<typeof setTimeout>>();

  const load = async () => {
    try {
      const r = await unwrap(getVideosByIdQuestions({ client: session.client, path: { id: video.id }, query: { limit: PAGE } }));
      session.reachable();
      if ('status' in r) {
        // 202: the cut's tree is being computed; ask again when the API says.
        setComputing(r.linkage.faces);
        again.current = setTimeout(() => void load(), r.retry_after_s * 1000);
        return;
      }
      setComputing(null);
      setItems(r.items);
      setError(null);
    } catch (e) {
      setError(session.fail(e));
    }
  };

  useEffect(() => {
    void load();
    return () => clearTimeout(again.current);
  }, [session.client, video.id]);

  const current = items?.find((q) => !skipped.has(q.id)) ?? null;

  const answer = async (same: boolean) => {
    if (!current || busy) return;
    setBusy(true);
    try {
      const r = await unwrap(
        postVideosByIdQuestionsByQidAnswer({ client: session.client, path: { id: video.id, qid: current.id }, query: { limit: PAGE }, body: { same } }),
      );
      setAnswers((n) => n + 1);
      setMoved((n) => n + movedBy(current, same));
      if ('status' in r) {
        setItems(null);
        setComputing(r.linkage.faces);
        again.current = setTimeout(() => void load(), r.retry_after_s * 1000);
      } else setItems(r.items);
      setError(null);
    } catch (e) {
      setError(session.fail(e));
      // The question may be gone (answered elsewhere): start again from the API's list.
      void load();
    } finally {
      setBusy(false);
    }
  };
  const skip = () => current && setSkipped((s) => new Set([...s, current.id]));

  // Keyboard first: Y, N, S anywhere on the page but in a text field.
  const keys = useRef({ answer, skip });
  keys.current = { answer, skip };
  useEffect(() => {
    const on = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey || (e.target as HTMLElement | null)?.closest?.('input, textarea, select')) return;
      const k = e.key.toLowerCase();
      if (k === 'y') void keys.current.answer(true);
      else if (k === 'n') void keys.current.answer(false);
      else if (k === 's') keys.current.skip();
      else return;
      e.preventDefault();
    };
    addEventListener('keydown', on);
    return () => removeEventListener('keydown', on);
  }, []);

  const side = (s: Side, label: string) => (
    <div class="question-side" role="group" aria-label={label}>
      {s.face_ids.map((f) => (
        <img key={f} src={mediaUrl(session, `/faces/${f}/thumbnail`)} alt={`Face ${f}`} width={160} height={160} decoding="async" />
      ))}
      {s.person && <p class="question-person">{s.person.name || 'Unnamed person'}</p>}
    </div>
  );

  return (
    <section class="card" aria-labelledby="questions-title">
      <h2 id="questions-title">Questions</h2>
      <p role="status" aria-label="Answers">
        {answers} {answers === 1 ? 'answer' : 'answers'} · {moved} {moved === 1 ? 'face' : 'faces'} moved
      </p>
      {error && (
        <p class="banner error" role="alert">
          {error}
        </p>
      )}
      {computing !== null && <p role="status">Clustering {computing.toLocaleString('en')} faces under your answers…</p>}
      {items === null ? (
        computing === null && !error && <p role="status">Loading…</p>
      ) : current ? (
        <div class="question" aria-label="Question" data-question={current.id} data-kind={current.kind}>
          <p class="question-text">{asks(current)}</p>
          <div class="question-sides">
            {side(current.a, 'First side')}
            {side(current.b, 'Second side')}
          </div>
          <div class="edit-actions">
            <button type="button" disabled={busy} onClick={() => void answer(true)} aria-keyshortcuts="Y">
              Yes (Y)
            </button>
            <button type="button" disabled={busy} onClick={() => void answer(false)} aria-keyshortcuts="N">
              No (N)
            </button>
            <button type="button" disabled={busy} onClick={skip} aria-keyshortcuts="S">
              Skip (S)
            </button>
          </div>
        </div>
      ) : (
        <p>No more questions: the clustering has nothing left to ask.</p>
      )}
    </section>
  );
}
