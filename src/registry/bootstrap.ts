/** Startup of the registry side of a process: bundled model import and the active-model cache. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import type { Logger } from '../logger.js';
import { loadBundleFromDir } from '../ml/index.js';
import type { ModelRegistry } from './registry.js';

/**
 * On an empty registry, imports the committed bundle (models/facility-rating/) as version 1,
 * ACTIVE. Without a bundle on disk the registry stays empty until the first training succeeds.
 */
export async function importBundledIfEmpty(registry: ModelRegistry, pool: pg.Pool, dir: string, logger: Logger): Promise<number | null> {
  const any = await pool.query('SELECT 1 FROM model_version LIMIT 1');
  if (any.rowCount) return null;
  if (!existsSync(path.join(dir, 'metadata.json'))) {
    logger.warn({ dir }, 'no bundled model to import: predictions wait for the first trained model');
    return null;
  }
  const bundle = await loadBundleFromDir(dir);
  const version = await registry.importBundled(bundle);
  if (version !== null) logger.info({ version, dir }, 'imported the bundled model');
  return version;
}
