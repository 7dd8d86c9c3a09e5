/**
 * Composition root: starts the database (embedded unless DATABASE_URL), runs migrations,
 * wires services for the process's ROLE, and starts the HTTP + WebSocket server.
 * `stop()` undoes it all in reverse order.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import type { DataSource } from 'typeorm';
import type { Config } from './config.js';
import { DatasetService } from './datasets/datasets.js';
import { openDatabase } from './db/data-source.js';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './db/embedded-postgres.js';
import { createNotifyBus, type NotifyBus } from './db/notify-bus.js';
import { bindSubscriptionServices } from './graphql/common.types.js';
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
import type { AppServices } from './services.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), import.meta.url.includes('/dist/') ? '../..' : '..');

export interface RunningApp {
  /** Base URL of the HTTP server, or null for ROLE=worker. */
  url: string | null;
  services: AppServices;
  http: RunningHttpServer | null;
  stop(): Promise<void>;
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
    const dataSource: DataSource = await openDatabase(databaseUrl);
    onStop('database-pool', () => dataSource.destroy());
    const bus: NotifyBus = await createNotifyBus(databaseUrl, logger);
    onStop('notify-bus', () => bus.close());

    const pool = poolOf(dataSource);
    const registry = new ModelRegistry({ pool, logger, tolerance: config.gate.tolerance });
    await importBundledIfEmpty(registry, pool, config.bundledModelDir, logger);
    const models = new ActiveModelCache({ pool, bus, logger, cacheSize: config.predict.modelCacheSize });
    // Workers never predict: only API processes load and follow the active model.
    if (config.role !== 'worker') await models.start();
    onStop('model-cache', async () => models.stop());

    const predictor = new Predictor(models, {
      microBatchWindowMs: config.predict.microBatchWindowMs, microBatchMaxRows: config.predict.microBatchMaxRows,
      microBatchFlushWhenIdle: config.predict.microBatchFlushWhenIdle,
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

    const jobs = new JobQueue({ pool, maxAttempts: config.jobs.maxAttempts });
    const datasets = new DatasetService({ pool, queue: jobs, limits: config.upload });
    let trainer: Trainer | null = null;
    if (config.role !== 'api' && config.jobs.concurrency > 0) {
      const started = new Trainer({ pool, bus, logger, registry, jobs: config.jobs });
      started.start();
      // Stopped before the pool and the bus: running jobs are handed back (QUEUED) first.
      onStop('trainer', () => started.stop());
      trainer = started;
    }

    const services: AppServices = {
      config, logger, dataSource, bus, startedAt: new Date(), models, registry, predictor, predictionDownloads, datasets, jobs, trainer,
    };

    let http: RunningHttpServer | null = null;
    if (config.role !== 'worker') {
      const schema = await buildTrellisSchema(services);
      bindSubscriptionServices(schema, services);
      http = await startHttpServer({
        schema,
        logger,
        port: config.port,
        host: config.host,
        webDir: path.join(REPO_ROOT, 'web', 'dist'),
        upload: { maxBytes: config.upload.maxBytes },
        corsOrigins: config.corsOrigins,
        routes: [predictionDownloadsRouter(predictionDownloads)],
        // No field sets a cache hint, so Apollo's cache-control plugin would only wrap every resolver
        // call (measured: ~13 µs of a ~40 µs predict operation). README "Predictions" has the figures.
        plugins: [ApolloServerPluginCacheControlDisabled()],
        readiness: async () => {
          const database = await dataSource.query('SELECT 1').then(() => true, () => false);
          return { database, model: models.status() };
        },
      });
      const server = http;
      onStop('http-server', () => server.close());
    }

    return { url: http?.url ?? null, services, http, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
