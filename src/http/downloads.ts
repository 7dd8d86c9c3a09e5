/**
 * GET /downloads/predictions/<id>.csv: the scored CSV of a predictBatchFile call, while it is kept.
 * Needs a signed, unexpired link (the `downloadUrl` predictBatchFile returns, so a browser link
 * works) or a PREDICTOR key in `Authorization`; a guessed id alone gets 401. Served gzip-encoded
 * (as stored) when the client accepts gzip.
 */
import { Router } from 'express';
import { pipeline } from 'node:stream/promises';
import type { ApiKeyService } from '../auth/api-keys.js';
import type { LinkSigner } from '../auth/signed-links.js';
import type { AccessRole } from '../auth/roles.js';
import type { DownloadStore } from '../serving/download-store.js';
import { requireRole } from './authenticate.js';

export interface DownloadAccess {
  keys: ApiKeyService;
  anonymousRole: AccessRole | null;
  signer: LinkSigner;
}

export function predictionDownloadsRouter(store: DownloadStore, access: DownloadAccess): Router {
  const router = Router();
  router.get('/downloads/predictions/:name', async (req, res, next) => {
    if (!access.signer.verify(req.path, req.query.expires, req.query.sig)) {
      const message = req.query.sig !== undefined
        ? 'the download link is invalid or has expired; score the file again'
        : 'a signed download link or an API key with the PREDICTOR role is needed';
      if (!requireRole(req, res, access, 'PREDICTOR', message)) return;
    }
    const match = /^(.+)\.csv$/.exec(req.params.name);
    const file = match?.[1] ? await store.find(match[1]) : null;
    if (!file) {
      res.status(404).json({ error: 'not found (scored files expire; score the file again)' });
      return;
    }
    res.attachment(`predictions-${match?.[1] ?? 'scored'}.csv`);
    // Stored in PostgreSQL (any replica serves it), streamed a few chunks at a time: as stored
    // (gzip) to a client that says it accepts gzip, decompressed on the way for any other.
    const asStored = file.encoding === 'gzip' && req.headers['accept-encoding'] !== undefined && req.acceptsEncodings('gzip', 'identity') === 'gzip';
    res.set({ 'content-type': 'text/csv; charset=utf-8', 'cache-control': 'private, no-store', vary: 'Accept-Encoding' });
    if (asStored) res.set({ 'content-encoding': 'gzip', 'content-length': String(file.encodedBytes) });
    else res.set('content-length', String(file.bytes));
    await pipeline(asStored ? file.openEncoded() : file.open(), res).catch((err: unknown) => {
      if (!res.headersSent) next(err);
      else res.destroy(err instanceof Error ? err : undefined);
    });
  });
  return router;
}
