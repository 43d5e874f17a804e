/** Seconds as a clock: `m:ss.s` under an hour (75.25 → "1:15.3"), `h:mm:ss` from an hour on. */
export function formatClock(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const neg = seconds < 0;
  let s = Math.abs(seconds);
  if (s >= 3600) {
    s = Math.round(s);
    const h = Math.floor(s / 3600);
    const m = Math.floor((s % 3600) / 60);
    return `${neg ? '-' : ''}${h}:${pad2(m)}:${pad2(s % 60)}`;
  }
  // Round first so 59.96 s becomes "1:00.0", not "0:60.0".
  const tenths = Math.round(s * 10);
  const m = Math.floor(tenths / 600);
  const rest = (tenths % 600) / 10;
  const [whole, frac] = rest.toFixed(1).split('.');
  return `${neg ? '-' : ''}${m}:${whole.padStart(2, '0')}.${frac}`;
}

/** A duration for labels: "4.5 s" under a minute, else the clock form. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  return seconds < 60 ? `${trimNumber(seconds, 1)} s` : formatClock(seconds);
}

/** At most `digits` decimals, without trailing zeros: 2.50 → "2.5", 3.0 → "3". */
export function trimNumber(x: number, digits = 2): string {
  if (!Number.isFinite(x)) return String(x);
  return String(Number(x.toFixed(digits)));
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}
