import { useState } from 'preact/hooks';

export function SignIn({ notice, onSignIn }: { notice: string | null; onSignIn: (key: string) => Promise<string | null> }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: Event) {
    e.preventDefault();
    const k = key.trim();
    if (!k) {
      setError('Enter an API key (it starts with kc_).');
      return;
    }
    setBusy(true);
    setError(await onSignIn(k));
    setBusy(false);
  }

  return (
    <section class="card narrow" aria-labelledby="sign-in-title">
      <h1 id="sign-in-title">Sign in</h1>
      <p>
        Review the characters keycast found in your videos. Your API key stays in this tab only (session storage) and is sent as{' '}
        <code>Authorization: Bearer</code>.
      </p>
      {notice && (
        <p class="banner info" role="status">
          {notice}
        </p>
      )}
      <form onSubmit={(e) => void submit(e)}>
        <label for="api-key">API key</label>
        <input
          id="api-key"
          type="text"
          autocomplete="off"
          spellcheck={false}
          value={key}
          placeholder="kc_…"
          onInput={(e) => setKey((e.target as HTMLInputElement).value)}
          aria-describedby={error ? 'sign-in-error' : undefined}
        />
        <button type="submit" disabled={busy}>
          Sign in
        </button>
      </form>
      {error && (
        <p id="sign-in-error" class="banner error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
