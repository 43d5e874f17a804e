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

/**
 * An onnxruntime CPU session of a model built in memory; `threads`: its intra-op thread count. `profile`: a file
 * prefix, to have onnxruntime time every node of every run (written as `<prefix>_<date>.json` on session.endProfiling).
 */
export async function createSession(model: Uint8Array, threads: number, profile?: string): Promise<{ rt: Ort; session: Session }> {
  const rt = loadOrt();
  if (!rt) throw new Error('onnxruntime-node is not installed or does not load on this machine');
  const session = await rt.InferenceSession.create(model, {
    executionProviders: ['cpu'],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    ...(profile ? { enableProfiling: true, profileFilePrefix: profile } : {}),
  });
  return { rt, session };
}
