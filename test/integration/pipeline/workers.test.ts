/**
 * Training across processes: an API process without a trainer (TRAINER_CONCURRENCY=0) and
 * separate `ROLE=worker` processes (dist/src/main.js) sharing one database.
 * - two workers racing over 20 queued jobs: each job runs exactly once
 * - a subscriber on the API process joining mid-training gets every epoch once, in order
 * - a worker killed with SIGKILL on its job's last attempt: the job is FAILED with the error kept
 *   (SIGKILL mid-epoch with a takeover is in the fault-injection suite: test/faults/sigkill-worker.test.ts)
 * - a worker stopped with SIGTERM: its job is handed back (QUEUED) and another worker runs it
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { syntheticCsv } from '../../fixtures/synthetic.js';
import { collectSubscription, wsClient } from '../../helpers/graphql-client.js';
import { spawnTrellis, startTestServer, waitFor, type SpawnedTrellis, type TestServer } from '../../helpers/server.js';
import { PROGRESS, dataOf, retrain, sql, upload, waitForJob } from './pipeline-helpers.js';

const SLOW = { epochs: 60, patience: 100, batchSize: 4, hiddenUnits: [32] };
let server: TestServer;
const workers: SpawnedTrellis[] = [];

function startWorker(env: Record<string, string> = {}): SpawnedTrellis {
  const worker = spawnTrellis({
    ROLE: 'worker', DATABASE_URL: server.database.url, BUNDLED_MODEL_DIR: '/nonexistent/bundle', JOB_POLL_MS: '100',
    TRAINER_CONCURRENCY: '1', LOG_LEVEL: 'info', ...env,
  });
  workers.push(worker);
  return worker;
}

async function stopWorkers(): Promise<void> {
  for (const w of workers.splice(0)) {
    if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGTERM');
    await w.exited;
  }
}

async function query<T = Record<string, any>>(text: string, params: unknown[] = []): Promise<T[]> {
  const db = await sql(server.database.url);
  try {
    return (await db.query(text, params)).rows as T[];
  } finally {
    await db.end();
  }
}

beforeAll(async () => {
  server = await startTestServer({ BUNDLED_MODEL_DIR: '/nonexistent/bundle', TRAINER_CONCURRENCY: '0' });
  dataOf((await upload(server.graphqlUrl, syntheticCsv({ rows: 300, seed: 8 }), { autoRetrain: false })).body);
});
afterEach(async () => {
  await stopWorkers();
});
afterAll(async () => {
  await stopWorkers();
  await server?.stop();
});

describe('worker processes', () => {
  it('two workers racing over 20 queued jobs run each exactly once', async () => {
    const ids: string[] = [];
    for (let seed = 1; seed <= 20; seed++) ids.push((await retrain(server.graphqlUrl, { epochs: 3, patience: 10, batchSize: 64, hiddenUnits: [8], seed })).id);
    expect(new Set(ids).size).toBe(20);
    const a = startWorker();
    const b = startWorker();
    await Promise.all([a.ready, b.ready]);
    await waitFor(async () => (await query(`SELECT 1 FROM training_job WHERE status <> 'SUCCEEDED'`)).length === 0, {
      timeoutMs: 180_000, intervalMs: 250, what: 'all 20 jobs to succeed',
    });
    const jobs = await query<{ id: string; attempts: number; worker_id: string; model_version: number }>('SELECT id, attempts, worker_id, model_version FROM training_job');
    expect(jobs).toHaveLength(20);
    expect(jobs.every((j) => j.attempts === 1)).toBe(true); // claimed once each
    const epochWorkers = await query<{ job_id: string; workers: string[]; n: number }>(
      'SELECT job_id, array_agg(DISTINCT worker_id) AS workers, count(*)::int AS n FROM training_epoch GROUP BY job_id',
    );
    expect(epochWorkers).toHaveLength(20);
    for (const e of epochWorkers) {
      expect(e.workers).toHaveLength(1); // every epoch of a job from one worker
      expect(e.workers[0]).toBe(jobs.find((j) => j.id === e.job_id)?.worker_id);
      expect(e.n).toBe(3);
    }
    const byWorker = new Set(jobs.map((j) => j.worker_id));
    expect(byWorker.size).toBe(2); // both processes took part
    for (const w of [a, b]) expect([...byWorker].some((id) => id.includes(`:${w.child.pid}:`))).toBe(true);
    // 20 registered versions, numbered without gaps or duplicates
    const versions = jobs.map((j) => j.model_version).sort((x, y) => x - y);
    expect(versions).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect((await query(`SELECT 1 FROM model_version WHERE status = 'ACTIVE'`)).length).toBe(1);
  }, 240_000);

  it('a subscriber on the API process joining mid-training gets the earlier epochs, then the live ones, none twice', async () => {
    const worker = startWorker();
    await worker.ready;
    const queued = await retrain(server.graphqlUrl, { ...SLOW, epochs: 30, seed: 31 });
    await waitFor(async () => (await query('SELECT 1 FROM training_epoch WHERE job_id = $1', [queued.id])).length >= 3, {
      timeoutMs: 60_000, what: 'three epochs before joining',
    });
    const client = wsClient(server.wsUrl);
    try {
      const sub = collectSubscription(client, PROGRESS, { jobId: queued.id });
      const epochs = (await sub.done).map((e) => dataOf(e).trainingProgress.epoch as number);
      const stored = await query<{ epoch: number }>('SELECT epoch FROM training_epoch WHERE job_id = $1 ORDER BY epoch', [queued.id]);
      expect(stored.length).toBe(30);
      expect(epochs).toEqual(stored.map((s) => s.epoch));
    } finally {
      await client.dispose();
    }
    expect((await waitForJob(server.graphqlUrl, queued.id, ['SUCCEEDED', 'FAILED'])).status).toBe('SUCCEEDED');
  }, 120_000);

  it('a job whose worker dies on its last attempt is FAILED with the error kept', async () => {
    const lease = { JOB_LEASE_MS: '1000', JOB_HEARTBEAT_MS: '200' };
    const doomed = startWorker(lease);
    await doomed.ready;
    const queued = await retrain(server.graphqlUrl, { ...SLOW, seed: 61 });
    await query('UPDATE training_job SET max_attempts = 1 WHERE id = $1', [queued.id]);
    await waitFor(async () => (await query('SELECT 1 FROM training_epoch WHERE job_id = $1', [queued.id])).length >= 1, {
      timeoutMs: 60_000, what: 'an epoch before the kill',
    });
    doomed.child.kill('SIGKILL');
    await doomed.exited;
    const survivor = startWorker(lease);
    await survivor.ready;
    const done = await waitForJob(server.graphqlUrl, queued.id, ['FAILED', 'SUCCEEDED'], 30_000);
    expect(done.status).toBe('FAILED');
    expect(done.attempts).toBe(1);
    expect(done.error).toMatch(new RegExp(`lease expired on attempt 1 of 1: worker .*:${doomed.child.pid}:.* stopped heartbeating`));
    expect(done.finishedAt).toBeTruthy();
  }, 120_000);

  it('a worker stopped with SIGTERM hands its running job back, and another worker runs it', async () => {
    const first = startWorker();
    await first.ready;
    const queued = await retrain(server.graphqlUrl, { ...SLOW, epochs: 200, patience: 300, seed: 51 });
    await waitFor(async () => (await query('SELECT 1 FROM training_epoch WHERE job_id = $1', [queued.id])).length >= 2, {
      timeoutMs: 60_000, what: 'two epochs before the stop',
    });
    first.child.kill('SIGTERM');
    expect((await first.exited).code).toBe(0);
    const [handedBack] = await query<{ status: string; attempts: number; worker_id: string | null; lease_expires_at: Date | null }>(
      'SELECT status, attempts, worker_id, lease_expires_at FROM training_job WHERE id = $1', [queued.id],
    );
    expect(handedBack).toEqual({ status: 'QUEUED', attempts: 0, worker_id: null, lease_expires_at: null });
    expect(first.output()).toMatch(/handed back on shutdown/);
    // finish it quickly: cancel is instant for a QUEUED job
    const second = startWorker();
    await second.ready;
    await waitFor(async () => (await query(`SELECT 1 FROM training_job WHERE id = $1 AND status = 'RUNNING' AND attempts = 1`, [queued.id])).length === 1, {
      timeoutMs: 30_000, what: 'the second worker to claim the handed-back job',
    });
    const [claimed] = await query<{ worker_id: string }>('SELECT worker_id FROM training_job WHERE id = $1', [queued.id]);
    expect(claimed?.worker_id).toContain(`:${second.child.pid}:`);
  }, 120_000);
});
