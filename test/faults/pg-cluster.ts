/**
 * A PostgreSQL 15 cluster the fault tests own: created with initdb in a temporary directory,
 * started with pg_ctl on a free loopback port, and stopped / restarted / terminated at will. The
 * machine's server on 5432 is never touched.
 *
 * As root, initdb and pg_ctl must run as the `postgres` user, in a directory it owns and can reach
 * through every parent (so under /tmp, made 0755, then chowned).
 */
import { execFile } from 'node:child_process';
import { chmod, chown, mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);
const BIN = process.env.PG_BIN_DIR ?? '/usr/lib/postgresql/15/bin';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function postgresIds(): Promise<{ uid: number; gid: number } | null> {
  if (process.getuid?.() !== 0) return null;
  const { stdout: uid } = await run('id', ['-u', 'postgres']);
  const { stdout: gid } = await run('id', ['-g', 'postgres']);
  return { uid: Number(uid.trim()), gid: Number(gid.trim()) };
}

export interface FaultCluster {
  port: number;
  /** admin URL (database postgres) */
  adminUrl: string;
  /** URL of a database on this cluster (created by createDatabase) */
  urlFor(database: string): string;
  createDatabase(name: string): Promise<string>;
  /** pg_ctl stop -m fast: every session is ended (57P01) and new connections are refused */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** runs one statement as the superuser (a fresh connection each time) */
  query<T extends pg.QueryResultRow = Record<string, unknown>>(text: string, params?: unknown[], database?: string): Promise<T[]>;
  destroy(): Promise<void>;
}

export async function createFaultCluster(): Promise<FaultCluster> {
  const ids = await postgresIds();
  const root = await mkdtemp(path.join(os.tmpdir(), 'trellis-faults-'));
  await chmod(root, 0o755);
  if (ids) await chown(root, ids.uid, ids.gid);
  const dataDir = path.join(root, 'data');
  const as = ids ? { uid: ids.uid, gid: ids.gid } : {};
  const port = await freePort();
  await run(path.join(BIN, 'initdb'), ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync'], { ...as, cwd: root });
  const ctl = (...args: string[]) => run(path.join(BIN, 'pg_ctl'), ['-D', dataDir, ...args], { ...as, cwd: root });
  const options = `-p ${port} -k ${root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100`;
  let running = false;
  const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const urlFor = (database: string) => `postgres://postgres@127.0.0.1:${port}/${database}`;
  const cluster: FaultCluster = {
    port,
    adminUrl,
    urlFor,
    async createDatabase(name) {
      await cluster.query(`CREATE DATABASE "${name}"`);
      return urlFor(name);
    },
    async stop() {
      await ctl('stop', '-m', 'fast', '-w', '-t', '60');
      running = false;
    },
    async start() {
      await ctl('start', '-w', '-t', '60', '-l', path.join(root, 'server.log'), '-o', options);
      running = true;
    },
    async query(text, params = [], database = 'postgres') {
      const client = new pg.Client({ connectionString: urlFor(database) });
      client.on('error', () => undefined);
      await client.connect();
      try {
        return (await client.query(text, params)).rows;
      } finally {
        await client.end().catch(() => undefined);
      }
    },
    async destroy() {
      if (running) await cluster.stop().catch(() => undefined);
      await rm(root, { recursive: true, force: true });
    },
  };
  await cluster.start();
  return cluster;
}
