/**
 * GET /metrics: the process's Prometheus metrics in the text exposition format. Open by default
 * (the usual in-cluster scrape); with METRICS_ROLE set, it needs `Authorization: Bearer <key>` of
 * at least that role (Prometheus: `authorization: { credentials: <key> }` in the scrape config).
 */
import { Router } from 'express';
import type { ApiKeyService } from '../auth/api-keys.js';
import type { AccessRole } from '../auth/roles.js';
import type { Metrics } from '../observability/metrics.js';
import { requireRole } from './authenticate.js';

export interface MetricsAccess {
  keys: ApiKeyService;
  anonymousRole: AccessRole | null;
  /** null: open */
  role: AccessRole | null;
}

export function metricsRouter(metrics: Metrics, access: MetricsAccess): Router {
  const router = Router();
  router.get('/metrics', async (req, res, next) => {
    if (access.role && !requireRole(req, res, access, access.role, `an API key with the ${access.role} role (or higher) is needed to read metrics`)) return;
    try {
      const { contentType, body } = await metrics.exposition();
      res.set('content-type', contentType).set('cache-control', 'no-store').send(body);
    } catch (error) {
      next(error);
    }
  });
  return router;
}
