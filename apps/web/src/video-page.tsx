import { useState } from 'preact/hooks';
import { getVideosById, type Video } from '../../../libs/sdk/index.js';
import { unwrap } from './api.js';
import { QuestionMode } from './questions.js';
import { Review } from './review.js';
import type { Session } from './session.js';
import { usePoll } from './use-poll.js';
import { statusText, videoName } from './videos-page.js';

/** One video: its progress while it is extracted, why it failed, or its characters once ready. */
export function VideoPage({ session, videoId }: { session: Session; videoId: string }) {
  const [video, setVideo] = useState<Video | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [mode, setMode] = useState<'characters' | 'questions'>('characters');

  usePoll(
    async () => {
      try {
        const v = await unwrap(getVideosById({ client: session.client, path: { id: videoId } }));
        session.reachable();
        setVideo(v);
        setError(null);
        return v.status;
      } catch (e) {
        setError(session.fail(e));
        return undefined;
      }
    },
    (status) => (status === 'ready' || status === 'failed' ? null : status === undefined ? 3000 : 1000),
    [session.client, videoId],
  );

  const name = video ? videoName(video) : videoId;
  return (
    <div class="stack">
      <p>
        <a href="#/">← All videos</a>
      </p>
      <section class="card" aria-labelledby="video-title">
        <h1 id="video-title">{name}</h1>
        {error && (
          <p class="banner error" role="alert">
            {error}
          </p>
        )}
        {!video ? (
          !error && <p role="status">Loading…</p>
        ) : (
          <>
            <p class={`status ${video.status}`} role="status">
              {statusText(video)}
            </p>
            {video.status === 'downloading' && video.download?.total_bytes ? (
              <progress max={100} value={Math.round((video.download.received_bytes / video.download.total_bytes) * 1000) / 10} aria-label="Download progress">
                {Math.round((video.download.received_bytes / video.download.total_bytes) * 100)}%
              </progress>
            ) : null}
            {(video.status === 'queued' || video.status === 'processing') && (
              <progress max={100} value={Math.round(video.progress * 1000) / 10} aria-label="Extraction progress">
                {Math.round(video.progress * 100)}%
              </progress>
            )}
            {video.status === 'failed' && (
              <p class="banner error" role="alert">
                This video could not be analysed: {video.error?.message ?? 'no reason was recorded'} ({video.error?.code ?? 'UNKNOWN'}).
              </p>
            )}
          </>
        )}
      </section>
      {video?.status === 'ready' && (
        <>
          <div class="edit-actions" role="group" aria-label="Mode">
            <button type="button" aria-pressed={mode === 'characters'} onClick={() => setMode('characters')}>
              Characters
            </button>
            <button type="button" aria-pressed={mode === 'questions'} onClick={() => setMode('questions')}>
              Review
            </button>
          </div>
          {mode === 'questions' ? <QuestionMode session={session} video={video} /> : <Review session={session} video={video} />}
        </>
      )}
    </div>
  );
}
