import { existsSync, readFileSync, writeFileSync } from 'node:fs';

/**
 * Replaces the section under `heading` (a `## ` line, up to the next `## `) of a results file such as
 * bench/RESULTS.md with `body`, or appends it, keeping that section's hand-written notes: the text
 * between `notesBegin` and `notesEnd` survives every `--record`. Other sections are left alone.
 */
export function replaceResultsSection(file: string, heading: string, body: string, notesBegin: string, notesEnd: string): void {
  const old = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  const lines = old.split('\n');
  const start = lines.findIndex((l) => l.trim() === heading);
  let end = lines.length;
  if (start >= 0) {
    const next = lines.findIndex((l, i) => i > start && /^## /.test(l));
    if (next >= 0) end = next;
  }
  const prev = start >= 0 ? lines.slice(start, end).join('\n') : '';
  const nb = prev.indexOf(notesBegin);
  const ne = prev.indexOf(notesEnd);
  const notes = nb >= 0 && ne > nb ? prev.slice(nb, ne + notesEnd.length) : `${notesBegin}\n${notesEnd}`;
  const section = `${body.trimEnd()}\n\n${notes}\n`;
  const out = start >= 0 ? [...lines.slice(0, start), ...section.split('\n'), ...lines.slice(end)].join('\n') : `${old.trimEnd()}\n\n${section}`;
  writeFileSync(file, out);
}
