/**
 * CORS for browser clients on other origins (Apollo Studio's Explorer, third-party dashboards).
 * Only the listed origins get CORS headers; the web UI is same-origin and needs none. Apollo's
 * CSRF prevention stays on: a cross-origin multipart request still needs `apollo-require-preflight`.
 */
import type { Request, Response } from 'express';

const ALLOWED_HEADERS = 'content-type, authorization, apollo-require-preflight, x-apollo-operation-name, x-request-id, apollographql-client-name, apollographql-client-version';

/** CORS headers for `req`; true when it was a preflight, answered here (nothing else must run). */
export function cors(allowedOrigins: readonly string[]): (req: Request, res: Response) => boolean {
  const any = allowedOrigins.includes('*');
  const allowed = new Set(allowedOrigins);
  return (req, res) => {
    const origin = req.headers.origin;
    if (origin && (any || allowed.has(origin))) {
      res.setHeader('access-control-allow-origin', any ? '*' : origin);
      if (!any) res.append('vary', 'Origin');
      res.setHeader('access-control-expose-headers', 'x-request-id');
      if (req.method === 'OPTIONS') {
        res.setHeader('access-control-allow-methods', 'GET, POST, OPTIONS');
        res.setHeader('access-control-allow-headers', ALLOWED_HEADERS);
        res.setHeader('access-control-max-age', '600');
        res.status(204).end();
        return true;
      }
    }
    return false;
  };
}

/**
 * Whether a browser page of `origin` may open a WebSocket here: no Origin (not a browser), the
 * server's own origin (same host), or a listed one.
 */
export function originAllowed(origin: string | undefined, host: string | undefined, allowedOrigins: readonly string[]): boolean {
  if (!origin) return true;
  if (allowedOrigins.includes('*') || allowedOrigins.includes(origin)) return true;
  try {
    return host !== undefined && new URL(origin).host === host;
  } catch {
    return false;
  }
}
