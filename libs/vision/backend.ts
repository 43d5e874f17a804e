import { cjsRequire, tf } from './tf.js';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

export interface BackendInfo {
  name: BackendName;
  /** Which package provided it (tfjs-node-gpu, tfjs-node, tfjs-backend-wasm, tfjs-backend-cpu). */
  provider: string;
  /** True when the backend runs several threads by itself (native TF): the pipeline then uses one inference worker. */
  multiThreaded: boolean;
}

let chosen: Promise<BackendInfo> | null = null;

/**
 * Picks the fastest TF.js backend that is installed: tfjs-node-gpu → tfjs-node → wasm → cpu.
 * The native packages are optional dependencies whose install downloads libtensorflow; where that
 * failed, requiring them throws and we fall through. KEYCAST_TF_BACKEND forces one (tensorflow|wasm|cpu).
 * Memoised: every caller in a process shares one choice, logged once.
 */
export function initBackend(opts: { prefer?: BackendName; log?: (msg: string) => void } = {}): Promise<BackendInfo> {
  chosen ??= choose(opts.prefer ?? (process.env.KEYCAST_TF_BACKEND as BackendName | undefined), opts.log);
  return chosen;
}

async function choose(prefer: BackendName | undefined, log?: (msg: string) => void): Promise<BackendInfo> {
  const candidates: { name: BackendName; provider: string; load: () => void; multiThreaded: boolean }[] = [
    { name: 'tensorflow', provider: '@tensorflow/tfjs-node-gpu', load: () => void cjsRequire('@tensorflow/tfjs-node-gpu'), multiThreaded: true },
    { name: 'tensorflow', provider: '@tensorflow/tfjs-node', load: () => void cjsRequire('@tensorflow/tfjs-node'), multiThreaded: true },
    { name: 'wasm', provider: '@tensorflow/tfjs-backend-wasm', load: () => void cjsRequire('@tensorflow/tfjs-backend-wasm'), multiThreaded: false },
    { name: 'cpu', provider: '@tensorflow/tfjs-backend-cpu', load: () => undefined, multiThreaded: false },
  ];
  const order = prefer ? candidates.filter((c) => c.name === prefer) : candidates;
  if (prefer && order.length === 0) throw new Error(`KEYCAST_TF_BACKEND must be tensorflow, wasm or cpu, got ${prefer}`);
  const failures: string[] = [];
  for (const c of order) {
    try {
      c.load();
      if (await tf.setBackend(c.name)) {
        await tf.ready();
        const info = { name: c.name, provider: c.provider, multiThreaded: c.multiThreaded };
        log?.(`keycast: TensorFlow.js backend ${c.name} (${c.provider})`);
        return info;
      }
      failures.push(`${c.provider}: setBackend returned false`);
    } catch (e) {
      failures.push(`${c.provider}: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  throw new Error(`no TensorFlow.js backend could start: ${failures.join('; ')}`);
}
