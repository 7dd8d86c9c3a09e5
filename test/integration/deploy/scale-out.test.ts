/**
 * The compose topology as processes on this machine (no Docker engine here): 2 × ROLE=api and
 * 2 × ROLE=worker (`node dist/src/main.js`) over one PostgreSQL database, connected as the
 * non-superuser role that deploy/postgres/init-app-role.sh creates (the compose init script).
 * - an upload to api-1 queues a training that runs on one of the workers
 * - a subscriber on api-2 sees every epoch of it, once, in order
 * - both APIs hot-swap to the new model and serve it
 * - a scored CSV made on api-1 downloads from api-2 (scored files live in PostgreSQL)
 * Every request carries ADMIN_API_KEY as a bearer token, as clients of a deployment do.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { createClient, type Client } from 'graphql-ws';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import WebSocket from 'ws';
import { syntheticCsv } from '../../fixtures/synthetic.js';
import { collectSubscription, type GraphQLResponse } from '../../helpers/graphql-client.js';
import { REPO_ROOT, spawnTrellis, waitFor, type SpawnedTrellis } from '../../helpers/server.js';
import { PROGRESS, UPLOAD, dataOf } from '../pipeline/pipeline-helpers.js';

const suffix = randomBytes(4).toString('hex');
const APP_USER = `trellis_app_${suffix}`;
const APP_DB = `trellis_scaleout_${suffix}`;
const APP_PASSWORD = randomBytes(18).toString('base64url');
const ADMIN_API_KEY = `scale-out-${randomBytes(16).toString('hex')}`;
const AUTH = { authorization: `Bearer ${ADMIN_API_KEY}` };

let adminUrl: URL;
let appUrl: string;
const apis: Array<SpawnedTrellis & { url: string }> = [];
const workers: SpawnedTrellis[] = [];
const timings: Record<string, number> = {};

async function admin<T extends pg.QueryResultRow>(sql: string, params: unknown[] = [], database = 'postgres'): Promise<T[]> {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

async function gql<T = Record<string, any>>(base: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const res = await fetch(`${base}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...AUTH }, body: JSON.stringify({ query, variables }) });
  return dataOf((await res.json()) as GraphQLResponse<T>);
}

async function upload<T = Record<string, any>>(base: string, query: string, variables: Record<string, unknown>, csv: string): Promise<T> {
  const form = new FormData();
  form.append('operations', JSON.stringify({ query, variables: { ...variables, file: null } }));
  form.append('map', JSON.stringify({ 0: ['variables.file'] }));
  form.append('0', new Blob([csv], { type: 'text/csv' }), 'facilities.csv');
  const res = await fetch(`${base}/graphql`, { method: 'POST', headers: { 'apollo-require-preflight': 'true', ...AUTH }, body: form });
  return dataOf((await res.json()) as GraphQLResponse<T>);
}

function ws(base: string): Client {
  return createClient({
    url: `${base.replace(/^http/, 'ws')}/graphql`, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true,
    connectionParams: { authorization: AUTH.authorization },
  });
}

async function readyVersion(base: string): Promise<number | null> {
  const res = await fetch(`${base}/readyz`);
  return ((await res.json()) as { model: { version: number | null } }).model.version;
}

beforeAll(async () => {
  adminUrl = new URL(inject('adminDatabaseUrl'));
  // The compose init script, run as the server's superuser, as the postgres image would run it.
  await promisify(execFile)('sh', [path.join(REPO_ROOT, 'deploy/postgres/init-app-role.sh')], {
    env: {
      ...process.env, POSTGRES_USER: decodeURIComponent(adminUrl.username), PGHOST: adminUrl.hostname, PGPORT: adminUrl.port || '5432',
      PGPASSWORD: decodeURIComponent(adminUrl.password), APP_DB_USER: APP_USER, APP_DB_NAME: APP_DB, APP_DB_PASSWORD: APP_PASSWORD,
    },
  });
  const url = new URL(adminUrl);
  url.username = APP_USER;
  url.password = APP_PASSWORD;
  url.pathname = `/${APP_DB}`;
  appUrl = url.toString();

  const common = { DATABASE_URL: appUrl, ADMIN_API_KEY, LOG_LEVEL: 'info', SHUTDOWN_TIMEOUT_MS: '10000' };
  const started = Date.now();
  for (let i = 0; i < 2; i++) {
    const api = spawnTrellis({ ...common, ROLE: 'api', PORT: '0', HOST: '127.0.0.1' });
    apis.push(Object.assign(api, { url: '' }));
    // GATE_TOLERANCE=1 and no minimum of pinned rows: the new version replaces the bundled one whatever
    // its score (this test is about plumbing; the gate has its own tests).
    workers.push(spawnTrellis({ ...common, ROLE: 'worker', TRAINER_CONCURRENCY: '1', GATE_TOLERANCE: '1', GATE_MIN_EVALUATION_ROWS: '1' }));
  }
  for (const api of apis) api.url = (await api.ready) as string;
  await Promise.all(workers.map((w) => w.ready));
  timings.startAllMs = Date.now() - started;
}, 120_000);

afterAll(async () => {
  const all = [...apis, ...workers];
  for (const p of all) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGTERM');
  await Promise.all(all.map((p) => p.exited));
  if (adminUrl && process.env.KEEP_TEST_DB !== '1') {
    await admin(`DROP DATABASE IF EXISTS "${APP_DB}" WITH (FORCE)`);
    await admin(`DROP ROLE IF EXISTS "${APP_USER}"`);
  }
  console.log(`[scale-out] timings (ms): ${JSON.stringify(timings)}`);
});

describe('2 × ROLE=api + 2 × ROLE=worker over one PostgreSQL (the compose topology)', () => {
  it('every process connects as the init script’s role, which is not a superuser; one migration run, one bundled import', async () => {
    const [role] = await admin<{ rolsuper: boolean; rolcreaterole: boolean; rolcreatedb: boolean }>(
      'SELECT rolsuper, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = $1', [APP_USER]);
    expect(role).toEqual({ rolsuper: false, rolcreaterole: false, rolcreatedb: false });
    const sessions = await admin<{ n: number }>(`SELECT count(DISTINCT pid)::int AS n FROM pg_stat_activity WHERE datname = $1 AND usename = $2`, [APP_DB, APP_USER]);
    expect(sessions[0]?.n).toBeGreaterThanOrEqual(4); // at least one pool or LISTEN connection per process
    const versions = await admin<{ version: number; status: string }>('SELECT version, status FROM model_version', [], APP_DB);
    expect(versions).toEqual([{ version: 1, status: 'ACTIVE' }]);
    const migrations = await admin<{ n: number }>('SELECT count(*)::int AS n FROM migrations', [], APP_DB);
    expect(migrations[0]?.n).toBeGreaterThanOrEqual(3);
    for (const api of apis) expect(await readyVersion(api.url)).toBe(1);
  });

  it('an upload to api-1 trains on a worker; api-2’s subscriber sees every epoch; both APIs then serve the new model', async () => {
    const [api1, api2] = apis as [(typeof apis)[number], (typeof apis)[number]];
    const t0 = Date.now();
    const uploaded = await upload(api1.url, UPLOAD, { name: 'scale-out' }, syntheticCsv({ rows: 300, seed: 15 }));
    timings.uploadMs = Date.now() - t0;
    const job = uploaded.uploadDataset.trainingJob as { id: string; status: string };
    expect(job.status).toBe('QUEUED');

    const client = ws(api2.url);
    let firstEpochAt = 0;
    try {
      const sub = collectSubscription(client, PROGRESS, { jobId: job.id }, (_event, all) => {
        if (all.length === 1) firstEpochAt = Date.now();
      });
      const epochs = (await sub.done).map((e) => dataOf(e).trainingProgress as { epoch: number; jobId: string });
      timings.uploadToLastEpochMs = Date.now() - t0;
      timings.uploadToFirstEpochMs = firstEpochAt - t0;
      timings.epochs = epochs.length;
      const stored = await admin<{ epoch: number; worker_id: string }>('SELECT epoch, worker_id FROM training_epoch WHERE job_id = $1 ORDER BY epoch', [job.id], APP_DB);
      expect(stored.length).toBeGreaterThan(1);
      expect(epochs.map((e) => e.epoch)).toEqual(stored.map((s) => s.epoch)); // every epoch, once, in order
      expect(epochs.every((e) => e.jobId === job.id)).toBe(true);
      // trained on one of the two worker processes (not on an API process)
      const workerIds = new Set(stored.map((s) => s.worker_id));
      expect(workerIds.size).toBe(1);
      const [workerId] = [...workerIds];
      expect(workers.some((w) => workerId?.includes(`:${w.child.pid}:`))).toBe(true);
    } finally {
      await client.dispose();
    }

    const done = await waitFor(async () => {
      const j = (await gql(api1.url, 'query($id: ID!) { trainingJob(id: $id) { status model { version status } } }', { id: job.id })).trainingJob;
      return j.status === 'SUCCEEDED' || j.status === 'FAILED' ? j : null;
    }, { timeoutMs: 60_000, what: 'the job to finish' });
    expect(done).toMatchObject({ status: 'SUCCEEDED', model: { version: 2, status: 'ACTIVE' } });
    const finished = Date.now();
    timings.uploadToSucceededMs = finished - t0;
    // the activation's NOTIFY reaches both API processes
    await waitFor(async () => (await Promise.all(apis.map((a) => readyVersion(a.url)))).every((v) => v === 2), {
      intervalMs: 20, what: 'both APIs to load version 2',
    });
    timings.succeededToBothApisOnV2Ms = Date.now() - finished;
    const input = { services: 'General Care, Maternity', careSystem: 'GOVT', subcounty: 'Kawempe Division' };
    for (const api of apis) {
      const { predict, activeModel } = await gql(api.url, 'query($input: FacilityInput!) { predict(input: $input) { modelVersion label } activeModel { version } }', { input });
      expect(predict.modelVersion).toBe(2);
      expect(activeModel.version).toBe(2);
    }
  }, 120_000);

  it('a scored CSV made on api-1 downloads from api-2, byte for byte', async () => {
    const [api1, api2] = apis as [(typeof apis)[number], (typeof apis)[number]];
    const csv = syntheticCsv({ rows: 2000, seed: 16 });
    const t0 = Date.now();
    const { predictBatchFile } = await upload(api1.url, 'mutation($file: Upload!) { predictBatchFile(file: $file) { rows scored downloadUrl modelVersion } }', {}, csv);
    timings.scoreOnApi1Ms = Date.now() - t0;
    expect(predictBatchFile.rows).toBe(2000);
    // (a query string is allowed: signed download links may carry one)
    expect(predictBatchFile.downloadUrl).toMatch(/^\/downloads\/predictions\/[0-9a-f-]{36}\.csv(\?.*)?$/);
    const t1 = Date.now();
    const fromApi2 = await fetch(`${api2.url}${predictBatchFile.downloadUrl}`, { headers: AUTH });
    expect(fromApi2.status).toBe(200);
    expect(fromApi2.headers.get('content-type')).toMatch(/text\/csv/);
    const text2 = await fromApi2.text();
    timings.downloadFromApi2Ms = Date.now() - t1;
    const text1 = await (await fetch(`${api1.url}${predictBatchFile.downloadUrl}`, { headers: AUTH })).text();
    expect(text2).toBe(text1);
    // fetch accepts gzip: the file comes as stored (gzip) and is decompressed by fetch; the plain one
    // (a client that does not accept gzip) is the same text with its own length
    expect(fromApi2.headers.get('content-encoding')).toBe('gzip');
    const plain = await fetch(`${api2.url}${predictBatchFile.downloadUrl}`, { headers: { ...AUTH, 'accept-encoding': 'identity' } });
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(Number(plain.headers.get('content-length'))).toBe(Buffer.byteLength(text2));
    expect(await plain.text()).toBe(text2);
    const lines = text2.trimEnd().split('\n');
    expect(lines[0]).toMatch(/predicted_label,probability_LOW,probability_MEDIUM,probability_HIGH,error$/);
    expect(lines).toHaveLength(2001);
    expect((await fetch(`${api2.url}/downloads/predictions/00000000-0000-0000-0000-000000000000.csv`, { headers: AUTH })).status).toBe(404);
  }, 60_000);

  it('SIGTERM stops every process cleanly (what compose and Kubernetes send)', async () => {
    const all = [...apis, ...workers];
    const t0 = Date.now();
    for (const p of all) p.child.kill('SIGTERM');
    const exits = await Promise.all(all.map((p) => p.exited));
    timings.stopAllMs = Date.now() - t0;
    expect(exits.map((e) => e.code)).toEqual([0, 0, 0, 0]);
    const running = await admin('SELECT id FROM training_job WHERE status = $1', ['RUNNING'], APP_DB);
    expect(running).toEqual([]);
  }, 30_000);
});
