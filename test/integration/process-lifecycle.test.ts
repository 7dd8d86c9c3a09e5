/**
 * The compiled server as its own process: embedded PostgreSQL start, persistence across restarts,
 * clear startup errors, graceful SIGTERM with a request in flight.
 */
import { execFileSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/db/embedded-postgres.js';
import { removeRelocatedCluster } from '../../src/db/postgres-cluster.js';
import { gql } from '../helpers/graphql-client.js';
import { spawnTrellis, waitFor } from '../helpers/server.js';

/** The embedded server's processes for a DATA_DIR (its cluster may be linked from DATA_DIR/pg when root). */
function postgresProcessesUsing(dataDir: string): string[] {
  const dir = realpathSync(path.join(dataDir, 'pg'));
  const out = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
  return out.split('\n').filter((line) => line.includes('postgres') && line.includes(dir));
}

describe('the trellis process', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'trellis-proc-'));
  });
  afterAll(async () => {
    await removeRelocatedCluster(dataDir);
    await rm(dataDir, { recursive: true, force: true });
  });

  it('starts embedded PostgreSQL, answers, keeps data across a restart, and stops cleanly on SIGTERM', async () => {
    const env = { DATABASE_URL: '', DATA_DIR: dataDir, PORT: String(await freePort()), HOST: '127.0.0.1' };
    const started = Date.now();
    const first = spawnTrellis(env);
    const url = await first.ready;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await waitFor(async () => (await fetch(`${url}/readyz`)).status === 200, { what: '/readyz 200' });
    expect(Date.now() - started).toBeLessThan(30_000);
    const res = await gql(`${url}/graphql`, '{ __typename }');
    expect(res.data).toEqual({ __typename: 'Query' });

    // Write something through the embedded server, restart, read it back.
    const credentials = JSON.parse(await import('node:fs/promises').then((fs) => fs.readFile(path.join(dataDir, 'pg-credentials.json'), 'utf8'))) as { user: string; password: string };
    const pgPort = Number(/-p (\d+)/.exec(postgresProcessesUsing(dataDir)[0] ?? '')?.[1]);
    const client = new pg.Client({ host: '127.0.0.1', port: pgPort, user: credentials.user, password: credentials.password, database: 'trellis' });
    await client.connect();
    await client.query(`INSERT INTO dataset (name, checksum, row_count, labeled_count, rejected_count, stats) VALUES ('persisted', 'x', 0, 0, 0, '{}')`);
    await client.end();

    first.child.kill('SIGTERM');
    expect((await first.exited).code).toBe(0);
    expect(postgresProcessesUsing(dataDir)).toEqual([]);

    const second = spawnTrellis(env);
    const url2 = await second.ready;
    await waitFor(async () => (await fetch(`${url2}/readyz`)).status === 200, { what: '/readyz after restart' });
    const pgPort2 = Number(/-p (\d+)/.exec(postgresProcessesUsing(dataDir)[0] ?? '')?.[1]);
    const client2 = new pg.Client({ host: '127.0.0.1', port: pgPort2, user: credentials.user, password: credentials.password, database: 'trellis' });
    await client2.connect();
    const rows = await client2.query(`SELECT name FROM dataset WHERE name = 'persisted'`);
    await client2.end();
    expect(rows.rowCount).toBe(1);

    // A second process on the same port: a clear error naming the port.
    const clash = spawnTrellis({ ...env, DATA_DIR: path.join(dataDir, 'other') });
    const clashExit = await clash.exited;
    expect(clashExit.code).not.toBe(0);
    expect(clash.output()).toMatch(new RegExp(`port ${env.PORT}.*already in use`));

    // SIGTERM while a request is in flight: the request completes, then the process exits 0.
    const { port } = new URL(url2 ?? '');
    const socket = net.connect(Number(port), '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    const body = JSON.stringify({ query: '{ __typename }' });
    let response = '';
    socket.on('data', (chunk) => (response += chunk.toString()));
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.write(`POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`);
    socket.write(body.slice(0, 5));
    await new Promise((r) => setTimeout(r, 200));
    second.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    socket.write(body.slice(5));
    await closed;
    expect(response).toMatch(/^HTTP\/1\.1 200/);
    expect(response).toContain('"__typename":"Query"');
    const exit = await second.exited;
    expect(exit.code).toBe(0);
    expect(postgresProcessesUsing(dataDir)).toEqual([]);
  });

  it('exits non-zero within 10 s with one line naming host and port when DATABASE_URL is closed', async () => {
    const closedPort = await freePort();
    const started = Date.now();
    const proc = spawnTrellis({ DATABASE_URL: `postgres://postgres@127.0.0.1:${closedPort}/trellis`, PORT: String(await freePort()) });
    const exit = await proc.exited;
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(exit.code).not.toBe(0);
    const lines = proc.output().trim().split('\n').filter((l) => !l.startsWith('{'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`127\\.0\\.0\\.1:${closedPort}`));
    expect(proc.output()).not.toMatch(/\n\s+at /);
  });

  it('refuses a bad configuration value with one line naming the variable', async () => {
    const proc = spawnTrellis({ ROLE: 'boss' });
    const exit = await proc.exited;
    expect(exit.code).toBe(1);
    expect(proc.output().trim()).toMatch(/^trellis: Invalid ROLE="boss": expected one of all \| api \| worker$/);
  });
});
