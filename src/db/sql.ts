/**
 * The thin SQL layer under the queue, the registry and uploads: plain `pg` on the pool TypeORM
 * already holds (no second pool), so statements return `rows` exactly as Postgres sent them.
 */
import type pg from 'pg';
import type { DataSource } from 'typeorm';

/** Anything that runs one parameterised statement: the pool or a client inside a transaction. */
export interface Executor {
  query<R extends pg.QueryResultRow = Record<string, unknown>>(text: string, params?: unknown[]): Promise<pg.QueryResult<R>>;
}

/** The pg.Pool behind a TypeORM DataSource (postgres driver). */
export function poolOf(dataSource: DataSource): pg.Pool {
  const pool = (dataSource.driver as unknown as { master?: pg.Pool }).master;
  if (!pool) throw new Error('the data source is not initialised (no pg pool)');
  return pool;
}

/** Runs `fn` in one transaction on one client; rolls back when it throws. */
export async function transaction<T>(pool: pg.Pool, fn: (client: Executor) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    return await transactionOn(client, fn);
  } finally {
    client.release();
  }
}

/** The same on a client the caller holds (and releases), e.g. one with session state such as a temp table. */
export async function transactionOn<T>(client: pg.PoolClient, fn: (client: Executor) => Promise<T>): Promise<T> {
  await client.query('BEGIN');
  try {
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Whether `id` fits a uuid column: ids that cannot exist are answered without a query (and without a cast error). */
export const isUuid = (id: string): boolean => UUID.test(id);

/** Postgres error code of a pg error (e.g. 23505 unique_violation), if any. */
export function pgCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}

/** Advisory lock key serialising model-registry writes (version numbers, activation). */
export const REGISTRY_LOCK_KEY = 7_261_002;
