/**
 * Security headers (helmet) with a Content-Security-Policy that fits the web UI: scripts, styles,
 * fonts and data only from this origin (Vite emits no inline script; React's `style` props are
 * set through the DOM, which CSP does not restrict), images also as data:/blob: URLs (charts),
 * WebSocket and fetch to this origin, no framing. `upgrade-insecure-requests` is left out: it
 * would break the UI served over plain HTTP on anything but localhost. GET /graphql (Apollo's
 * landing page, loaded from Apollo's CDN) keeps helmet's other headers but no CSP.
 */
import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';

export function securityHeaders() {
  const strict = helmet({
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
  });
  const withoutCsp = helmet({ contentSecurityPolicy: false, strictTransportSecurity: false, crossOriginEmbedderPolicy: false });
  return (req: Request, res: Response, next: NextFunction): void => {
    if (req.path === '/graphql') withoutCsp(req, res, next);
    else strict(req, res, next);
  };
}
