import type { Ref } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Video } from '../../../libs/sdk/index.js';
import { mediaUrl, type Session } from './session.js';

/** Seeks the player to `at` seconds and plays from there. */
export function playAt(player: HTMLVideoElement | null, at: number): void {
  if (!player) return;
  player.currentTime = at;
  // A browser may refuse to start playback (autoplay policy); the seek stands, and the controls start it.
  player.play().catch(() => undefined);
}

/**
 * The video itself. It keeps the URL it started with: a new media token (every 10 minutes) must not restart playback.
 * Only when that URL stops working (its token expired) does it take the current one, at the same position.
 */
export function Player({ session, video, player }: { session: Session; video: Video; player: Ref<HTMLVideoElement> }) {
  const src = mediaUrl(session, `/videos/${video.id}/media`);
  const [playerSrc, setPlayerSrc] = useState<string | undefined>(undefined);
  const resumeAt = useRef<number | null>(null);
  const el = () => (player as { current: HTMLVideoElement | null }).current;
  useEffect(() => {
    if (playerSrc === undefined && src) setPlayerSrc(src);
  }, [src, playerSrc]);
  function onError() {
    if (!src || src === playerSrc) return;
    resumeAt.current = el()?.currentTime ?? null;
    setPlayerSrc(src);
  }
  function onMetadata() {
    const v = el();
    if (resumeAt.current !== null && v) v.currentTime = resumeAt.current;
    resumeAt.current = null;
  }
  return (
    <section class="card player-card" aria-label="Player">
      {playerSrc ? (
        <video
          ref={player}
          src={playerSrc}
          controls
          preload="metadata"
          aria-label={`Video ${video.filename ?? video.id}`}
          class="player"
          onError={onError}
          onLoadedMetadata={onMetadata}
        />
      ) : (
        <p role="status">Preparing the player…</p>
      )}
    </section>
  );
}
