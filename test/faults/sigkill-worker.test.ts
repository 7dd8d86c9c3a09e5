/**
 * Fault 5 (moved here from test/integration/pipeline/workers.test.ts): a `ROLE=worker` process
 * killed with SIGKILL mid-epoch. Its job is taken over once the lease expires and succeeds in the
 * second attempt; every epoch of that attempt is stored once, and a subscriber on the API process
 * saw the first attempt, then the retry from epoch 1 to the end.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { collectSubscription, wsClient } from '../helpers/graphql-client.js';
import { spawnTrellis, waitFor, type SpawnedTrellis } from '../helpers/server.js';
import { PROGRESS, dataOf, report, retrain, spawnOn, stopProcess, uploadSynthetic, waitForJob, type RunningTrellis } from './fault-helpers.js';
import { createFaultCluster, type FaultCluster } from './pg-cluster.js';

const DB = 'trellis_sigkill';
const SLOW = { epochs: 60, patience: 100, batchSize: 4, hiddenUnits: [32] };
const LEASE = { JOB_LEASE_MS: '1500', JOB_HEARTBEAT_MS: '300' };
let cluster: FaultCluster;
let api: RunningTrellis | undefined;
const workers: SpawnedTrellis[] = [];

function startWorker(): SpawnedTrellis {
  const worker = spawnTrellis({
    ROLE: 'worker', DATABASE_URL: cluster.urlFor(DB), BUNDLED_MODEL_DIR: '/nonexistent/bundle', JOB_POLL_MS: '100', TRAINER_CONCURRENCY: '1', ...LEASE,
  });
  workers.push(worker);
  return worker;
}
const query = <T extends Record<string, unknown>>(text: string, params: unknown[] = []) => cluster.query<T>(text, params, DB);

beforeAll(async () => {
  cluster = await createFaultCluster();
  await cluster.createDatabase(DB);
  api = await spawnOn(cluster.urlFor(DB), { BUNDLED_MODEL_DIR: '/nonexistent/bundle', TRAINER_CONCURRENCY: '0' });
  await uploadSynthetic(api.graphqlUrl, 300, 8);
});
afterEach(async () => {
  for (const w of workers.splice(0)) await stopProcess(w);
});
afterAll(async () => {
  await stopProcess(api);
  await cluster?.destroy();
});

describe('a worker killed with SIGKILL mid-epoch', () => {
  it('has its job taken over after the lease expires; the job succeeds with every epoch once', async () => {
    const a = api as RunningTrellis;
    const doomed = startWorker();
    await doomed.ready;
    const queued = await retrain(a.graphqlUrl, { ...SLOW, seed: 41 });
    const client = wsClient(a.wsUrl);
    const sub = collectSubscription(client, PROGRESS, { jobId: queued.id });
    try {
      await waitFor(async () => (await query('SELECT 1 FROM training_epoch WHERE job_id = $1', [queued.id])).length >= 2, {
        timeoutMs: 60_000, what: 'two epochs before the kill',
      });
      const [before] = await query<{ worker_id: string; status: string; n: number }>(
        'SELECT worker_id, status, (SELECT count(*)::int FROM training_epoch WHERE job_id = $1) AS n FROM training_job WHERE id = $1', [queued.id],
      );
      expect(before?.status).toBe('RUNNING');
      expect(before?.worker_id).toContain(`:${doomed.child.pid}:`);
      // the rescuer is up before the kill (it cannot claim a job whose lease holds), so the time to
      // recover is the lease expiring, a poll, and the retry's first epoch, not a process start
      const rescuer = startWorker();
      await rescuer.ready;
      doomed.child.kill('SIGKILL');
      expect((await doomed.exited).signal).toBe('SIGKILL');
      const killedAt = Date.now();
      await waitFor(async () => (await query(`SELECT 1 FROM training_epoch WHERE job_id = $1 AND attempt = 2`, [queued.id])).length > 0, {
        timeoutMs: 60_000, what: 'the second attempt to store an epoch',
      });
      const recoverMs = Date.now() - killedAt;
      const done = await waitForJob(a.graphqlUrl, queued.id, ['SUCCEEDED', 'FAILED'], 120_000);
      expect(done.status).toBe('SUCCEEDED');
      expect(done.attempts).toBe(2);
      expect(done.workerId).toContain(`:${rescuer.child.pid}:`);
      expect(Date.parse(done.startedAt as string)).toBeGreaterThanOrEqual(killedAt - 100); // the second attempt began after the kill
      const epochs = await query<{ epoch: number; attempt: number; worker_id: string }>('SELECT epoch, attempt, worker_id FROM training_epoch WHERE job_id = $1 ORDER BY epoch', [queued.id]);
      expect(epochs.map((e) => e.epoch)).toEqual(Array.from({ length: SLOW.epochs }, (_, i) => i + 1));
      expect(epochs.every((e) => e.attempt === 2 && e.worker_id === done.workerId)).toBe(true);
      expect(await query(`SELECT id FROM training_job WHERE status = 'RUNNING'`)).toEqual([]);
      // the subscriber saw the first attempt's epochs, then the retry from epoch 1, and completed
      const seen = (await sub.done).map((e) => dataOf(e).trainingProgress.epoch as number);
      const restart = seen.findIndex((n, i) => i > 0 && n <= (seen[i - 1] ?? 0));
      const lastRun = restart === -1 ? seen : seen.slice(restart);
      expect(lastRun).toEqual(Array.from({ length: SLOW.epochs }, (_, i) => i + 1));
      report('5. SIGKILL of a worker mid-epoch', {
        faultsInjected: `1 SIGKILL after ${before?.n} epochs`, status: done.status, attempts: done.attempts, epochsStored: epochs.length,
        epochsLost: SLOW.epochs - new Set(epochs.map((e) => e.epoch)).size, duplicates: epochs.length - new Set(epochs.map((e) => e.epoch)).size,
        subscriberFinalRun: lastRun.length, timeToRecoverMs: recoverMs, leaseMs: Number(LEASE.JOB_LEASE_MS),
      });
    } finally {
      sub.cancel();
      await client.dispose();
    }
  });
});
