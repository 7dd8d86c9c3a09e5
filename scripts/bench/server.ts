/**
 * Starts the real server (dist/src/main.js, with `npm start`'s node flags) for a benchmark, on a fresh database, with
 * ADMIN_API_KEY = BENCH_ADMIN_KEY (the bench's own setup calls use it) and NODE_ENV=production.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { removeRelocatedCluster } from '../../src/db/postgres-cluster.js';

export const BENCH_ADMIN_KEY = 'trk_bench-admin-key-0123456789abcdef';

export interface BenchServer {
  url: string;
  child: ChildProcess;
  database: string;
  output(): string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** A temp DATA_DIR and, when root kept its cluster elsewhere, that cluster too. */
async function removeDataDir(dataDir: string): Promise<void> {
  await removeRelocatedCluster(dataDir);
  await rm(dataDir, { recursive: true, force: true });
}

/**
 * The V8 flags `npm start` gives the server (package.json's start script, `node <flags>
 * dist/src/main.js`), so that a bench measures the server as it is started.
 */
export function startFlags(repoRoot: string): string[] {
  const start = (JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { scripts?: { start?: string } }).scripts?.start ?? '';
  const words = start.split(/\s+/);
  return words[0] === 'node' && words.at(-1) === 'dist/src/main.js' ? words.slice(1, -1) : [];
}

/** DATABASE_URL set: a new database on that server, dropped afterwards. Unset: embedded PostgreSQL in a temp DATA_DIR. */
export async function startBenchServer(repoRoot: string, env: Record<string, string> = {}, nodeArgs: string[] = []): Promise<BenchServer> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'trellis-bench-'));
  const port = await freePort();
  let databaseUrl: string | null = null;
  let dropDatabase: (() => Promise<void>) | null = null;
  let database = `embedded PostgreSQL (DATA_DIR ${dataDir})`;
  if (process.env.DATABASE_URL) {
    const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    const name = `trellis_bench_${process.pid}_${Date.now()}`;
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(process.env.DATABASE_URL);
    url.pathname = `/${name}`;
    databaseUrl = url.toString();
    database = `DATABASE_URL server, fresh database ${name}`;
    dropDatabase = async () => {
      const c = new pg.Client({ connectionString: process.env.DATABASE_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    };
  }
  const child = spawn(process.execPath, [...startFlags(repoRoot), ...nodeArgs, path.join(repoRoot, 'dist/src/main.js')], {
    cwd: repoRoot,
    env: {
      ...process.env,
      // As deployed: the Dockerfile sets NODE_ENV=production (graphql-js then skips its development-only checks).
      NODE_ENV: 'production', PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', DATA_DIR: dataDir, ADMIN_API_KEY: BENCH_ADMIN_KEY,
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : { DATABASE_URL: '' }),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const started = new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /ready at (http:\/\/\S+)/.exec(output);
      if (match?.[1]) resolve(match[1]);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`server exited (${code}) before ready:\n${output}`)));
  });
  let url: string;
  try {
    url = await started;
  } catch (error) {
    await dropDatabase?.();
    await removeDataDir(dataDir);
    throw error;
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    url,
    child,
    database,
    output: () => output,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      await dropDatabase?.();
      await removeDataDir(dataDir);
    },
  };
}
