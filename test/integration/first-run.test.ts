/**
 * The README's first command, as a new user runs it: a clone in a private (0700) directory —
 * as root, that is what `/root` or `mktemp -d` gives — then `npm start` with the default DATA_DIR.
 * Ctrl-C (SIGINT to the foreground process group) stops everything; a second start finds the data.
 *
 * node_modules is hard-linked from this checkout (npm install is CI's own first step) and the build
 * output copied, so the test exercises the start path, not a second install.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/db/embedded-postgres.js';
import { removeRelocatedCluster } from '../../src/db/postgres-cluster.js';
import { REPO_ROOT, waitFor } from '../helpers/server.js';

interface Exit { code: number | null; signal: NodeJS.Signals | null }
interface Started { child: ChildProcess; output: () => string; exited: Promise<Exit> }

function npmStart(cwd: string, port: number): Started {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info' };
  delete env.DATABASE_URL;
  delete env.DATA_DIR;
  // Its own process group, like a shell's foreground job: SIGINT to the group is a terminal's Ctrl-C.
  const child = spawn('npm', ['start'], { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<Exit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { child, output: () => output, exited };
}

function processesIn(group: number): string[] {
  const out = execFileSync('ps', ['-eo', 'pgid=,args='], { encoding: 'utf8' });
  return out.split('\n').filter((line) => Number(line.trim().split(/\s+/)[0]) === group);
}

function postgresProcessesOf(clusterDir: string): string[] {
  const out = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  return out.split('\n').filter((line) => line.includes('postgres') && line.includes(clusterDir));
}

/** Ctrl-C: npm dies of the signal (as it does in a terminal); Trellis must shut down cleanly. */
async function ctrlC(started: Started): Promise<void> {
  process.kill(-(started.child.pid ?? 0), 'SIGINT');
  const exit = await started.exited;
  expect(exit.code === 0 || exit.signal === 'SIGINT').toBe(true);
  await waitFor(() => started.output().includes('"msg":"stopped"'), { what: `a clean stop\n${started.output()}` });
}

/** A query on the running embedded server, found through the cluster's postmaster.pid (line 4: port). */
async function query(clone: string, clusterDir: string, sql: string): Promise<pg.QueryResult> {
  const { user, password } = JSON.parse(await readFile(path.join(clone, '.data', 'pg-credentials.json'), 'utf8')) as { user: string; password: string };
  const port = Number((await readFile(path.join(clusterDir, 'postmaster.pid'), 'utf8')).split('\n')[3]);
  const client = new pg.Client({ host: '127.0.0.1', port, user, password, database: 'trellis' });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

describe('first run from a clone in a private directory', () => {
  let home: string;
  let clone: string;
  beforeAll(async () => {
    home = await mkdtemp(path.join(os.tmpdir(), 'trellis-first-run-'));
    clone = path.join(home, 'trellis');
    execFileSync('git', ['clone', '-q', REPO_ROOT, clone]);
    try {
      execFileSync('cp', ['-al', path.join(REPO_ROOT, 'node_modules'), clone]);
    } catch {
      execFileSync('cp', ['-a', path.join(REPO_ROOT, 'node_modules'), clone]);
    }
    for (const built of ['dist', 'web/dist']) {
      if (existsSync(path.join(REPO_ROOT, built))) execFileSync('cp', ['-a', path.join(REPO_ROOT, built), path.join(clone, built)]);
    }
  }, 180_000);
  afterAll(async () => {
    if (!home) return;
    await removeRelocatedCluster(path.join(clone, '.data'));
    await rm(home, { recursive: true, force: true });
  });

  it('npm start serves at once, stops on Ctrl-C leaving no process, and keeps its data for the next start', async () => {
    expect((await stat(home)).mode & 0o777).toBe(0o700);
    const port = await freePort();
    const first = npmStart(clone, port);
    const url = `http://127.0.0.1:${port}`;
    await waitFor(async () => (await fetch(`${url}/readyz`)).status === 200, { timeoutMs: 90_000, what: `/readyz 200\n${first.output()}` });
    const ready = (await (await fetch(`${url}/readyz`)).json()) as { model: { version: number | null } };
    expect(ready.model.version).toBe(1);

    const clusterDir = realpathSync(path.join(clone, '.data', 'pg'));
    // The log names where the cluster lives.
    expect(first.output()).toContain(`its cluster is in ${clusterDir}`);
    if (process.getuid?.() === 0) expect(clusterDir.startsWith(home)).toBe(false);
    await query(clone, clusterDir, `INSERT INTO dataset (name, checksum, row_count, labeled_count, rejected_count, stats) VALUES ('kept', 'x', 0, 0, 0, '{}')`);

    const group = first.child.pid ?? 0;
    await ctrlC(first);
    await waitFor(() => processesIn(group).length === 0 && postgresProcessesOf(clusterDir).length === 0, { what: 'no process left' });

    const second = npmStart(clone, port);
    try {
      await waitFor(async () => (await fetch(`${url}/readyz`)).status === 200, { timeoutMs: 60_000, what: `/readyz after restart\n${second.output()}` });
      expect(realpathSync(path.join(clone, '.data', 'pg'))).toBe(clusterDir);
      const kept = await query(clone, clusterDir, `SELECT name FROM dataset WHERE name = 'kept'`);
      expect(kept.rowCount).toBe(1);
      const versions = await query(clone, clusterDir, 'SELECT count(*)::int AS n FROM model_version');
      expect(versions.rows[0]).toEqual({ n: 1 });
    } finally {
      await ctrlC(second);
    }
    await waitFor(() => postgresProcessesOf(clusterDir).length === 0, { what: 'postgres stopped' });
  }, 240_000);
});
