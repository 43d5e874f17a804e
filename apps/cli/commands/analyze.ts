import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { CLUSTER_KEYS, KeycastError, resolveClusterOptions, resolveExtractOptions, sampleInterval } from '../../../libs/config/index.js';
import { FileSink, extractFaces } from '../../../libs/pipeline/index.js';
import { writeAnalysisOutputs } from '../write-outputs.js';
import { CLUSTER_FLAGS, EXTRACT_FLAGS, parseCommandArgs } from '../args.js';
import { fetchVideo, isVideoUrl } from '../fetch-video.js';
import { createProgressBar } from '../progress.js';

export const ANALYZE_USAGE = `keycast analyze VIDEO [--out DIR] [options]
  Extracts faces from VIDEO, clusters them and writes DIR (default ./keycast-out):
  result.json, faces/ and bodies/ thumbnails, montage.png, gallery.html, fingerprints.json.
  VIDEO may be an http(s) URL: downloaded to a temporary file first (removed at the end), from a public
  address only unless --allow-private-url (a server on this machine or network).`;

export async function analyzeCommand(argv: string[]): Promise<number> {
  const { positionals, options, flags } = parseCommandArgs(
    argv,
    { ...EXTRACT_FLAGS, ...CLUSTER_FLAGS },
    {
      out: { type: 'string', short: 'o' },
      quiet: { type: 'boolean', short: 'q' },
      workers: { type: 'string' },
      'allow-private-url': { type: 'boolean' },
    },
  );
  if (positionals.length !== 1) throw new KeycastError('INVALID_OPTION', `analyze takes exactly one VIDEO, got ${positionals.length}`);
  // Clustering options are those of DEFAULT_CLUSTER (config's CLUSTER_KEYS); the rest are extraction's.
  const clusterKeys = new Set<string>(CLUSTER_KEYS);
  const pick = (inCluster: boolean) => Object.fromEntries(Object.entries(options).filter(([k]) => clusterKeys.has(k) === inCluster));
  const extract = resolveExtractOptions(pick(false));
  const cluster = resolveClusterOptions(pick(true));
  const workers = flags.workers === undefined ? undefined : Number(flags.workers);
  if (workers !== undefined && (!Number.isInteger(workers) || workers < 1 || workers > 64))
    throw new KeycastError('INVALID_OPTION', `--workers must be an integer in [1, 64], got ${flags.workers}`);

  const input = positionals[0];
  const fetched = isVideoUrl(input) ? await fetchVideo(input, { allowPrivate: flags['allow-private-url'] === true, quiet: flags.quiet === true }) : null;
  try {
    return await analyzeFile(fetched?.path ?? resolve(input), extract, cluster, {
      out: String(flags.out ?? 'keycast-out'),
      quiet: flags.quiet === true,
      workers,
    });
  } finally {
    await fetched?.cleanup();
  }
}

async function analyzeFile(
  video: string,
  extract: ReturnType<typeof resolveExtractOptions>,
  cluster: ReturnType<typeof resolveClusterOptions>,
  flags: { out: string; quiet: boolean; workers: number | undefined },
): Promise<number> {
  const { workers } = flags;
  const dir = resolve(flags.out);
  await mkdir(dir, { recursive: true });
  const sink = new FileSink(dir);
  await sink.init();
  const bar = createProgressBar('analyze', !flags.quiet);
  const summary = await extractFaces({
    path: video,
    options: extract,
    sink,
    workers,
    onProgress: (p) => bar.update(p.fraction, `${p.frames} frames, ${p.faces} faces, t=${p.t.toFixed(1)}s`),
  });
  const fp = await sink.save({
    video: summary.video,
    extract,
    sample_interval_s: sampleInterval(extract, { fps: summary.video.fps, times: sink.faces.map((f) => f.t) }),
  });
  const timings = {
    extract_ms: Math.round(summary.timings.total_ms),
    decode_wait_ms: Math.round(summary.timings.decode_ms),
    detect_ms: Math.round(summary.timings.detect_ms),
    cloth_ms: Math.round(summary.timings.cloth_ms),
    frames: summary.frames,
    crowd_frames: summary.crowd_frames,
    frames_per_s: Math.round((summary.frames / (summary.timings.total_ms / 1000)) * 100) / 100,
  };
  const { result } = await writeAnalysisOutputs(dir, fp, cluster, timings);
  bar.done(`${summary.frames} frames, ${result.faces.length} faces, ${result.clusters.length} clusters (${summary.backend}) → ${dir}`);
  process.stdout.write(
    `${JSON.stringify({ out: dir, faces: result.faces.length, clusters: result.clusters.length, unclustered: result.unclustered.length })}\n`,
  );
  return 0;
}
