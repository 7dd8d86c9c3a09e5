import { useEffect, useRef } from 'react';
import { navigate, ROUTES, useLocation } from './router';
import { OverviewPage } from './pages/OverviewPage';
import { DataPage } from './pages/DataPage';
import { TrainingPage } from './pages/TrainingPage';
import { ModelsPage } from './pages/ModelsPage';
import { PredictPage } from './pages/PredictPage';

const PAGES: Record<string, () => React.JSX.Element> = {
  '/': OverviewPage,
  '/data': DataPage,
  '/training': TrainingPage,
  '/models': ModelsPage,
  '/predict': PredictPage,
};

export function App() {
  const { path } = useLocation();
  const Page = PAGES[path] ?? NotFound;
  const title = ROUTES.find((r) => r.path === path)?.title ?? 'Not found';
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
