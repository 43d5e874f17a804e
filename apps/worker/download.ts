import type { Job } from 'bullmq';
import { downloadToFile, type DownloadProgress } from '../../libs/ingest/index.js';
import { admitVideo } from '../../libs/media/index.js';
import type { DownloadJobData } from '../../libs/queue/index.js';
import type { Resolve } from '../../libs/webhooks/index.js';
import type { WorkerDeps } from './deps.js';
import { failingVideoOnError } from './failures.js';

/** Progress is written at most this often (a row update per chunk would be thousands a second). */
const PROGRESS_EVERY_MS = 500;

export type DownloadJobResult = { skipped: string } | { bytes: number; resumed: number; attempts: number };

/**
 * The `download` queue's processor: a video given by URL is fetched into storage (libs/ingest: the ingest address
 * rules at every connection, MAX_UPLOAD_BYTES, timeouts, retries, Range resume), then admitted exactly as an upload
 * is (admitVideo: ffprobe, the media policy, the sampled range), marked queued and its extraction queued. Any failure
 * removes what was stored; an expected one (a KeycastError: the documented codes) fails the video with its code and
 * its video.failed webhook (failingVideoOnError). Logs name the host only: the URL may carry a signature.
 * `resolve` replaces DNS in tests.
 */
export function downloadProcessor(deps: WorkerDeps, { resolve }: { resolve?: Resolve } = {}) {
  const { config, store } = deps;
  return failingVideoOnError<DownloadJobData, DownloadJobResult>(deps, async (job: Job<DownloadJobData>) => {
    const { videoId } = job.data;
    const video = await store.videos.get(videoId);
    if (!video) return { skipped: 'video deleted' };
    if (video.status !== 'downloading') return { skipped: `video already ${video.status}` };
    const url = await store.videos.sourceUrl(videoId);
    if (!url) return { skipped: 'no source url' };
    const log = deps.log.child({ host: video.sourceHost });
    const dest = store.files.path(video.sourceKey);
    // At most one write per PROGRESS_EVERY_MS, the latest figures always written in the end (a stall shows how far it got).
    let last = 0;
    let latest: DownloadProgress | null = null;
    let trailing: NodeJS.Timeout | undefined;
    const write = () => {
      trailing = undefined;
      if (!latest) return;
      const { received, total } = latest;
      latest = null;
      last = Date.now();
      store.videos.downloadProgress(videoId, received, total).catch((e: unknown) => log.debug({ err: String(e) }, 'download progress not written'));
    };
    const onProgress = (p: DownloadProgress) => {
      latest = p;
      const wait = last + PROGRESS_EVERY_MS - Date.now();
      if (wait <= 0) write();
      else trailing ??= setTimeout(write, wait);
    };
    const t0 = performance.now();
    try {
      const r = await downloadToFile(url, dest, {
        policy: { allowPrivate: config.ingestAllowPrivate, allowedHosts: config.ingestAllowedHosts },
        maxBytes: config.maxUploadBytes,
        readTimeoutMs: config.ingestReadTimeoutMs,
        totalTimeoutMs: config.ingestTimeoutMs,
        attempts: config.ingestAttempts,
        backoffMs: config.ingestBackoffMs,
        resolve,
        onProgress,
        onRetry: (x) => log.warn({ attempt: x.attempt, code: x.code, err: x.message, delayMs: x.delayMs, resumeFrom: x.resumeFrom }, 'download retry'),
      });
      clearTimeout(trailing);
      const probed = await admitVideo(dest, r.bytes, config, video.options, 'the downloaded file');
      const downloadMs = Math.round(performance.now() - t0);
      if (!(await store.videos.markDownloaded(videoId, { sizeBytes: r.bytes, probe: probed.info }))) return await moved(videoId);
      log.info({ bytes: r.bytes, resumed: r.resumed, attempts: r.attempts, download_ms: downloadMs }, 'downloaded');
      await deps.queues.enqueueExtract(videoId);
      return { bytes: r.bytes, resumed: r.resumed, attempts: r.attempts };
    } catch (e) {
      clearTimeout(trailing);
      // Another run of this job (a lock lost under load) may have finished it meanwhile: its file stays.
      const now = await store.videos.get(videoId).catch(() => undefined);
      if (now && now.status !== 'downloading') return { skipped: `video already ${now.status}` };
      // Nothing of a failed download stays: the partial file is gone already, a downloaded file that is refused goes here.
      await store.files.removeVideo(videoId);
      throw e;
    }
  });

  /** The video left `downloading` while this run downloaded it: deleted (its files go), or another run finished it. */
  async function moved(videoId: string): Promise<DownloadJobResult> {
    const now = await store.videos.get(videoId);
    if (!now) await store.files.removeVideo(videoId);
    return { skipped: now ? `video already ${now.status}` : 'video deleted' };
  }
}
