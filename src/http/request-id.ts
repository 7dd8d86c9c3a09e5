import { randomUUID } from 'node:crypto';
import type { Express, Request, Response } from 'express';
import type { Logger } from '../logger.js';

declare module 'express-serve-static-core' {
  interface Request {
    id: string;
    /** a logger tagged with the request id, made on first use */
    log: Logger;
  }
}

const SAFE_ID = /^[A-Za-z0-9._-]{1,128}$/;
const LOG = Symbol('request logger');

/**
 * `req.log` on every request of `app`: the child logger is made the first time it is read. Most
 * requests never log (LOG_LEVEL=warn, nothing goes wrong), and a pino child serialises its
 * bindings when it is made, so an eager one per request was pure overhead on the predict path.
 */
export function lazyRequestLogger(app: Express, logger: Logger): void {
  Object.defineProperty(app.request, 'log', {
    configurable: true,
    get(this: Request & { [LOG]?: Logger }): Logger {
      return (this[LOG] ??= logger.child({ requestId: this.id }));
    },
  });
}

/**
 * Gives every request an id (the caller's `x-request-id` when sane), echoes it, and logs the
 * response. A plain function of the request, not a middleware: server.ts runs it with the other
 * per-request steps in one router layer.
 */
export function requestId(logger: Logger): (req: Request, res: Response) => void {
  return (req, res) => {
    const incoming = req.headers['x-request-id'];
    const id = typeof incoming === 'string' && SAFE_ID.test(incoming) ? incoming : randomUUID();
    req.id = id;
    res.setHeader('x-request-id', id);
    // Per-request logging is on the hot path: attach nothing when it is off (e.g. LOG_LEVEL=warn).
    if (!logger.isLevelEnabled('info')) return;
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      req.log.info({ method: req.method, url: req.originalUrl, status: res.statusCode, ms: Math.round(ms * 100) / 100 }, 'request');
    });
  };
}
