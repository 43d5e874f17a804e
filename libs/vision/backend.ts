import { BACKEND_PACKAGES, backendPreference, type BackendName } from './backends.js';
import { cjsRequire, tf } from './tf.js';

export type { BackendName };

export interface BackendInfo {
  name: BackendName;
  /** Which package provided it (tfjs-node-gpu, tfjs-node, tfjs-backend-wasm, tfjs-backend-cpu). */
  provider: string;
  /** True when the backend runs several threads by itself (native TF): the pipeline then uses one inference worker. */
  multiThreaded: boolean;
}

let chosen: Promise<BackendInfo> | null = null;

/**
 * Picks the fastest TF.js backend that is installed (BACKEND_PACKAGES' order).
 * The native packages are optional dependencies whose install downloads libtensorflow; where that
 * failed, requiring them throws and we fall through. KEYCAST_TF_BACKEND forces one (tensorflow|wasm|cpu).
 * Memoised: every caller in a process shares one choice. libs/vision logs nothing: the choice is returned (the
 * pipeline reports it as its pool's `backend`) and the caller logs it.
 */
export function initBackend(opts: { prefer?: BackendName } = {}): Promise<BackendInfo> {
  chosen ??= choose(backendPreference(opts.prefer));
  return chosen;
}

async function choose(prefer: BackendName | undefined): Promise<BackendInfo> {
  // tfjs-backend-cpu comes with @tensorflow/tfjs: nothing more to load.
  const candidates = BACKEND_PACKAGES.map((c) => ({ ...c, load: c.name === 'cpu' ? () => undefined : () => void cjsRequire(c.provider) }));
  const order = prefer ? candidates.filter((c) => c.name === prefer) : candidates;
  if (prefer && order.length === 0) throw new Error(`KEYCAST_TF_BACKEND must be tensorflow, wasm or cpu, got ${prefer}`);
  const failures: string[] = [];
  for (const c of order) {
    try {
      c.load();
      if (await tf.setBackend(c.name)) {
        await tf.ready();
        const info = { name: c.name, provider: c.provider, multiThreaded: c.multiThreaded };
        return info;
      }
      failures.push(`${c.provider}: setBackend returned false`);
    } catch (e) {
      failures.push(`${c.provider}: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  throw new Error(`no TensorFlow.js backend could start: ${failures.join('; ')}`);
}
