/**
 * The resync cursor of trainingProgress: epochs stored while the LISTEN connection was down (their
 * NOTIFYs lost) are read from the table after the bus reconnects, from the last epoch sent; late
 * or repeated notifications are dropped. The subscriber gets 1..N once, in order.
 */
import pg from 'pg';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src/db/data-source.js';
import { CHANNELS, createNotifyBus, LISTEN_APPLICATION_NAME, type NotifyBus } from '../../../src/db/notify-bus.js';
import { poolOf } from '../../../src/db/sql.js';
import { EpochCursor, epochStream } from '../../../src/jobs/live.js';
import { createLogger } from '../../../src/logger.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/database.js';
import { waitFor } from '../../helpers/server.js';

describe('EpochCursor', () => {
  it('sends each epoch of the current attempt once, in order, and restarts on a new attempt', () => {
    const c = new EpochCursor(1);
    expect([1, 2, 2, 1, 4, 3].map((epoch) => c.accept({ attempt: 1, epoch }))).toEqual(['send', 'send', 'skip', 'skip', 'gap', 'send']);
    expect(c.accept({ attempt: 1, epoch: 4 })).toBe('send');
    expect(c.accept({ attempt: 2, epoch: 1 })).toBe('send'); // a retry restarts the stream
    expect(c.accept({ attempt: 1, epoch: 5 })).toBe('skip'); // late event of the old attempt
    expect(c.accept({ attempt: 2, epoch: 3 }, true)).toBe('send'); // stored rows are the truth
  });
});

let db: TestDatabase;
let dataSource: DataSource;
let bus: NotifyBus;
let admin: pg.Client;

beforeAll(async () => {
  db = await createTestDatabase('resync');
  dataSource = await openDatabase(db.url);
  bus = await createNotifyBus(db.url, createLogger('silent'), { reconnectDelayMs: 20, maxReconnectDelayMs: 100 });
  admin = new pg.Client({ connectionString: db.url });
  await admin.connect();
});
afterAll(async () => {
  await admin?.end();
  await bus?.close();
  await dataSource?.destroy();
  await db?.drop();
});

const epochRow = (jobId: string, epoch: number) =>
  admin.query(`INSERT INTO training_epoch (job_id, epoch, attempt, loss, accuracy, learning_rate, duration_ms) VALUES ($1, $2, 1, 0.5, 0.5, 0.001, 10)`, [jobId, epoch]);
const notifyEpoch = (jobId: string, epoch: number) =>
  admin.query('SELECT pg_notify($1, $2)', [CHANNELS.epochEvents, JSON.stringify({ jobId, attempt: 1, epoch, loss: 0.5, accuracy: 0.5, valLoss: null, valAccuracy: null, learningRate: 0.001, durationMs: 10 })]);

describe('trainingProgress across a LISTEN reconnect', () => {
  it('re-reads from its cursor after the reconnect: every epoch once, in order', async () => {
    const job = await admin.query<{ id: string }>(
      `INSERT INTO training_job (status, dataset_ids, hyperparameters, dedupe_key, attempts, worker_id) VALUES ('RUNNING', '{}', '{}', 'k', 1, 'w') RETURNING id`,
    );
    const jobId = job.rows[0]?.id as string;
    await epochRow(jobId, 1);
    await epochRow(jobId, 2);
    // a long safety-net recheck: only the resync can find the missed epochs in time
    const stream = epochStream({ pool: poolOf(dataSource), bus, recheckMs: 120_000 }, jobId);
    const seen: number[] = [];
    const consuming = (async () => {
      for await (const e of stream) seen.push(e.epoch);
    })();
    await waitFor(() => seen.length === 2, { what: 'the stored epochs' });
    await epochRow(jobId, 3);
    await notifyEpoch(jobId, 3);
    await waitFor(() => seen.length === 3, { what: 'a live epoch' });

    // the LISTEN session ends; epochs 4 and 5 are stored while nobody listens (their NOTIFYs are lost)
    const [listen] = (await admin.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name = $2`, [db.name, LISTEN_APPLICATION_NAME])).rows;
    await admin.query('SELECT pg_terminate_backend($1)', [listen?.pid]);
    await epochRow(jobId, 4);
    await epochRow(jobId, 5);
    await waitFor(() => seen.length === 5, { timeoutMs: 10_000, what: 'the missed epochs, re-read after the reconnect' });
    expect(bus.status().reconnects).toBe(1);

    // a late duplicate notification and the next live epoch
    await notifyEpoch(jobId, 4);
    await epochRow(jobId, 6);
    await notifyEpoch(jobId, 6);
    await admin.query(`UPDATE training_job SET status = 'SUCCEEDED' WHERE id = $1`, [jobId]);
    await admin.query('SELECT pg_notify($1, $2)', [CHANNELS.jobEvents, JSON.stringify({ id: jobId, status: 'SUCCEEDED' })]);
    await consuming;
    expect(seen).toEqual([1, 2, 3, 4, 5, 6]);
  });
});
