import { useEffect, useRef } from 'preact/hooks';

/**
 * Runs `tick` now and then again `everyMs(result)` after each run ends (null: stop), until unmounted or `deps`
 * change. One run at a time: a slow API never gets a pile of overlapping requests.
 */
export function usePoll<T>(tick: () => Promise<T>, everyMs: (result: T | undefined) => number | null, deps: unknown[]): void {
  const latest = useRef({ tick, everyMs });
  latest.current = { tick, everyMs };
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = async () => {
      let r: T | undefined;
      try {
        r = await latest.current.tick();
      } catch {
        r = undefined;
      }
      if (stopped) return;
      const ms = latest.current.everyMs(r);
      if (ms !== null) timer = setTimeout(() => void run(), ms);
    };
    void run();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, deps);
}
