// bench/quality: markdown cells and tables.
import { type Scores } from './model.js';

/** A markdown table. */
export function mdTable(head: string[], rows: string[][]): string[] {
  return [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)];
}

export const f3 = (x: number): string => (Number.isFinite(x) ? x.toFixed(3) : '—');
export const onOff = (b: boolean): string => (b ? 'on' : 'off');
export const cells = (s: Scores): string[] => [f3(s.nmi), f3(s.purity), f3(s.f1), `${s.clusters}`, `${s.kept}/${s.scored}`];

export const nfc = (s: Scores, ids: number): string => `${f3(s.nmi)} / ${f3(s.f1)} / ${s.clusters}:${ids}`;
