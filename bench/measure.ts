// What the latency benches share: their numeric flags and one percentile definition (nearest rank), so that the
// p50/p95 of one bench mean what they mean in another.

/** The number after `flag` on the command line (`--reps 20`), else `fallback`. */
export function numberArg(flag: string, fallback: number): number {
  const i = process.argv.indexOf(flag);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
}

/** The nearest-rank `q`-quantile of `xs` (q in (0, 1]): the smallest value with at least q of the values at or below it. */
export function percentile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}
