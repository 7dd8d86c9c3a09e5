/**
 * Security headers (helmet) with a Content-Security-Policy that fits the web UI: scripts, styles,
 * fonts and data only from this origin (Vite emits no inline script; React's `style` props are
 * set through the DOM, which CSP does not restrict), images also as data:/blob: URLs (charts),
 * WebSocket and fetch to this origin, no framing. `upgrade-insecure-requests` is left out: it
 * would break the UI served over plain HTTP on anything but localhost. GET /graphql (Apollo's
 * landing page, loaded from Apollo's CDN) keeps helmet's other headers but no CSP.
 *
 * With these options every helmet header is a constant, so helmet runs once, at start, against a
 * recorder, and each request gets the recorded headers in one loop instead of a chain of eleven
 * middlewares.
 */
import type { Request, Response } from 'express';
import helmet from 'helmet';

/** A header helmet sets (value) or removes (null). */
type HeaderChange = readonly [name: string, value: string | null];

type Middleware = (req: Request, res: Response, next: (error?: unknown) => void) => void;

/** The header changes `middleware` makes, recorded once. It must not depend on the request. */
export function recordHeaderChanges(middleware: Middleware): HeaderChange[] {
  const changes: HeaderChange[] = [];
  const recorder = {
    setHeader(name: string, value: string | number | readonly string[]) {
      changes.push([name, Array.isArray(value) ? value.join(', ') : String(value)]);
      return recorder;
    },
    removeHeader(name: string) {
      changes.push([name, null]);
    },
  };
  let done = false;
  middleware({} as Request, recorder as unknown as Response, (error) => {
    if (error) throw error instanceof Error ? error : new Error(String(error));
    done = true;
  });
  if (!done) throw new Error('the header middleware did not finish synchronously');
  return changes;
}

function apply(res: Response, changes: readonly HeaderChange[]): void {
  for (const [name, value] of changes) {
    if (value === null) res.removeHeader(name);
    else res.setHeader(name, value);
  }
}

export function securityHeaders() {
  const strict = recordHeaderChanges(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'", "'unsafe-inline'"],
          imgSrc: ["'self'", 'data:', 'blob:'],
          fontSrc: ["'self'", 'data:'],
          connectSrc: ["'self'"],
          objectSrc: ["'none'"],
          baseUri: ["'self'"],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
        },
      },
      // Behind TLS, the terminating proxy decides on HSTS; over plain HTTP browsers ignore it.
      strictTransportSecurity: false,
      crossOriginEmbedderPolicy: false,
    }),
  );
  const withoutCsp = recordHeaderChanges(helmet({ contentSecurityPolicy: false, strictTransportSecurity: false, crossOriginEmbedderPolicy: false }));
  return (req: Request, res: Response): void => {
    apply(res, req.path === '/graphql' ? withoutCsp : strict);
  };
}
