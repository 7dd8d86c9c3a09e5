import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError, errorMessage, request, setStoredKey, setUnauthenticatedHandler, storedKey, takeKeyFromLocation } from './api/client';
import { SessionDocument } from './api/documents';
import type { Role } from './api/types';
import { Loading } from './components/Loading';
import { SignIn } from './components/SignIn';
import { InputLimitsContext, type InputLimits } from './limits';
import { SessionContext, useSession as useSessionValue, type Session } from './session';
import { navigate, useLocation } from './router';
import { ROUTES } from './routes';

type AuthState =
  | { status: 'checking' }
  | { status: 'signed-out'; message: string | null }
  | { status: 'signed-in'; name: string | null; role: Role; limits: InputLimits };

/** Signs in (a stored key, a `#key=` link, or ANONYMOUS_ROLE) before showing the pages. */
export function App() {
  const [auth, setAuth] = useState<AuthState>({ status: 'checking' });

  const check = useCallback(async (failureMessage: string | null) => {
    setAuth({ status: 'checking' });
    try {
      const data = await request(SessionDocument);
      const limits = data.serverInfo.inputLimits;
      if (data.me) setAuth({ status: 'signed-in', name: data.me.name, role: data.me.role, limits });
      else if (data.serverInfo.anonymousRole) setAuth({ status: 'signed-in', name: null, role: data.serverInfo.anonymousRole, limits });
      else setAuth({ status: 'signed-out', message: failureMessage });
    } catch (error) {
      if (error instanceof ApiError && error.code === 'UNAUTHENTICATED') {
        setStoredKey(null);
        setAuth({ status: 'signed-out', message: storedKey() === null && failureMessage ? failureMessage : 'That key is unknown or has been revoked.' });
      } else {
        setAuth({ status: 'signed-out', message: errorMessage(error) });
      }
    }
  }, []);

  useEffect(() => {
    takeKeyFromLocation();
    void check(null);
    setUnauthenticatedHandler((message) => {
      setStoredKey(null);
      setAuth({ status: 'signed-out', message: `Signed out: ${message}` });
    });
    return () => setUnauthenticatedHandler(null);
  }, [check]);

  const signOut = useCallback(() => {
    setStoredKey(null);
    setAuth({ status: 'signed-out', message: null });
  }, []);

  if (auth.status === 'checking') {
    return (
      <main id="main">
        <Loading label="Signing in…" />
      </main>
    );
  }
  if (auth.status === 'signed-out') {
    return (
      <main id="main">
        <SignIn
          message={auth.message}
          onSubmit={(key) => {
            setStoredKey(key);
            void check('That key is unknown or has been revoked.');
          }}
        />
      </main>
    );
  }
  return (
    <SessionContext.Provider value={{ name: auth.name, role: auth.role, signOut }}>
      <InputLimitsContext.Provider value={auth.limits}>
        <Shell />
      </InputLimitsContext.Provider>
    </SessionContext.Provider>
  );
}

function Shell() {
  const { path } = useLocation();
  const route = ROUTES.find((r) => r.path === path);
  const Page = route?.page ?? NotFound;
  const title = route?.title ?? 'Not found';
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);

  useEffect(() => {
    document.title = `${title} · Trellis`;
    // After client-side navigation, move focus to the new page so keyboard and screen-reader users follow.
    if (first.current) first.current = false;
    else main.current?.focus();
  }, [title]);

  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <a
          className="brand"
          href="/"
          onClick={(event) => {
            event.preventDefault();
            navigate('/');
          }}
        >
          <span className="brand-mark" aria-hidden="true">
            ▦
          </span>{' '}
          Trellis
        </a>
        <nav aria-label="Main">
          <ul>
            {ROUTES.map((route) => (
              <li key={route.path}>
                <a
                  href={route.path}
                  aria-current={route.path === path ? 'page' : undefined}
                  onClick={(event) => {
                    if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
                    event.preventDefault();
                    navigate(route.path);
                  }}
                >
                  {route.title}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <SessionBadge />
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        <Page />
      </main>
      <footer className="footer">Trellis · facility-rating classifier · GraphQL at /graphql</footer>
    </>
  );
}

function NotFound() {
  return (
    <section>
      <h1>Page not found</h1>
      <p>
        <a href="/">Go to the overview</a>
      </p>
    </section>
  );
}

function SessionBadge() {
  const session: Session = useSessionValue();
  return (
    <div className="session" data-testid="session">
      <span className="session-name">{session.name ?? 'anonymous'}</span>
      <span className="session-role" data-testid="session-role">
        {session.role}
      </span>
      {session.name !== null && (
        <button type="button" className="button button-small" onClick={session.signOut}>
          Sign out
        </button>
      )}
    </div>
  );
}
