/**
 * A tiny history-API router: the server falls back to index.html for every UI path. The pages
 * themselves are listed in routes.ts.
 */
import { useEffect, useState } from 'react';

const EVENT = 'trellis:navigate';

export function navigate(to: string): void {
  if (to === window.location.pathname + window.location.search) return;
  window.history.pushState(null, '', to);
  window.dispatchEvent(new Event(EVENT));
}

export function useLocation(): { path: string; params: URLSearchParams } {
  const read = () => ({ path: window.location.pathname, search: window.location.search });
  const [location, setLocation] = useState(read);
  useEffect(() => {
    const update = () => setLocation(read());
    window.addEventListener('popstate', update);
    window.addEventListener(EVENT, update);
    return () => {
      window.removeEventListener('popstate', update);
      window.removeEventListener(EVENT, update);
    };
  }, []);
  return { path: location.path, params: new URLSearchParams(location.search) };
}
