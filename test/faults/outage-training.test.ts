/**
 * Fault 1: a 10 s PostgreSQL outage (pg_ctl stop, wait, start) in the middle of a training job,
 * under a real `ROLE=all` process with the default 30 s lease. The process stays up, the job
 * succeeds in the same attempt, every epoch is stored once (1..N, no gap, no duplicate), and a
 * subscriber that stayed connected through the outage received each epoch once, in order.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectSubscription, wsClient } from '../helpers/graphql-client.js';
import { waitFor } from '../helpers/server.js';
import { PROGRESS, dataOf, report, retrain, sleep, spawnOn, stopProcess, uploadSynthetic, waitForJob, type RunningTrellis } from './fault-helpers.js';
import { createFaultCluster, type FaultCluster } from './pg-cluster.js';

const OUTAGE_MS = 10_000;
let cluster: FaultCluster;
let trellis: RunningTrellis | undefined;
let url: string;

beforeAll(async () => {
  cluster = await createFaultCluster();
  url = await cluster.createDatabase('trellis_outage');
});
afterAll(async () => {
  await stopProcess(trellis);
  await cluster?.destroy();
});

describe('a 10 s PostgreSQL outage mid-training', () => {
  it('is ridden out by the same attempt: nothing lost, nothing twice, the process stays up', async () => {
    trellis = await spawnOn(url, { JOB_LEASE_MS: '30000', JOB_HEARTBEAT_MS: '2000' });
    await uploadSynthetic(trellis.graphqlUrl, 300, 8);
    // slow enough to span the outage: small data, many small batches, no early stop
    const job = await retrain(trellis.graphqlUrl, { epochs: 70, patience: 1000, batchSize: 4, hiddenUnits: [32], seed: 3 });
    const client = wsClient(trellis.wsUrl);
    const received: Array<{ epoch: number; at: number }> = [];
    const sub = collectSubscription(client, PROGRESS, { jobId: job.id }, (e) => {
      received.push({ epoch: dataOf(e).trainingProgress.epoch as number, at: Date.now() });
    });
    try {
      await waitFor(async () => (await cluster.query('SELECT 1 FROM training_epoch WHERE job_id = $1', [job.id], 'trellis_outage')).length >= 3, {
        timeoutMs: 120_000, intervalMs: 200, what: 'three epochs before the outage',
      });
      const stoppedAt = Date.now();
      await cluster.stop();
      // an epoch stored just before the stop may still be on its way to the subscriber (NOTIFY →
      // bus → WebSocket); anything arriving after this grace was delivered while the server was down
      const quietFrom = Date.now() + 1_000;
      await sleep(OUTAGE_MS); // the fault itself: the database is down this long
      const aliveDuringOutage = trellis.alive();
      const receivedDuringOutage = received.filter((r) => r.at >= quietFrom).length;
      await cluster.start();
      const restartedAt = Date.now();
      const outageMs = restartedAt - stoppedAt;
      // recovered = the first epoch reaches the subscriber after the database is back
      await waitFor(() => received.some((r) => r.at >= restartedAt), { timeoutMs: 60_000, what: 'an epoch after the restart' });
      const firstAfter = received.find((r) => r.at >= restartedAt)?.at ?? restartedAt;
      const recoverMs = firstAfter - restartedAt;

      const done = await waitForJob(trellis.graphqlUrl, job.id, ['SUCCEEDED', 'FAILED', 'CANCELLED'], 180_000);
      const seen = (await sub.done).map((e) => dataOf(e).trainingProgress.epoch as number);
      // epochs trained while the database was down reach the subscriber in a burst once it is back
      const burst = received.filter((r) => r.at >= firstAfter && r.at - firstAfter < 2_000).length;
      const stored = (await cluster.query<{ epoch: number; attempt: number }>(
        'SELECT epoch, attempt FROM training_epoch WHERE job_id = $1 ORDER BY epoch', [job.id], 'trellis_outage',
      ));
      const epochs = stored.map((s) => s.epoch);
      const n = epochs.length;
      const duplicates = seen.length - new Set(seen).size;
      const lost = n - new Set(seen).size;
      report('1. 10 s outage mid-training', {
        faultsInjected: `1 outage of ${(outageMs / 1000).toFixed(1)} s`, processAlive: trellis.alive(), aliveDuringOutage,
        status: done.status, attempts: done.attempts, epochsStored: n, epochsReceived: seen.length, receivedDuringOutage,
        epochsLost: lost, duplicates, bufferedEpochsDeliveredOnRecovery: burst, timeToRecoverMs: recoverMs,
      });
      expect(aliveDuringOutage).toBe(true);
      expect(receivedDuringOutage).toBe(0); // nothing can be stored (or notified) while the server is down
      expect(trellis.alive()).toBe(true);
      expect(done.status).toBe('SUCCEEDED');
      expect(done.attempts).toBe(1);
      expect(n).toBe(70);
      expect(epochs).toEqual(Array.from({ length: n }, (_, i) => i + 1)); // contiguous 1..N, no duplicate
      expect(stored.every((s) => s.attempt === 1)).toBe(true);
      expect(seen).toEqual(epochs); // each exactly once, in order, across the outage
      expect(burst).toBeGreaterThan(1); // epochs trained during the outage were buffered, then written
    } finally {
      sub.cancel();
      await client.dispose();
    }
  });
});
