/**
 * Cancellation and deduplication, through the real server with an in-process trainer:
 * a RUNNING job stops within one epoch of the cancel; a QUEUED one is CANCELLED at once; a
 * finished one is a CONFLICT; an identical retrain while one is queued returns the queued job.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticCsv } from '../../fixtures/synthetic.js';
import { gql } from '../../helpers/graphql-client.js';
import { startTestServer, waitFor, type TestServer } from '../../helpers/server.js';
import { dataOf, job, retrain, sql, upload, waitForJob } from './pipeline-helpers.js';

const SLOW = { epochs: 400, patience: 400, batchSize: 4, hiddenUnits: [32] };
const CANCEL = 'mutation($id: ID!) { cancelTrainingJob(id: $id) { id status cancelRequested cancelledAt finishedAt } }';
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ BUNDLED_MODEL_DIR: '/nonexistent/bundle', TRAINER_CONCURRENCY: '1', JOB_POLL_MS: '200' });
  dataOf((await upload(server.graphqlUrl, syntheticCsv({ rows: 300, seed: 4 }), { autoRetrain: false })).body);
});
afterAll(async () => {
  await server?.stop();
});

async function storedEpochs(jobId: string): Promise<number> {
  const db = await sql(server.database.url);
  try {
    return (await db.query('SELECT count(*)::int AS n FROM training_epoch WHERE job_id = $1', [jobId])).rows[0].n;
  } finally {
    await db.end();
  }
}

describe('cancellation and dedupe', () => {
  it('cancels a RUNNING job within one epoch, and a second cancel is a CONFLICT', async () => {
    const running = await retrain(server.graphqlUrl, { ...SLOW, seed: 1 });
    await waitFor(async () => (await storedEpochs(running.id)) >= 2, { timeoutMs: 60_000, what: 'two epochs' });

    // a job queued behind it (concurrency 1) is cancelled at once
    const queued = await retrain(server.graphqlUrl, { ...SLOW, seed: 2 });
    expect(queued.status).toBe('QUEUED');
    const dup = await retrain(server.graphqlUrl, { ...SLOW, seed: 2 });
    expect(dup.id).toBe(queued.id); // dedupe: the identical queued job is returned
    const cancelledQueued = dataOf(await gql(server.graphqlUrl, CANCEL, { id: queued.id })).cancelTrainingJob;
    expect(cancelledQueued).toMatchObject({ status: 'CANCELLED', cancelRequested: true });
    expect(cancelledQueued.cancelledAt).toBeTruthy();
    // once it left QUEUED, the same request queues a new job
    const fresh = await retrain(server.graphqlUrl, { ...SLOW, seed: 2 });
    expect(fresh.id).not.toBe(queued.id);
    dataOf(await gql(server.graphqlUrl, CANCEL, { id: fresh.id }));

    const atCancel = await storedEpochs(running.id);
    const requested = dataOf(await gql(server.graphqlUrl, CANCEL, { id: running.id })).cancelTrainingJob;
    expect(requested).toMatchObject({ status: 'RUNNING', cancelRequested: true });
    const done = await waitForJob(server.graphqlUrl, running.id, ['CANCELLED', 'SUCCEEDED', 'FAILED'], 30_000);
    expect(done.status).toBe('CANCELLED');
    expect(done.model).toBeNull();
    expect(done.finishedAt).toBeTruthy();
    // stopped at the next batch: at most the epoch in progress when the cancel arrived was stored
    expect(done.epochs.length).toBeLessThanOrEqual(atCancel + 1);
    expect(done.epochs.length).toBeLessThan(SLOW.epochs);

    const again = await gql(server.graphqlUrl, CANCEL, { id: running.id });
    expect(again.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', status: 'CANCELLED' });
    const unknown = await gql(server.graphqlUrl, CANCEL, { id: '00000000-0000-4000-8000-000000000000' });
    expect(unknown.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const malformed = await gql(server.graphqlUrl, CANCEL, { id: '42' });
    expect(malformed.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('cancelling a SUCCEEDED job is a CONFLICT', async () => {
    const quick = await retrain(server.graphqlUrl, { epochs: 2, patience: 5, batchSize: 64, hiddenUnits: [8], seed: 3 });
    const done = await waitForJob(server.graphqlUrl, quick.id, ['SUCCEEDED', 'FAILED'], 60_000);
    expect(done.status).toBe('SUCCEEDED');
    const res = await gql(server.graphqlUrl, CANCEL, { id: quick.id });
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', status: 'SUCCEEDED' });
    expect((await job(server.graphqlUrl, quick.id)).status).toBe('SUCCEEDED');
  });
});
