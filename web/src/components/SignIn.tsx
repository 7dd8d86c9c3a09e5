import { useState, type FormEvent } from 'react';

/** The sign-in screen: paste an API key (or open the `#key=` link `npm start` prints). */
export function SignIn({ message, onSubmit }: { message: string | null; onSubmit: (key: string) => void }) {
  const [key, setKey] = useState('');
  function submit(event: FormEvent) {
    event.preventDefault();
    if (key.trim()) onSubmit(key.trim());
  }
  return (
    <section aria-labelledby="signin-title" className="signin">
      <h1 id="signin-title">Sign in</h1>
      <div className="card">
        <p>
          Trellis needs an API key. On a first start the server prints an admin key with a sign-in link (<span className="mono">http://…/#key=…</span>) and
          writes it to <span className="mono">DATA_DIR/admin.key</span>; an admin can create keys for others.
        </p>
        {message && (
          <div className="alert alert-error" role="alert">
            {message}
          </div>
        )}
        <form onSubmit={submit}>
          <label htmlFor="api-key">API key</label>
          <input id="api-key" type="password" autoComplete="off" spellCheck={false} value={key} onChange={(e) => setKey(e.target.value)} placeholder="trk_…" />
          <button type="submit" className="button" disabled={!key.trim()}>
            Sign in
          </button>
        </form>
        <p className="muted small">The key is kept for this browser tab only (sessionStorage) and sent only to this server.</p>
      </div>
    </section>
  );
}
