import { useEffect, useState } from 'preact/hooks';
import type { Computing } from './use-recut.js';

/**
 * A tree being computed, with its progress as far as the page can know it: the time since the first 202 against the
 * API's estimate (Retry-After, from the worker's measured rate), never past 95% until the answer comes.
 */
export function ComputingNotice({ computing: c }: { computing: Computing }) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 250);
    return () => clearInterval(t);
  }, []);
  const elapsed = (now - c.since) / 1000;
  const expected = Math.max(c.retryAfterS, elapsed + 1);
  const share = Math.min(0.95, elapsed / expected);
  return (
    <div class="computing" role="status" aria-live="polite">
      <p>
        Computing the characters of {c.faces.toLocaleString('en')} faces{c.job === 'queued' ? ' (waiting for a worker)' : ''}: about{' '}
        {Math.max(1, Math.ceil(expected - elapsed))} s left.
      </p>
      <progress max={100} value={Math.round(share * 100)} aria-label="Clustering progress" />
    </div>
  );
}
