/** Edit distance (insertions, deletions, substitutions) between two short names. */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}

/** A name as users misspell it: case, dashes (the CLI's --skip-sec) and spaces do not count. */
const norm = (s: string) => s.toLowerCase().replace(/^-+/, '').replace(/[-\s]/g, '_');

/**
 * The known name closest to `name`, or null when none is close (at most a third of its length edited, at least 2):
 * what an "unknown option" error suggests.
 */
export function closestName(name: string, known: readonly string[]): string | null {
  const n = norm(name);
  let best: string | null = null;
  let bestD = Infinity;
  for (const k of known) {
    const d = distance(n, norm(k));
    if (d < bestD) {
      best = k;
      bestD = d;
    }
  }
  return best !== null && bestD <= Math.max(2, Math.floor(n.length / 3)) ? best : null;
}

/** "unknown option: simm (did you mean sim?)", or the list of known names when none is close. */
export function unknownNameMessage(what: string, name: string, known: readonly string[]): string {
  const shown = JSON.stringify(name.slice(0, 100));
  const close = closestName(name, known);
  return close ? `unknown ${what} ${shown}: did you mean ${close}?` : `unknown ${what} ${shown}: known ones are ${known.join(', ')}`;
}
