/** GET /downloads/predictions/<id>.csv: the scored CSV of a predictBatchFile call, while it is kept. */
import { Router } from 'express';
import { pipeline } from 'node:stream/promises';
import type { DownloadStore } from '../serving/download-store.js';

export function predictionDownloadsRouter(store: DownloadStore): Router {
  const router = Router();
  router.get('/downloads/predictions/:name', async (req, res, next) => {
    const match = /^(.+)\.csv$/.exec(req.params.name);
    const file = match?.[1] ? await store.find(match[1]) : null;
    if (!file) {
      res.status(404).json({ error: 'not found (scored files expire; score the file again)' });
      return;
    }
    res.attachment(`predictions-${match?.[1] ?? 'scored'}.csv`);
    // Stored in PostgreSQL (any replica serves it), streamed a few chunks at a time.
    res.set({ 'content-type': 'text/csv; charset=utf-8', 'cache-control': 'private, no-store', 'content-length': String(file.bytes) });
    await pipeline(file.open(), res).catch((err: unknown) => {
      if (!res.headersSent) next(err);
      else res.destroy(err instanceof Error ? err : undefined);
    });
  });
  return router;
}
