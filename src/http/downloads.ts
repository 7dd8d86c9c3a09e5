/** GET /downloads/predictions/<id>.csv: the scored CSV of a predictBatchFile call, while it is kept. */
import { Router } from 'express';
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
    res.sendFile(file, { dotfiles: 'allow', headers: { 'content-type': 'text/csv; charset=utf-8', 'cache-control': 'private, no-store' } }, (err) => {
      if (err && !res.headersSent) next(err);
    });
  });
  return router;
}
