import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import { getHealth, getVideos } from '../../../libs/sdk/index.js';
import { ApiProblem, clientFor, messageOf, mintMediaToken, unwrap } from './api.js';
import type { Session } from './session.js';
import { SignIn } from './sign-in.js';
import { VideoPage } from './video-page.js';
import { VideosPage } from './videos-page.js';

const KEY_STORAGE = 'keycast.apiKey';
/** Media tokens live 30 minutes (apps/api/media-token.ts): a new one well before the old expires. */
const TOKEN_REFRESH_MS = 10 * 60 * 1000;

function routeOf(hash: string): { videoId: string | null } {
  const m = /^#\/videos\/([0-9a-f-]{36})$/.exec(hash);
  return { videoId: m ? m[1] : null };
}

export function App() {
  const [key, setKey] = useState<string | null>(() => sessionStorage.getItem(KEY_STORAGE));
  const [notice, setNotice] = useState<string | null>(null);
  const [unreachable, setUnreachable] = useState(false);
  const [mediaToken, setMediaToken] = useState<string | null>(null);
  const [route, setRoute] = useState(() => routeOf(location.hash));

  useEffect(() => {
    const on = () => setRoute(routeOf(location.hash));
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);

  const signOut = useCallback((message: string | null) => {
    sessionStorage.removeItem(KEY_STORAGE);
    setKey(null);
    setMediaToken(null);
    setUnreachable(false);
    setNotice(message);
  }, []);

  const client = useMemo(() => (key ? clientFor(key, location.origin) : null), [key]);

  const session = useMemo<Session | null>(
    () =>
      !client || key === null
        ? null
        : {
            client,
            key,
            mediaToken,
            fail(e) {
              if (e instanceof ApiProblem && e.kind === 'unauthorized') signOut(e.message);
              else if (e instanceof ApiProblem && e.kind === 'unreachable') setUnreachable(true);
              return messageOf(e);
            },
            reachable: () => setUnreachable(false),
          },
    [client, key, mediaToken, signOut],
  );

  useEffect(() => {
    if (!client || !session) return;
    let stopped = false;
    const mint = () =>
      mintMediaToken(client).then(
        (t) => {
          if (!stopped) setMediaToken(t.token);
        },
        (e) => {
          if (!stopped) session.fail(e);
        },
      );
    void mint();
    const timer = setInterval(() => void mint(), TOKEN_REFRESH_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
    // A new token only for a new key: the session object changes with every token.
  }, [client]);

  // While the API is gone, ask its open liveness route until it answers, then lower the banner.
  useEffect(() => {
    if (!unreachable || !client) return;
    const timer = setInterval(() => {
      void getHealth({ client }).then((r) => {
        if (r.response?.ok) setUnreachable(false);
      });
    }, 3000);
    return () => clearInterval(timer);
  }, [unreachable, client]);

  async function signIn(candidate: string): Promise<string | null> {
    try {
      await unwrap(getVideos({ client: clientFor(candidate, location.origin), query: { limit: 1 } }));
    } catch (e) {
      if (e instanceof ApiProblem && e.kind === 'unauthorized') return 'That API key was refused: it is unknown, mistyped or revoked.';
      return messageOf(e);
    }
    sessionStorage.setItem(KEY_STORAGE, candidate);
    setNotice(null);
    setKey(candidate);
    return null;
  }

  return (
    <>
      <header class="top">
        <a class="brand" href="#/">
          keycast
        </a>
        {session && (
          <nav aria-label="Account">
            <button type="button" class="link" onClick={() => signOut('You are signed out.')}>
              Sign out
            </button>
          </nav>
        )}
      </header>
      {unreachable && (
        <div class="banner error" role="alert">
          The keycast API cannot be reached. Check the connection; the page retries by itself.
        </div>
      )}
      <main id="main">
        {!session ? (
          <SignIn notice={notice} onSignIn={signIn} />
        ) : route.videoId ? (
          <VideoPage key={route.videoId} session={session} videoId={route.videoId} />
        ) : (
          <VideosPage session={session} />
        )}
      </main>
    </>
  );
}
