/** Startup of the registry side of a process: bundled model import and the active-model cache. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import type { Logger } from '../logger.js';
import { BundleFormatError, loadBundleFromDir } from '../ml/index.js';
import type { ModelRegistry } from './registry.js';

export interface BundledImport {
  /** the version imported, or null (registry not empty, no bundle on disk, or a bad bundle) */
  version: number | null;
  /** why the bundle on disk was not imported when it is corrupt or unreadable */
  error: string | null;
}

/**
 * On an empty registry, imports the committed bundle (models/facility-rating/) as version 1,
 * ACTIVE, after checking every file against its checksums.sha256. A corrupt bundle is not
 * imported (nor served): the process starts without a model and says why (/readyz). Without a
 * bundle on disk the registry stays empty until the first training succeeds.
 */
export async function importBundledIfEmpty(registry: ModelRegistry, pool: pg.Pool, dir: string, logger: Logger): Promise<BundledImport> {
  const any = await pool.query('SELECT 1 FROM model_version LIMIT 1');
  if (any.rowCount) return { version: null, error: null };
  if (!existsSync(path.join(dir, 'metadata.json'))) {
    logger.warn({ dir }, 'no bundled model to import: predictions wait for the first trained model');
    return { version: null, error: null };
  }
  let bundle;
  try {
    bundle = await loadBundleFromDir(dir, { requireChecksums: true });
  } catch (error) {
    if (!(error instanceof BundleFormatError)) throw error;
    logger.error({ err: error, dir }, 'the bundled model is corrupt or unreadable: not imported, not served');
    return { version: null, error: `the bundled model in ${dir} cannot be used: ${error.message}` };
  }
  const version = await registry.importBundled(bundle);
  if (version !== null) logger.info({ version, dir }, 'imported the bundled model');
  return { version, error: null };
}
