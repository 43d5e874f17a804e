import { createRequire } from 'node:module';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

/**
 * The TF.js backends, fastest first: tfjs-node-gpu → tfjs-node → wasm → cpu (libs/vision picks one per thread).
 * The native ones are optional dependencies; `multiThreaded`: the backend spreads over the cores by itself. A public
 * face of libs/vision of its own (no TF.js import), so the pipeline's main thread can plan its inference threads
 * without loading TF.js.
 */
export const BACKEND_PACKAGES: readonly { name: BackendName; provider: string; multiThreaded: boolean }[] = [
  { name: 'tensorflow', provider: '@tensorflow/tfjs-node-gpu', multiThreaded: true },
  { name: 'tensorflow', provider: '@tensorflow/tfjs-node', multiThreaded: true },
  { name: 'wasm', provider: '@tensorflow/tfjs-backend-wasm', multiThreaded: false },
  { name: 'cpu', provider: '@tensorflow/tfjs-backend-cpu', multiThreaded: false },
];

/** The backend asked for: the caller's, else KEYCAST_TF_BACKEND (tensorflow|wasm|cpu), else none (the fastest that starts). */
export function backendPreference(prefer?: BackendName): BackendName | undefined {
  return prefer ?? (process.env.KEYCAST_TF_BACKEND as BackendName | undefined);
}

const require = createRequire(import.meta.url);

/**
 * Whether a thread's backend could turn out multi-threaded: a native package is installed and allowed. Only
 * resolves paths: whether libtensorflow really loads is known when a thread tries.
 */
export function nativeBackendPossible(prefer?: BackendName): boolean {
  const p = backendPreference(prefer);
  return BACKEND_PACKAGES.some((c) => c.multiThreaded && (p === undefined || p === c.name) && resolves(c.provider));
}

function resolves(pkg: string): boolean {
  try {
    require.resolve(pkg);
    return true;
  } catch {
    return false;
  }
}
