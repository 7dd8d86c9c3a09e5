import { DataSource } from 'typeorm';
import { MIGRATIONS } from '../../migrations/index.js';

export class DatabaseUnreachableError extends Error {
  constructor(public readonly host: string, public readonly port: number, cause: unknown) {
    const detail = cause instanceof Error && cause.message ? `: ${cause.message}` : '';
    super(`cannot reach PostgreSQL at ${host}:${port}${detail}`, { cause });
    this.name = 'DatabaseUnreachableError';
  }
}

export function describeUrl(url: string): { host: string; port: number; database: string } {
  const u = new URL(url);
  return { host: u.hostname || 'localhost', port: Number(u.port || 5432), database: u.pathname.replace(/^\//, '') };
}

const MIGRATION_LOCK_KEY = 7_261_001;

/** Server-side bounds on every pooled connection (0 = no limit). */
export interface SessionBounds {
  /** a statement running longer is cancelled (57014) */
  statementTimeoutMs: number;
  /** a session idle inside an open transaction longer is ended, releasing its locks */
  idleInTransactionTimeoutMs: number;
}

export function createDataSource(url: string, poolSize = 10, bounds?: SessionBounds): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    // No entities: rows are typed by one interface per table (see rows.ts); TypeORM runs the migrations and holds the pool.
    entities: [],
    migrations: MIGRATIONS,
    migrationsRun: false,
    synchronize: false,
    logging: false,
    extra: {
      max: poolSize, connectionTimeoutMillis: 5_000, application_name: 'trellis',
      // TCP keepalive: a connection whose server vanished without a FIN fails instead of hanging.
      keepAlive: true,
      ...(bounds ? { statement_timeout: bounds.statementTimeoutMs, idle_in_transaction_session_timeout: bounds.idleInTransactionTimeoutMs } : {}),
    },
  });
}

/** Connects and runs pending migrations. Connection failures become one DatabaseUnreachableError naming host and port. */
export async function openDatabase(url: string, poolSize = 10, bounds?: SessionBounds): Promise<DataSource> {
  const { host, port } = describeUrl(url);
  const dataSource = createDataSource(url, poolSize, bounds);
  try {
    await dataSource.initialize();
  } catch (error) {
    throw new DatabaseUnreachableError(host, port, error);
  }
  // Several processes may start at once (api + workers): one runs the migrations, the others wait.
  const runner = dataSource.createQueryRunner();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    await dataSource.runMigrations({ transaction: 'each' });
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await runner.release();
  }
  return dataSource;
}
