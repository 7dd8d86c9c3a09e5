/**
 * Provides tests with a PostgreSQL server they may create databases on: the one named by
 * DATABASE_URL when set, else an embedded server started here, by the same code as `npm start`
 * (in a temporary DATA_DIR: 0700, so as root its cluster is kept elsewhere and removed at the end).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../../src/db/embedded-postgres.js';
import { removeRelocatedCluster } from '../../src/db/postgres-cluster.js';
import { createLogger } from '../../src/logger.js';

declare module 'vitest' {
  export interface ProvidedContext {
    adminDatabaseUrl: string;
    databaseKind: 'embedded' | 'external';
  }
}

let embedded: EmbeddedDatabase | null = null;
let dataDir: string | null = null;

export async function setup(project: TestProject): Promise<void> {
  const external = process.env.DATABASE_URL;
  if (external) {
    project.provide('adminDatabaseUrl', external);
    project.provide('databaseKind', 'external');
    console.log(`[tests] PostgreSQL: DATABASE_URL (${new URL(external).host})`);
    return;
  }
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'trellis-test-pg-'));
  embedded = await startEmbeddedPostgres(dataDir, createLogger('warn', 'test-db'));
  project.provide('adminDatabaseUrl', embedded.urlFor('postgres'));
  project.provide('databaseKind', 'embedded');
  console.log(`[tests] PostgreSQL: embedded server on port ${embedded.port}`);
}

export async function teardown(): Promise<void> {
  await embedded?.stop();
  if (dataDir) {
    await removeRelocatedCluster(dataDir);
    await rm(dataDir, { recursive: true, force: true });
  }
}
