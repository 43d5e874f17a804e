import { useState } from 'preact/hooks';
import { deleteVideosById, getVideos, postVideos, type Video } from '../../../libs/sdk/index.js';
import { unwrap } from './api.js';
import { bytes } from './format.js';
import type { Session } from './session.js';
import { uploadVideo } from './upload.js';
import { usePoll } from './use-poll.js';

const ACTIVE: Video['status'][] = ['downloading', 'queued', 'processing'];

/** A video given by URL has no file name: it is named after the host it comes from (all the API shows of the URL). */
export const videoName = (v: Video) => v.filename ?? (v.download ? `From ${v.download.host}` : v.id);

export function VideosPage({ session }: { session: Session }) {
  const [videos, setVideos] = useState<Video[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [refresh, setRefresh] = useState(0);

  usePoll(
    async () => {
      try {
        const page = await unwrap(getVideos({ client: session.client, query: { limit: 100 } }));
        session.reachable();
        setVideos(page.items);
        setError(null);
        return page.items.some((v) => ACTIVE.includes(v.status));
      } catch (e) {
        setError(session.fail(e));
        return undefined;
      }
    },
    (active) => (active === undefined ? 3000 : active ? 1000 : 5000),
    [session.client, refresh],
  );

  return (
    <div class="stack">
      <UploadForm
        session={session}
        onUploaded={(id) => {
          location.hash = `#/videos/${id}`;
        }}
      />
      <section class="card" aria-labelledby="videos-title">
        <h1 id="videos-title">Videos</h1>
        {error && (
          <p class="banner error" role="alert">
            {error}
          </p>
        )}
        {videos === null ? (
          <p role="status">Loading videos…</p>
        ) : videos.length === 0 ? (
          <p>No videos yet: upload one above.</p>
        ) : (
          <ul class="videos" aria-label="Videos">
            {videos.map((v) => (
              <VideoRow key={v.id} session={session} video={v} onDeleted={() => setRefresh((n) => n + 1)} />
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}

export function statusText(v: Video): string {
  if (v.status === 'ready') return `Ready · ${v.face_count} faces`;
  if (v.status === 'failed') return 'Failed';
  if (v.status === 'queued') return 'Queued';
  if (v.status === 'downloading') {
    const d = v.download;
    if (!d) return 'Downloading';
    return d.total_bytes
      ? `Downloading · ${Math.round((d.received_bytes / d.total_bytes) * 100)}% of ${bytes(d.total_bytes)}`
      : `Downloading · ${bytes(d.received_bytes)}`;
  }
  return `Processing · ${Math.round(v.progress * 100)}%`;
}

function VideoRow({ session, video: v, onDeleted }: { session: Session; video: Video; onDeleted: () => void }) {
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const name = videoName(v);

  async function remove() {
    try {
      await unwrap(deleteVideosById({ client: session.client, path: { id: v.id } }));
      onDeleted();
    } catch (e) {
      setError(session.fail(e));
    }
    setConfirming(false);
  }

  return (
    <li class="video-row">
      <div class="video-main">
        <a href={`#/videos/${v.id}`}>{name}</a>
        <span class={`status ${v.status}`}>{statusText(v)}</span>
        <span class="muted">{bytes(v.size_bytes)}</span>
      </div>
      {ACTIVE.includes(v.status) && v.status !== 'downloading' && (
        <progress max={100} value={Math.round(v.progress * 1000) / 10} aria-label={`Extraction progress of ${name}`}>
          {Math.round(v.progress * 100)}%
        </progress>
      )}
      {v.status === 'failed' && v.error && (
        <p class="banner error">
          Failed: {v.error.message} ({v.error.code})
        </p>
      )}
      {error && (
        <p class="banner error" role="alert">
          {error}
        </p>
      )}
      <div class="row-actions">
        {confirming ? (
          <div role="group" aria-label={`Confirm deleting ${name}`} class="confirm">
            <span>Delete {name} and all its faces?</span>
            <button type="button" class="danger" onClick={() => void remove()}>
              Yes, delete
            </button>
            <button type="button" onClick={() => setConfirming(false)}>
              Cancel
            </button>
          </div>
        ) : (
          <button type="button" onClick={() => setConfirming(true)} aria-label={`Delete ${name}`}>
            Delete
          </button>
        )}
      </div>
    </li>
  );
}

function UploadForm({ session, onUploaded }: { session: Session; onUploaded: (id: string) => void }) {
  const [file, setFile] = useState<File | null>(null);
  const [link, setLink] = useState('');
  const [interval, setIntervalSec] = useState('1');
  const [scenes, setScenes] = useState(false);
  const [progress, setProgress] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function submit(e: Event) {
    e.preventDefault();
    const url = link.trim();
    if (!file && !url) {
      setError('Choose a video file, or give a link to one.');
      return;
    }
    if (file && url) {
      setError('Choose a file or give a link, not both.');
      return;
    }
    const sec = Number(interval);
    if (!scenes && !(sec > 0)) {
      setError('The capture interval must be a number of seconds above 0.');
      return;
    }
    setError(null);
    setProgress(0);
    try {
      const opts = { captureIntervalSec: scenes ? null : sec, useSceneTransition: scenes };
      // A link is only a URL to send: the worker downloads it (the list shows that progress).
      const r = file
        ? await uploadVideo(session.key, file, opts, setProgress)
        : await unwrap(
            postVideos({
              client: session.client,
              body: {
                url,
                ...(opts.captureIntervalSec !== null ? { capture_interval_sec: opts.captureIntervalSec } : {}),
                ...(scenes ? { use_scene_transition: true } : {}),
              },
            }),
          );
      setLink('');
      onUploaded(r.id);
    } catch (err) {
      setError(session.fail(err));
    } finally {
      setProgress(null);
    }
  }

  return (
    <section class="card" aria-labelledby="upload-title">
      <h2 id="upload-title">Upload a video</h2>
      <form onSubmit={(e) => void submit(e)} class="upload">
        <label for="upload-file">Upload video</label>
        <input id="upload-file" type="file" accept="video/*" onChange={(e) => setFile((e.target as HTMLInputElement).files?.[0] ?? null)} />
        <label for="upload-url">From a link</label>
        <input id="upload-url" type="url" placeholder="https://…" value={link} onInput={(e) => setLink((e.target as HTMLInputElement).value)} />
        <label for="upload-interval">Capture interval (seconds)</label>
        <input
          id="upload-interval"
          type="number"
          min="0.04"
          step="0.01"
          value={interval}
          disabled={scenes}
          onInput={(e) => setIntervalSec((e.target as HTMLInputElement).value)}
        />
        <label class="check">
          <input type="checkbox" checked={scenes} onChange={(e) => setScenes((e.target as HTMLInputElement).checked)} /> Sample at scene changes instead
        </label>
        <button type="submit" disabled={progress !== null}>
          Upload
        </button>
      </form>
      {progress !== null && (
        <progress max={100} value={Math.round(progress * 100)} aria-label="Upload progress">
          {Math.round(progress * 100)}%
        </progress>
      )}
      {error && (
        <p class="banner error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
