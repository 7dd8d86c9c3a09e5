/**
 * The collaborators a running process is made of. Built once by `app.ts` (the composition root)
 * and handed to resolvers through the type-graphql container; nothing is a module-level singleton.
 */
import type { DataSource } from 'typeorm';
import type { AuditLog } from './audit/audit-log.js';
import type { ApiKeyService } from './auth/api-keys.js';
import type { LinkSigner } from './auth/signed-links.js';
import type { Config } from './config.js';
import type { NotifyBus } from './db/notify-bus.js';
import type { DatasetService } from './datasets/datasets.js';
import type { JobQueue } from './jobs/queue.js';
import type { Trainer } from './jobs/trainer.js';
import type { Logger } from './logger.js';
import type { ModelSource } from './registry/model-source.js';
import type { ModelRegistry } from './registry/registry.js';
import type { DownloadStore } from './serving/download-store.js';
import type { Predictor } from './serving/predictor.js';
import type { Metrics } from './observability/metrics.js';
import type { WebhookService } from './webhooks/webhooks.js';

export interface AppServices {
  config: Config;
  logger: Logger;
  dataSource: DataSource;
  bus: NotifyBus;
  startedAt: Date;
  /** The active model (hot-swapped) and any version on demand; what serving predicts with. */
  models: ModelSource;
  /** Model versions, the gate, promotion and rollback. */
  registry: ModelRegistry;
  /** Uploaded datasets (upload, stats, reads). */
  datasets: DatasetService;
  /** The training job queue (enqueue, cancel, list). */
  jobs: JobQueue;
  /** This process's trainer, or null when ROLE=api or TRAINER_CONCURRENCY=0. */
  trainer: Trainer | null;
  /** Predictions: validate → features → micro-batch → forward pass, over `models`. */
  predictor: Predictor;
  /** Scored CSVs of predictBatchFile, served at /downloads/predictions/<id>.csv. */
  predictionDownloads: DownloadStore;
  /** API keys: the in-memory cache every request authenticates against, create, revoke. */
  apiKeys: ApiKeyService;
  /** Every mutation call, recorded. */
  audit: AuditLog;
  /** Signs expiring download links (scored CSVs). */
  downloadLinks: LinkSigner;
  /** Webhooks and their durable deliveries. */
  webhooks: WebhookService;
  /** Prometheus metrics of this process (GET /metrics). */
  metrics: Metrics;
}
