/**
 * Fault 6: an outage longer than the job's lease. The attempt ends, the job is handed back to the
 * queue (QUEUED with a retry backoff, not FAILED, the reason kept), and once the database is back
 * a new attempt runs it to success, with every epoch of that attempt stored once. And a SIGTERM
 * while a job trains and the database is down still ends the process within SHUTDOWN_TIMEOUT_MS.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/server.js';
import { report, retrain, sleep, spawnOn, stopProcess, uploadSynthetic, waitForJob, type RunningTrellis } from './fault-helpers.js';
import { createFaultCluster, type FaultCluster } from './pg-cluster.js';

const DB = 'trellis_long_outage';
const LEASE_MS = 3_000;
const OUTAGE_MS = 8_000;
let cluster: FaultCluster;
let trellis: RunningTrellis | undefined;

beforeAll(async () => {
  cluster = await createFaultCluster();
  await cluster.createDatabase(DB);
});
afterAll(async () => {
  await stopProcess(trellis);
  await cluster?.destroy();
});

describe('an outage longer than the lease', () => {
  it('hands the job back (not FAILED) and a later attempt completes it', async () => {
    trellis = await spawnOn(cluster.urlFor(DB), {
      JOB_LEASE_MS: String(LEASE_MS), JOB_HEARTBEAT_MS: '500', JOB_RETRY_BASE_MS: '1000', JOB_RETRY_MAX_MS: '2000', BUNDLED_MODEL_DIR: '/nonexistent/bundle',
    });
    await uploadSynthetic(trellis.graphqlUrl, 300, 8);
    const job = await retrain(trellis.graphqlUrl, { epochs: 40, patience: 1000, batchSize: 4, hiddenUnits: [32], seed: 5 });
    await waitFor(async () => (await cluster.query('SELECT 1 FROM training_epoch WHERE job_id = $1', [job.id], DB)).length >= 2, {
      timeoutMs: 120_000, intervalMs: 200, what: 'two epochs before the outage',
    });
    await cluster.stop();
    await sleep(OUTAGE_MS); // the fault: longer than the lease
    await cluster.start();
    const restartedAt = Date.now();
    const handedBack = await waitFor(async () => {
      const [row] = await cluster.query<{ status: string; attempts: number; error: string | null; run_at: Date | null }>(
        'SELECT status, attempts, error, run_at FROM training_job WHERE id = $1', [job.id], DB,
      );
      return row && (row.attempts > 1 || row.status !== 'RUNNING') ? row : null;
    }, { timeoutMs: 60_000, intervalMs: 50, what: 'the attempt to end' });
    const done = await waitForJob(trellis.graphqlUrl, job.id, ['SUCCEEDED', 'FAILED', 'CANCELLED'], 180_000);
    const epochs = await cluster.query<{ epoch: number; attempt: number }>('SELECT epoch, attempt FROM training_epoch WHERE job_id = $1 ORDER BY epoch', [job.id], DB);
    report('6. outage longer than the lease', {
      faultsInjected: `1 outage of ${OUTAGE_MS / 1000} s, lease ${LEASE_MS / 1000} s`, handedBackAs: handedBack.status, error: handedBack.error,
      finalStatus: done.status, attempts: done.attempts, epochsStored: epochs.length,
      duplicates: epochs.length - new Set(epochs.map((e) => e.epoch)).size, timeToCompleteMs: Date.now() - restartedAt, processAlive: trellis.alive(),
    });
    expect(trellis.alive()).toBe(true);
    expect(handedBack.status === 'QUEUED' || handedBack.attempts === 2).toBe(true); // handed back, never FAILED
    expect(handedBack.error).toMatch(/attempt 1 of 3: database unavailable for longer than the 3000 ms lease/);
    expect(done.status).toBe('SUCCEEDED');
    expect(done.attempts).toBe(2);
    expect(epochs.map((e) => e.epoch)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(epochs.every((e) => e.attempt === 2)).toBe(true);
  });

  it('shuts down within SHUTDOWN_TIMEOUT_MS when SIGTERM comes during an outage while a job trains', async () => {
    const t = trellis as RunningTrellis;
    const job = await retrain(t.graphqlUrl, { epochs: 200, patience: 1000, batchSize: 4, hiddenUnits: [32], seed: 6 });
    await waitFor(async () => (await cluster.query('SELECT 1 FROM training_epoch WHERE job_id = $1', [job.id], DB)).length >= 2, {
      timeoutMs: 120_000, intervalMs: 200, what: 'two epochs before the outage',
    });
    await cluster.stop();
    await sleep(1_000); // an epoch write is now waiting for the database
    const started = Date.now();
    t.child.kill('SIGTERM');
    const exit = await t.exited;
    const shutdownMs = Date.now() - started;
    await cluster.start();
    report('6b. SIGTERM during an outage while training', { faultsInjected: 'database down, job running, then SIGTERM', exitCode: exit.code, shutdownMs, deadlineMs: 10_000 });
    expect(exit.code).toBe(0);
    expect(shutdownMs).toBeLessThan(10_000);
  });
});
