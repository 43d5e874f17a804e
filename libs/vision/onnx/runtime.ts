import { createRequire } from 'node:module';

export type Ort = typeof import('onnxruntime-node');
type Session = Awaited<ReturnType<Ort['InferenceSession']['create']>>;
const require = createRequire(import.meta.url);

let ort: Ort | null | undefined;
/** onnxruntime-node, or null where it is not installed or its native library does not load. */
export function loadOrt(): Ort | null {
  if (ort === undefined) {
    try {
      ort = require('onnxruntime-node') as Ort;
    } catch {
      ort = null;
    }
  }
  return ort;
}

export interface OrtSession {
  rt: Ort;
  run(feeds: Parameters<Session['run']>[0]): ReturnType<Session['run']>;
  /** Writes the profile (sessions made with `profile`). */
  endProfiling(): void;
  /** Waits for the runs in flight, then frees the native session; run() fails after. Idempotent. */
  release(): Promise<void>;
}

/**
 * An onnxruntime CPU session of a model built in memory; `threads`: its intra-op thread count. `profile`: a file
 * prefix, to have onnxruntime time every node of every run (written as `<prefix>_<date>.json` on endProfiling).
 * Runs are tracked so release() never frees a session under a native run: a thread ends only after this
 * (Worker.terminate() during a native call can abort the whole process with an uncaught Napi::Error).
 */
export async function createSession(model: Uint8Array, threads: number, profile?: string): Promise<OrtSession> {
  const rt = loadOrt();
  if (!rt) throw new Error('onnxruntime-node is not installed or does not load on this machine');
  const session = await rt.InferenceSession.create(model, {
    executionProviders: ['cpu'],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    ...(profile ? { enableProfiling: true, profileFilePrefix: profile } : {}),
  });
  const inflight = new Set<Promise<unknown>>();
  let released: Promise<void> | null = null;
  return {
    rt,
    run(feeds) {
      if (released) return Promise.reject(new Error('onnxruntime session already released'));
      const r = session.run(feeds);
      inflight.add(r);
      const done = () => inflight.delete(r);
      r.then(done, done);
      return r;
    },
    endProfiling: () => session.endProfiling(),
    release() {
      released ??= (async () => {
        await Promise.allSettled([...inflight]);
        await session.release();
      })();
      return released;
    },
  };
}
