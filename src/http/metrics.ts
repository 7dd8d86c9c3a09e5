/** GET /metrics: the process's Prometheus metrics in the text exposition format. */
import { Router } from 'express';
import type { Metrics } from '../observability/metrics.js';

export function metricsRouter(metrics: Metrics): Router {
  const router = Router();
  router.get('/metrics', async (_req, res, next) => {
    try {
      const { contentType, body } = await metrics.exposition();
      res.set('content-type', contentType).set('cache-control', 'no-store').send(body);
    } catch (error) {
      next(error);
    }
  });
  return router;
}
