/**
 * Clustering quality (NMI, pairwise F1 of keycast's default flow) on every labelled set with each kind of
 * face chip: what docs/QUALITY.md's "Aligned chips" section reports before/after. The datasets and the
 * scoring are bench/quality.ts's; only the extract option face_chips changes.
 *
 *   node --import tsx bench/chip-quality.ts [face-api guarded dlib]
 */
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DEFAULT_EXTRACT, FACE_CHIP_MODES, type FaceChipMode } from '../libs/config/index.js';
import { createFacePool } from '../libs/pipeline/index.js';
import { labelledSets } from './labelled-sets.js';
import { chipClothEncoder, hamilton, labelledVideo, photoCollection } from './quality/datasets.js';
import { f3 } from './quality/markdown.js';
import type { Dataset } from './quality/model.js';
import { defaultScores } from './quality/scoring.js';

const DATA = resolve(import.meta.dirname, '../../shared/data');

async function main() {
  const modes = (process.argv.slice(2).length ? process.argv.slice(2) : FACE_CHIP_MODES) as FaceChipMode[];
  const log = (s: string) => process.stderr.write(`chip-quality: ${s}\n`);
  const pool = await createFacePool();
  const rows = new Map<string, Map<FaceChipMode, string>>();
  try {
    const sets = await labelledSets({ log });
    for (const mode of modes) {
      const t0 = performance.now();
      const loads: (() => Promise<Dataset | string>)[] = [
        () => hamilton(pool, log, [DEFAULT_EXTRACT.cloth_encoder], mode),
        () => photoCollection(pool, chipClothEncoder(), 'bbt', 'bbt', join(DATA, 'faces/bbt'), /\.png$/i, log, mode),
        () => photoCollection(pool, chipClothEncoder(), 'johns', 'johns', join(DATA, 'faces/johns'), /\.jpe?g$/i, log, mode),
        ...sets.map((s) => () => labelledVideo(pool, log, s, mode)),
      ];
      for (const load of loads) {
        const ds = await load();
        if (typeof ds === 'string') {
          log(ds);
          continue;
        }
        const s = defaultScores(ds);
        if (!rows.has(ds.key)) rows.set(ds.key, new Map());
        rows.get(ds.key)!.set(mode, `${f3(s.nmi)} / ${f3(s.f1)}`);
        log(`${mode} ${ds.key}: NMI ${f3(s.nmi)} F1 ${f3(s.f1)} clusters ${s.clusters}`);
      }
      log(`${mode}: ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    }
  } finally {
    await pool.close();
  }
  const lines = [`| set | ${modes.map((m) => `${m} NMI / F1`).join(' | ')} |`, `|---|${modes.map(() => '---:').join('|')}|`];
  for (const [key, byMode] of rows) lines.push(`| ${key} | ${modes.map((m) => byMode.get(m) ?? '—').join(' | ')} |`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) await main();
