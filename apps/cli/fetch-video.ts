import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { downloadToFile } from '../../libs/ingest/index.js';
import { createProgressBar } from './progress.js';

/** Whether `analyze`'s VIDEO is a URL to download first. */
export const isVideoUrl = (arg: string) => /^https?:\/\//i.test(arg);

const mb = (n: number) => `${(n / 1024 ** 2).toFixed(1)} MB`;

/**
 * Downloads a video URL into a temporary directory for `keycast analyze`, with a progress bar: the service's address
 * rules (a public address only) unless `allowPrivate` (--allow-private-url, for a server on this machine or network),
 * the same retries, Range resume and timeouts as the worker's download. The file is the caller's to `cleanup`.
 * Progress and errors name the URL's host only.
 */
export async function fetchVideo(
  url: string,
  { allowPrivate, quiet }: { allowPrivate: boolean; quiet: boolean },
): Promise<{ path: string; cleanup(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'keycast-download-'));
  const cleanup = () => rm(dir, { recursive: true, force: true });
  let ext = '';
  try {
    ext = extname(new URL(url).pathname)
      .replace(/[^.a-zA-Z0-9]/g, '')
      .slice(0, 10);
  } catch {
    // Not a URL: downloadToFile says so (INVALID_URL).
  }
  const path = join(dir, `video${ext}`);
  const bar = createProgressBar('download', !quiet);
  try {
    const r = await downloadToFile(url, path, {
      policy: { allowPrivate, allowedHosts: [] },
      maxBytes: 0,
      readTimeoutMs: 30_000,
      totalTimeoutMs: 0,
      attempts: 4,
      backoffMs: 1000,
      onProgress: ({ received, total }) => bar.update(total ? received / total : 0, total ? `${mb(received)} of ${mb(total)}` : mb(received)),
      onRetry: (x) => {
        if (!quiet)
          process.stderr.write(`\ndownload: ${x.code}: ${x.message}; retrying in ${x.delayMs} ms${x.resumeFrom ? ` from byte ${x.resumeFrom}` : ''}\n`);
      },
    });
    bar.done(`${mb(r.bytes)} from ${r.host}`);
    return { path, cleanup };
  } catch (e) {
    await cleanup();
    throw e;
  }
}
