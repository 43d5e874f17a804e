/**
 * Clustering quality benchmark: how well do the clusters match real identities? Prints markdown and
 * writes docs/QUALITY.md.
 *
 *   node --import tsx bench/quality.ts
 *
 * Two parts:
 * 1. keycast's defaults against the reference method (face only, cloth only, face+cloth at the
 *    relative sim 0.63) on every labelled dataset, the conclusions on the targets, and the ablation
 *    of keycast's four improvements (automatic cut, cannot-link, temporal links, face quality
 *    weighting), each switched on and off from the defaults: an improvement is on by default when
 *    it raises the mean NMI, and the report flags a libs/config default that disagrees.
 * 2. The encoder study (the reference flow only): clothing encoder, weighting, merge setting and
 *    relative `sim`, on the datasets extracted with both encoders.
 *
 * Datasets (each is skipped with a message when its material is absent):
 * - the Hamilton clip (../shared/data/videos), extracted once per clothing encoder at
 *   capture_interval_sec 0.333 through the same pipeline as `keycast analyze` (extractFaces, one shared
 *   inference pool), scored exactly as ../shared/tools/score.py (scoreAgainstGroundTruth);
 * - two labelled photo collections of 150x150 face chips (../shared/data/faces; bbt: 8 people x 5
 *   grayscale chips; johns: 5 x 11 colour chips). The detector needs context around a face, so each
 *   chip is padded with black and analysed by the pipeline's frame analyzer (the inference pool); the
 *   highest-score face is kept; identity = folder name; chips with no face are unclustered singletons
 *   in NMI. Clothing is scored in two modes: "chip" (the clothing region judged on the 150x150 chip
 *   itself, with the analyzer's rule that a region mostly outside the frame gives no clothing
 *   evidence) and "padded" (the padded image taken as the frame: the region shows nothing but black);
 * - the labelled videos of bench/labelled-sets.ts (real photos as shots, ground truth in
 *   test/fixtures/quality/), extracted with the default encoder at their labelled sampling.
 * Every configuration clusters with min_csize 2 (the default) and the default merge thresholds.
 *
 * This file loads the datasets and writes the report; each other job is a module of bench/quality/: model.ts (the
 * settings and shapes shared), datasets.ts (extraction and ground truth), scoring.ts (one clustering scored),
 * markdown.ts (cells and tables), defaults.ts (keycast's defaults, the ablation), diagnosis.ts (tracks and key
 * characters), study.ts and study-conclusions.ts (the encoder study and its prose), report.ts (the page).
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createFacePool } from '../libs/pipeline/index.js';
import { labelledSets } from './labelled-sets.js';
import { chipClothEncoder, hamilton, labelledVideo, photoCollection } from './quality/datasets.js';
import { DATA, type Dataset } from './quality/model.js';
import { OUT_DOC, keepRecordedSections, machine, renderReport } from './quality/report.js';

async function main(): Promise<void> {
  const started = performance.now();
  const log = (s: string) => process.stderr.write(`quality: ${s}\n`);
  const pool = await createFacePool();
  const chipCloth = chipClothEncoder();
  const study: Dataset[] = [];
  const videos: Dataset[] = [];
  const skipped: string[] = [];
  try {
    for (const load of [
      () => hamilton(pool, log),
      () =>
        photoCollection(
          pool,
          chipCloth,
          'bbt',
          'Photo collection bbt (faces/bbt/<name>/*.png, 8 people x 5 grayscale chips)',
          join(DATA, 'faces/bbt'),
          /\.png$/i,
          log,
        ),
      () =>
        photoCollection(
          pool,
          chipCloth,
          'johns',
          'Photo collection johns (faces/johns/<John_X>/*.jpg, 5 people x 11 colour chips)',
          join(DATA, 'faces/johns'),
          /\.jpe?g$/i,
          log,
        ),
    ]) {
      const r = await load();
      if (typeof r === 'string') {
        skipped.push(r);
        log(r);
      } else study.push(r);
    }
    for (const set of await labelledSets({
      log: (s) => {
        if (/skipped/.test(s)) skipped.push(s);
        log(s);
      },
    })) {
      const r = await labelledVideo(pool, log, set);
      if (typeof r === 'string') {
        skipped.push(r);
        log(r);
      } else videos.push(r);
    }
  } finally {
    await pool.close();
  }
  const md = renderReport({ study, videos, skipped, machine: machine(pool.backend), seconds: (performance.now() - started) / 1000 });
  const text = keepRecordedSections(md, existsSync(OUT_DOC) ? await readFile(OUT_DOC, 'utf8') : '');
  process.stdout.write(text);
  await mkdir(dirname(OUT_DOC), { recursive: true });
  await writeFile(OUT_DOC, text);
  log(`wrote ${OUT_DOC}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((e) => {
    process.stderr.write(`${(e as Error).stack ?? e}\n`);
    process.exit(1);
  });
}
