/** Below this many faces a linkage's time is mostly fixed costs, which say little about the n² part. */
export const ETA_MIN_FACES = 1000;

/** Seconds per n² when nothing was measured yet: about 14 s at 10,000 faces on a busy 2-core machine. */
const FALLBACK_S_PER_N2 = 1.4e-7;

/** Seconds between a 202 and the worker picking its job up and storing the result (queue, load, write). */
const OVERHEAD_S = 1;

/** Measurements of one kind (first trees, trees under people's constraints) that set an estimate for that kind alone. */
const ETA_MIN_OF_KIND = 3;

/**
 * Seconds until a queued linkage of `n` faces is likely stored, from the workers' measured speed: HAC costs about
 * n², so each recent computation (faces, ms) gives a seconds-per-n² rate, and the median of those rates (robust to
 * one slow run under load) times n², plus the pick-up. A 4 s job at 10,000 faces says 5 s. Without measurements, a
 * conservative constant. Between 1 and 60 s: a client repeating sooner only gets another 202.
 * With `constrained` (true: a tree under people's constraints, i.e. after an edit, which starts from kept pair
 * distances where a worker holds them; false: a tree without any), only the measurements of that kind count when
 * there are at least {@link ETA_MIN_OF_KIND} of them: the two kinds differ ~3x at 10,000 faces.
 */
export function linkageEtaS(n: number, measured: readonly { n: number; ms: number; constrained?: boolean }[], constrained?: boolean): number {
  const usable = measured.filter((m) => m.n >= ETA_MIN_FACES && m.ms > 0);
  const ofKind = constrained === undefined ? usable : usable.filter((m) => (m.constrained ?? false) === constrained);
  const rates = (ofKind.length >= ETA_MIN_OF_KIND ? ofKind : usable).map((m) => m.ms / 1000 / (m.n * m.n)).sort((a, b) => a - b);
  const rate = rates.length ? rates[Math.floor(rates.length / 2)] : FALLBACK_S_PER_N2;
  return Math.min(60, Math.max(1, Math.ceil(OVERHEAD_S + rate * n * n)));
}
