/**
 * Composition root: starts the database (embedded unless DATABASE_URL), runs migrations,
 * wires services for the process's ROLE, and starts the HTTP + WebSocket server.
 * `stop()` undoes it all in reverse order.
 */
import path from 'node:path';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import type { DataSource } from 'typeorm';
import { AuditLog } from './audit/audit-log.js';
import { ApiKeyService, type GeneratedAdminKey } from './auth/api-keys.js';
import { RateLimiter } from './auth/rate-limit.js';
import { LinkSigner } from './auth/signed-links.js';
import type { Config } from './config.js';
import { DatasetService } from './datasets/datasets.js';
import { openDatabase } from './db/data-source.js';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './db/embedded-postgres.js';
import { createNotifyBus, type NotifyBus } from './db/notify-bus.js';
import { bindSubscriptionServices } from './graphql/common.types.js';
import { OperationGuard } from './graphql/operation-guard.js';
import { buildTrellisSchema } from './graphql/schema.js';
import { predictionDownloadsRouter } from './http/downloads.js';
import { assertPortFree, startHttpServer, type RunningHttpServer } from './http/server.js';
import { JobQueue } from './jobs/queue.js';
import { poolOf } from './db/sql.js';
import { Trainer } from './jobs/trainer.js';
import type { Logger } from './logger.js';
import { importBundledIfEmpty } from './registry/bootstrap.js';
import { ActiveModelCache } from './registry/model-cache.js';
import { ModelRegistry } from './registry/registry.js';
import { DownloadStore } from './serving/download-store.js';
import { Predictor } from './serving/predictor.js';
import { metricsRouter } from './http/metrics.js';
import { Metrics } from './observability/metrics.js';
import { graphqlMetricsPlugin } from './observability/graphql-metrics.js';
import { WebhookService } from './webhooks/webhooks.js';
import type { AppServices } from './services.js';
import { REPO_ROOT } from './paths.js';

export interface RunningApp {
  /** Base URL of the HTTP server, or null for ROLE=worker. */
  url: string | null;
  services: AppServices;
  http: RunningHttpServer | null;
  /** The admin key generated on a first start (no key in the database, no ADMIN_API_KEY), to print once. */
  generatedAdminKey: GeneratedAdminKey | null;
  stop(): Promise<void>;
}

/** The link that opens the web UI signed in with `key` (the UI reads it from the fragment, which never reaches a server). */
export function signInLink(url: string, key: string): string {
  return `${url}/#key=${encodeURIComponent(key)}`;
}

