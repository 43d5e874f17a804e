// A video of any size made of real faces: the labelled sets' real face-api descriptors and clothing vectors
// (bench/labelled-faces.ts), copied and jittered. The re-cut benches (people-latency, recut-latency) and the
// 10,000-face fixture of the API bench and the browser test (test/e2e/support/large-video.ts) all draw from it.
import type { ClusterableFace } from '../libs/flow/index.js';
import { labelledFaces } from './labelled-faces.js';
import { LABELLED_SET_NAMES, missingSources } from './labelled-sets.js';

/** A face of the synthetic video with its rank in its frame (3 faces per frame). */
export type SyntheticFace = ClusterableFace & { k: number };

function lcg(seed: number) {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

/** Why the synthetic video cannot be made here (the labelled sets' photos are absent), or false. */
export function syntheticVideoMissing(): string | false {
  const missing = LABELLED_SET_NAMES.map((n) => missingSources(n)).filter((m): m is string => Boolean(m));
  return missing.length === LABELLED_SET_NAMES.length ? missing.join('; ') : false;
}

/**
 * n faces: real faces of the labelled sets, each copy jittered (±0.01 per face value, ±0.02 cloth), one
 * new frame per 3 faces, 0.5 s apart. The labelled sets hold 45 identities; a second, synthetic identity of each
 * is the real one shifted by a fixed random offset of norm 0.5 in the face half (further apart than two real
 * people typically are), so 90 identities can carry 50 people. The same seed gives the same faces.
 */
export async function syntheticVideo(n: number, seed = 11): Promise<{ faces: SyntheticFace[]; identity: string[] }> {
  const real: { f: ClusterableFace; id: string }[] = [];
  for (const name of LABELLED_SET_NAMES) {
    if (missingSources(name)) continue;
    const s = await labelledFaces(name);
    s.faces.forEach((f, i) => {
      if (s.truth[i] !== null) real.push({ f, id: `${name}:${s.truth[i]}` });
    });
  }
  const r = lcg(seed);
  const faces: SyntheticFace[] = [];
  const identity: string[] = [];
  const offsets = new Map<string, number[]>();
  const offsetOf = (id: string) => {
    let o = offsets.get(id);
    if (!o) {
      const raw = Array.from({ length: real[0].f.face.length }, () => r() - 0.5);
      const norm = Math.hypot(...raw);
      o = raw.map((x) => (x / norm) * 0.5);
      offsets.set(id, o);
    }
    return o;
  };
  for (let i = 0; i < n; i++) {
    const src = real[Math.floor(r() * real.length)];
    const twin = r() < 0.5;
    const off = twin ? offsetOf(src.id) : null;
    const frame = Math.floor(i / 3);
    faces.push({
      ...src.f,
      id: i + 1,
      frame,
      k: i % 3,
      t: frame * 0.5,
      face: Array.from(src.f.face, (v, k) => v + (off ? off[k] : 0) + (r() - 0.5) * 0.02),
      cloth: Array.from(src.f.cloth, (v) => v + (r() - 0.5) * 0.04),
    });
    identity.push(twin ? `${src.id}~twin` : src.id);
  }
  return { faces, identity };
}
