/**
 * Queue semantics on the real test server, statement by statement: priority (highest first), retry
 * with backoff (run_at), the last attempt FAILED with the reason kept, epoch retention, and a
 * trainer whose write hits a permanent error fails the job with that error.
 */
import pg from 'pg';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { openDatabase } from '../../../src/db/data-source.js';
import { createNotifyBus, type NotifyBus } from '../../../src/db/notify-bus.js';
import { poolOf } from '../../../src/db/sql.js';
import { claimJob } from '../../../src/jobs/sql/claim.js';
import { pruneFinishedEpochs } from '../../../src/jobs/sql/prune-epochs.js';
import { retryJobLater } from '../../../src/jobs/sql/retry-later.js';
import { Trainer } from '../../../src/jobs/trainer.js';
import { createLogger } from '../../../src/logger.js';
import { ModelRegistry } from '../../../src/registry/registry.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/database.js';
import { waitFor } from '../../helpers/server.js';

let db: TestDatabase;
let dataSource: DataSource;
let pool: pg.Pool;
let bus: NotifyBus;

beforeAll(async () => {
  db = await createTestDatabase('queue_semantics');
  dataSource = await openDatabase(db.url);
  pool = poolOf(dataSource);
  bus = await createNotifyBus(db.url, createLogger('silent'));
});
afterAll(async () => {
  await bus?.close();
  await dataSource?.destroy();
  await db?.drop();
});
beforeEach(async () => {
  await pool.query('DELETE FROM training_job');
});

async function insertJob(key: string, extra: { priority?: number; runAt?: string; maxAttempts?: number; createdAgo?: string } = {}): Promise<string> {
  const res = await pool.query<{ id: string }>(
    `INSERT INTO training_job (dataset_ids, hyperparameters, dedupe_key, priority, run_at, max_attempts, created_at)
     VALUES ('{}', '{}', $1, $2, $3::timestamptz, $4, now() - $5::interval) RETURNING id`,
    [key, extra.priority ?? 0, extra.runAt ?? null, extra.maxAttempts ?? 3, extra.createdAgo ?? '0 seconds'],
  );
  return res.rows[0]?.id as string;
}

describe('queue semantics', () => {
  it('claims the highest priority first, then the oldest', async () => {
    const old = await insertJob('a', { createdAgo: '1 hour' });
    const urgent = await insertJob('b', { priority: 10 });
    const newer = await insertJob('c');
    const order = [];
    for (let i = 0; i < 3; i++) order.push((await claimJob(pool, 'w', 30_000))?.id);
    expect(order).toEqual([urgent, old, newer]);
  });

  it('does not claim a job before its run_at (retry backoff)', async () => {
    const later = await insertJob('a', { runAt: new Date(Date.now() + 60_000).toISOString() });
    expect(await claimJob(pool, 'w', 30_000)).toBeNull();
    await pool.query(`UPDATE training_job SET run_at = now() - interval '1 second' WHERE id = $1`, [later]);
    expect((await claimJob(pool, 'w', 30_000))?.id).toBe(later);
  });

  it('hands a job back with a backoff, keeping the reason; on the last attempt it is FAILED', async () => {
    const id = await insertJob('a', { maxAttempts: 2 });
    const first = await claimJob(pool, 'w', 30_000);
    expect(await retryJobLater(pool, { jobId: id, workerId: 'w', attempt: first?.attempts ?? 0 }, 5_000, 'database unavailable')).toBe('retry');
    const [queued] = (await pool.query('SELECT status, attempts, run_at > now() AS later, error FROM training_job WHERE id = $1', [id])).rows;
    expect(queued).toMatchObject({ status: 'QUEUED', attempts: 1, later: true, error: 'attempt 1 of 2: database unavailable' });
    await pool.query('UPDATE training_job SET run_at = now() WHERE id = $1', [id]);
    const second = await claimJob(pool, 'w', 30_000);
    expect(second?.attempts).toBe(2);
    expect(await retryJobLater(pool, { jobId: id, workerId: 'w', attempt: 2 }, 5_000, 'database unavailable')).toBe('failed');
    const [failed] = (await pool.query('SELECT status, error, finished_at FROM training_job WHERE id = $1', [id])).rows;
    expect(failed?.status).toBe('FAILED');
    expect(failed?.error).toBe('attempt 1 of 2: database unavailable; attempt 2 of 2: database unavailable');
    expect(failed?.finished_at).toBeTruthy();
  });

  it('deletes the epochs of jobs finished before the retention period, and only those', async () => {
    const old = await insertJob('a');
    const recent = await insertJob('b');
    await pool.query(`UPDATE training_job SET status = 'SUCCEEDED', finished_at = now() - interval '40 days' WHERE id = $1`, [old]);
    await pool.query(`UPDATE training_job SET status = 'SUCCEEDED', finished_at = now() - interval '2 days' WHERE id = $1`, [recent]);
    for (const id of [old, recent]) {
      await pool.query(`INSERT INTO training_epoch (job_id, epoch, attempt, loss, accuracy, learning_rate, duration_ms) SELECT $1, g, 1, 1, 0, 0.1, 1 FROM generate_series(1, 3) g`, [id]);
    }
    expect(await pruneFinishedEpochs(pool, 30)).toBe(3);
    const left = (await pool.query<{ job_id: string; n: number }>('SELECT job_id, count(*)::int AS n FROM training_epoch GROUP BY job_id')).rows;
    expect(left).toEqual([{ job_id: recent, n: 3 }]);
    expect((await pool.query('SELECT 1 FROM training_job WHERE id = $1', [old])).rowCount).toBe(1); // the job stays
  });

  it('a permanent error on the training path fails the job with the error kept', async () => {
    const dataset = await pool.query<{ id: string }>(`INSERT INTO dataset (name, checksum, row_count, labeled_count, rejected_count, stats) VALUES ('d', 'x', 0, 0, 0, '{}') RETURNING id`);
    const id = (await pool.query<{ id: string }>(
      `INSERT INTO training_job (dataset_ids, hyperparameters, dedupe_key) VALUES (ARRAY[$1::uuid], '{}', 'p') RETURNING id`, [dataset.rows[0]?.id],
    )).rows[0]?.id;
    const config = loadConfig({ JOB_POLL_MS: '100' });
    const logger = createLogger('silent');
    const trainer = new Trainer({
      pool, bus, logger, registry: new ModelRegistry({ pool, logger, gate: config.gate }), jobs: config.jobs, db: config.db,
      // an epoch the table rejects for good (NOT NULL loss): a bug, not an outage
      train: async (_records, opts) => {
        await opts.onEpoch?.({ epoch: 1, loss: null as unknown as number, accuracy: 0, valLoss: null, valAccuracy: null, learningRate: 0.1, durationMs: 1 });
        throw new Error('training stopped');
      },
    });
    trainer.start();
    try {
      const job = await waitFor(async () => (await pool.query('SELECT status, error, attempts FROM training_job WHERE id = $1 AND status <> $2 AND status <> $3', [id, 'QUEUED', 'RUNNING'])).rows[0], {
        what: 'the job to end',
      });
      expect(job).toMatchObject({ status: 'FAILED', attempts: 1 });
      expect(job.error).toMatch(/null value in column "loss"/);
    } finally {
      await trainer.stop();
    }
  });
});