export async function startApp(config: Config, logger: Logger): Promise<RunningApp> {
  const cleanups: Array<{ name: string; run: () => Promise<void> }> = [];
  const onStop = (name: string, run: () => Promise<void>) => cleanups.push({ name, run });
  const stopAll = async () => {
    for (const { name, run } of cleanups.reverse()) {
      try {
        await run();
        logger.debug({ part: name }, 'stopped');
      } catch (error) {
        logger.error({ err: error, part: name }, 'error during shutdown');
      }
    }
    cleanups.length = 0;
  };

  try {
    if (config.role !== 'worker') await assertPortFree(config.port, config.host);
    let databaseUrl = config.databaseUrl;
    if (!databaseUrl) {
      const embedded: EmbeddedDatabase = await startEmbeddedPostgres(config.dataDir, logger);
      onStop('embedded-postgres', () => embedded.stop());
      databaseUrl = embedded.url;
    }
    const dataSource: DataSource = await openDatabase(databaseUrl, 10, {
      statementTimeoutMs: config.db.statementTimeoutMs, idleInTransactionTimeoutMs: config.db.idleInTransactionTimeoutMs,
    });
    onStop('database-pool', () => dataSource.destroy());
    const bus: NotifyBus = await createNotifyBus(databaseUrl, logger);
    onStop('notify-bus', () => bus.close());

    const pool = poolOf(dataSource);
    const registry = new ModelRegistry({ pool, bus, logger, gate: config.gate });
    const bundled = await importBundledIfEmpty(registry, pool, config.bundledModelDir, logger);
    const models = new ActiveModelCache({ pool, bus, logger, cacheSize: config.predict.modelCacheSize, bundledError: bundled.error });
    // Workers never predict: only API processes load and follow the active model.
    if (config.role !== 'worker') await models.start();
    onStop('model-cache', async () => models.stop());

    const jobs = new JobQueue({ pool, bus, maxAttempts: config.jobs.maxAttempts });
    const metrics = new Metrics({ jobCounts: () => jobs.countByStatus(), activeVersion: () => models.status().version });
    const predictor = new Predictor(models, {
      microBatchWindowMs: config.predict.microBatchWindowMs, microBatchMaxRows: config.predict.microBatchMaxRows,
      microBatchFlushWhenIdle: config.predict.microBatchFlushWhenIdle,
      observer: {
        forwardPass(version, probabilities, n, microBatched) {
          metrics.countPredictions(version, probabilities, n);
          if (microBatched) metrics.observeMicroBatch(n);
        },
      },
    });
    // Scored CSVs live in PostgreSQL, so a download URL works on every API replica.
    const predictionDownloads = new DownloadStore({
      db: pool, ttlMs: config.predict.downloadTtlMs, maxFiles: config.predict.downloadMaxFiles, logger,
    });
    if (config.role !== 'worker') predictionDownloads.start();
    onStop('predictions', async () => {
      predictor.flush();
      predictionDownloads.stop();
    });

    const apiKeys = new ApiKeyService({ pool, bus, logger, refreshMs: config.auth.keyRefreshMs });
    let generatedAdminKey: GeneratedAdminKey | null = null;
    if (config.role !== 'worker') {
      generatedAdminKey = await apiKeys.bootstrap({ adminApiKey: config.auth.adminApiKey, dataDir: config.dataDir });
      await apiKeys.start();
      onStop('api-keys', () => apiKeys.stop());
    }
    const audit = new AuditLog({ pool });
    const downloadLinks = new LinkSigner(config.auth.downloadLinkSecret);

    const datasets = new DatasetService({
      pool, queue: jobs, limits: config.upload,
      driftReference: () => {
        const active = models.active();
        const profile = active?.classifier.metadata.dataProfile;
        return active && profile ? { version: active.version, profile } : null;
      },
    });
    let trainer: Trainer | null = null;
    if (config.role !== 'api' && config.jobs.concurrency > 0) {
      const started = new Trainer({
        pool, bus, logger, registry, jobs: config.jobs, db: config.db, tfBackend: config.tfBackend, onEpochTrained: (ms) => metrics.observeEpoch(ms),
        // half the shutdown deadline: the rest is for the HTTP server, the bus and the pool
        stopBudgetMs: Math.floor(config.shutdownTimeoutMs / 2),
      });
      started.start();
      // Stopped before the pool and the bus: running jobs are handed back (QUEUED) first.
      onStop('trainer', () => started.stop());
      trainer = started;
    }

    const webhooks = new WebhookService({ pool, bus, logger: logger.child({ component: 'webhooks' }), options: config.webhooks });
    // Deliveries go out from API processes (workers may run where no outgoing traffic is allowed).
    if (config.role !== 'worker') {
      webhooks.start();
      onStop('webhooks', () => webhooks.stop());
    }

    const services: AppServices = {
      config, logger, dataSource, bus, startedAt: new Date(), models, registry, predictor, predictionDownloads, datasets, jobs, trainer, apiKeys, audit, downloadLinks,
      webhooks, metrics,
    };

    let http: RunningHttpServer | null = null;
    if (config.role !== 'worker') {
      const schema = await buildTrellisSchema(services);
      bindSubscriptionServices(schema, services);
      const limits = { ...config.limits, maxPredictRows: config.predict.maxBatchRows };
      const guard = new OperationGuard({ schema, limits, audit, rateLimiter: new RateLimiter(config.auth.rateLimitPerSecond, config.auth.rateLimitBurst) });
      http = await startHttpServer({
        schema,
        logger,
        port: config.port,
        host: config.host,
        webDir: path.join(REPO_ROOT, 'web', 'dist'),
        upload: { maxBytes: config.upload.maxBytes },
        corsOrigins: config.corsOrigins,
        routes: [
          predictionDownloadsRouter(predictionDownloads, { keys: apiKeys, anonymousRole: config.auth.anonymousRole, signer: downloadLinks }),
          ...(config.metricsEnabled ? [metricsRouter(metrics, { keys: apiKeys, anonymousRole: config.auth.anonymousRole, role: config.metricsRole })] : []),
        ],
        auth: { keys: apiKeys, anonymousRole: config.auth.anonymousRole },
        limits,
        guard,
        introspection: config.introspection,
        landingPage: config.landingPage,
        fieldSuggestions: config.fieldSuggestions,
        compileAfter: config.graphqlCompileAfter,
        countWebSocketOperation: (type, outcome) => metrics.countOperation(type, outcome),
        // No field sets a cache hint, so Apollo's cache-control plugin would only wrap every resolver
        // call (measured: ~13 µs of a ~40 µs predict operation). docs/performance.md has the figures.
        // Inline traces are for federated subgraphs, which this is not: one hook fewer per request.
        plugins: [ApolloServerPluginCacheControlDisabled(), ApolloServerPluginInlineTraceDisabled(), graphqlMetricsPlugin(metrics)],
        readiness: async () => {
          const database = await pool.query('SELECT 1').then(() => true, () => false);
          return { database, model: models.status(), reason: models.unavailableReason(), notify: bus.status() };
        },
      });
      const server = http;
      onStop('http-server', () => server.close());
    }

    return { url: http?.url ?? null, services, http, generatedAdminKey, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
