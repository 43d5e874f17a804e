import { useEffect, useRef, useState } from 'preact/hooks';
import type { Video } from '../../../libs/sdk/index.js';
import { fetchCharacters, type Clusters, type LinkageComputing, type Sim } from './cluster-faces.js';
import type { Session } from './session.js';

/** A tree the worker is computing: how many faces, since when, and when the API says to look again. */
export interface Computing {
  faces: number;
  job: LinkageComputing['linkage']['job'];
  since: number;
  retryAfterS: number;
}

/**
 * The characters of the cut `sim`: a slider step asks at once, with at most one request in flight (a drag that moves
 * on while one is out asks again for where the slider is when it returns, and the stale answer is dropped). While the
 * cut's tree is being computed (202: a large video after an edit) it says so and asks again when the API says to.
 * `version` asks again after an edit.
 */
export function useRecut(session: Session, video: Video, sim: Sim, version: number) {
  const [result, setResult] = useState<{ clusters: Clusters; sim: Sim } | null>(null);
  const [computing, setComputing] = useState<Computing | null>(null);
  const [error, setError] = useState<string | null>(null);
  const wanted = useRef({ sim, version });
  const flight = useRef<{ busy: boolean; again?: ReturnType<typeof setTimeout>; since: number | null; alive: boolean }>({
    busy: false,
    since: null,
    alive: true,
  });

  const pump = async () => {
    const f = flight.current;
    f.busy = true;
    try {
      for (;;) {
        const w = wanted.current;
        let r: Awaited<ReturnType<typeof fetchCharacters>>;
        try {
          r = await fetchCharacters(session.client, video.id, w.sim);
        } catch (e) {
          if (f.alive && wanted.current === w) setError(session.fail(e));
          if (!f.alive || wanted.current === w) return;
          continue;
        }
        if (!f.alive) return;
        if (wanted.current !== w) continue;
        session.reachable();
        if (!('clusters' in r)) {
          f.since ??= Date.now();
          setComputing({ faces: r.linkage.faces, job: r.linkage.job, since: f.since, retryAfterS: r.retry_after_s });
          f.again = setTimeout(() => void pump(), r.retry_after_s * 1000);
          return;
        }
        f.since = null;
        setComputing(null);
        setResult({ clusters: r, sim: w.sim });
        setError(null);
        return;
      }
    } finally {
      f.busy = false;
    }
  };

  useEffect(() => {
    wanted.current = { sim, version };
    const f = flight.current;
    clearTimeout(f.again);
    if (!f.busy) void pump();
  }, [session.client, video.id, sim, version]);

  useEffect(() => {
    const f = flight.current;
    f.alive = true;
    return () => {
      f.alive = false;
      clearTimeout(f.again);
    };
  }, []);

  return { result, computing, error, setError };
}
