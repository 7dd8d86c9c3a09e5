/**
 * The whole retraining loop over the wire: multipart upload → queued job → trainingProgress
 * streams every epoch → SUCCEEDED → a new registered version → activeModel changes when the
 * version wins the gate and not when it loses.
 *
 * Gate control: the server runs with GATE_TOLERANCE=0.5, GATE_MIN_EVALUATION_ROWS=10 (synthetic
 * uploads pin only a few dozen rows) and no bundled model. The first trained version always
 * activates (nothing to compare with); the second wins (the interval's lower end above −0.5, both
 * scored on the pinned evaluation rows); then the server is restarted on the same database with
 * GATE_TOLERANCE=-1, an improvement of a whole point of macro-F1 that no candidate can make.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticCsv } from '../../fixtures/synthetic.js';
import { collectSubscription, gql, wsClient } from '../../helpers/graphql-client.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { ACTIVE, FAST, JOB, PROGRESS, dataOf, job, retrain, sql, upload, waitForJob } from './pipeline-helpers.js';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ BUNDLED_MODEL_DIR: '/nonexistent/bundle', GATE_TOLERANCE: '0.5', GATE_MIN_EVALUATION_ROWS: '10', JOB_POLL_MS: '200', TRAINER_CONCURRENCY: '1' });
});
afterAll(async () => {
  await server?.stop();
  await server?.database.drop(); // the restarted server shares the first one's database
});

describe('retraining pipeline over GraphQL', () => {
  let datasetId = '';

  it('uploads a CSV by multipart, stores it with statistics, and can skip the automatic retrain', async () => {
    const csv = syntheticCsv({ rows: 400, seed: 3, dirty: true });
    const res = await upload(server.graphqlUrl, csv, { name: 'synthetic', autoRetrain: false });
    expect(res.status).toBe(200);
    const result = dataOf(res.body).uploadDataset;
    datasetId = result.dataset.id;
    expect(result.trainingJob).toBeNull();
    expect(result.acceptedCount).toBe(result.dataset.rowCount);
    expect(result.acceptedCount).toBeGreaterThan(350);
    const stats = result.dataset.stats;
    expect(stats.rows).toBe(result.acceptedCount);
    expect(stats.labeledRows + stats.unlabeledRows).toBe(stats.rows);
    expect(stats.labelDistribution.map((l: { label: string }) => l.label)).toEqual(['LOW', 'MEDIUM', 'HIGH']);
    expect(stats.labelDistribution.reduce((s: number, l: { count: number }) => s + l.count, 0)).toBe(stats.labeledRows);
    expect(stats.ratingHistogram).toHaveLength(8);
    expect(stats.ratingHistogram.reduce((s: number, b: { count: number }) => s + b.count, 0)).toBe(stats.labeledRows);
    expect(stats.points.length).toBe(50);
    expect(stats.topServices.length).toBeGreaterThan(3);
    expect(stats.missingRates.find((m: { column: string }) => m.column === 'rating').missingRate).toBeGreaterThan(0.1);
    const db = await sql(server.database.url);
    try {
      const rows = await db.query('SELECT count(*)::int AS n FROM dataset_row WHERE dataset_id = $1', [datasetId]);
      expect(rows.rows[0].n).toBe(result.acceptedCount);
    } finally {
      await db.end();
    }
  });

  it('trains a queued job, streams every epoch once and in order, registers and activates the first version', async () => {
    const queued = await retrain(server.graphqlUrl, { ...FAST, epochs: 8, seed: 1 });
    expect(['QUEUED', 'RUNNING']).toContain(queued.status);
    const client = wsClient(server.wsUrl);
    try {
      const sub = collectSubscription(client, PROGRESS, { jobId: queued.id });
      const events = await sub.done;
      const epochs = events.map((e) => dataOf(e).trainingProgress);
      expect(epochs.map((e) => e.epoch)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      expect(epochs.every((e) => e.jobId === queued.id && Number.isFinite(e.loss))).toBe(true);
    } finally {
      await client.dispose();
    }
    const done = await waitForJob(server.graphqlUrl, queued.id, ['SUCCEEDED', 'FAILED']);
    expect(done.error).toBeNull();
    expect(done.status).toBe('SUCCEEDED');
    expect(done.epochs).toHaveLength(8);
    expect(done.model.version).toBe(1);
    expect(done.model.status).toBe('ACTIVE');
    expect(done.model.gateDecision.promoted).toBe(true);
    expect(done.model.metrics.confusionMatrix).toHaveLength(3);
    expect(done.model.metrics.unseenLocationRows).toBeLessThanOrEqual(done.model.metrics.testRows);
    const active = dataOf(await gql(server.graphqlUrl, ACTIVE)).activeModel;
    expect(active).toMatchObject({ version: 1, status: 'ACTIVE', source: 'training' });
    await expectReadyWithModel(1);
  });

  it('upload with autoRetrain queues a job by itself; the new version wins the gate and becomes active', async () => {
    const csv = syntheticCsv({ rows: 300, seed: 11 });
    const result = dataOf((await upload(server.graphqlUrl, csv, { name: 'more' })).body).uploadDataset;
    const queued = result.trainingJob;
    expect(queued).toBeTruthy();
    expect(queued.datasetIds).toHaveLength(2); // default: every stored dataset
    // the upload's job trains with default hyperparameters (up to 100 epochs): fine on 700 rows
    const done = await waitForJob(server.graphqlUrl, queued.id, ['SUCCEEDED', 'FAILED'], 120_000);
    expect(done.status).toBe('SUCCEEDED');
    expect(done.model.version).toBe(2);
    expect(done.model.gateDecision).toMatchObject({ promoted: true, comparedToVersion: 1, tolerance: 0.5 });
    // both versions were scored on the same pinned evaluation rows, not on the candidate's own test split
    expect(done.model.gateDecision.reason).toMatch(/on \d+ pinned evaluation rows/);
    expect(dataOf(await gql(server.graphqlUrl, ACTIVE)).activeModel.version).toBe(2);
    await expectReadyWithModel(2);
  }, 150_000);

  it('a version that loses the gate stays CANDIDATE with the reason, and the active model does not change', async () => {
    const database = server.database;
    await server.app.stop();
    server = await startTestServer({ BUNDLED_MODEL_DIR: '/nonexistent/bundle', GATE_TOLERANCE: '-1', GATE_MIN_EVALUATION_ROWS: '10', JOB_POLL_MS: '200', TRAINER_CONCURRENCY: '1' }, database);
    const queued = await retrain(server.graphqlUrl, { ...FAST, seed: 2, datasetIds: [datasetId] });
    const done = await waitForJob(server.graphqlUrl, queued.id, ['SUCCEEDED', 'FAILED']);
    expect(done.status).toBe('SUCCEEDED');
    expect(done.model.version).toBe(3);
    expect(done.model.status).toBe('CANDIDATE');
    expect(done.model.gateDecision.promoted).toBe(false);
    expect(done.model.gateDecision.comparedToVersion).toBe(2);
    expect(done.model.gateDecision.reason).toMatch(/on \d+ pinned evaluation rows.*kept as candidate/);
    expect(dataOf(await gql(server.graphqlUrl, ACTIVE)).activeModel.version).toBe(2);
  });

  it('promote, rollback and the activation history; activeModelChanged streams each change', async () => {
    const client = wsClient(server.wsUrl);
    const changes: number[] = [];
    const sub = collectSubscription(client, 'subscription { activeModelChanged { version status } }', {}, (e) => {
      changes.push((e.data as { activeModelChanged: { version: number } }).activeModelChanged.version);
    });
    try {
      // the subscription is live once the server acknowledged it; a no-op query round trip is not enough, so retry promote until seen
      const promoted = dataOf(await gql(server.graphqlUrl, 'mutation { promoteModel(version: 3) { version status } }')).promoteModel;
      expect(promoted).toEqual({ version: 3, status: 'ACTIVE' });
      const again = await gql(server.graphqlUrl, 'mutation { promoteModel(version: 3) { version } }');
      expect(again.errors?.[0]?.extensions?.code).toBe('CONFLICT');
      const back = dataOf(await gql(server.graphqlUrl, 'mutation { rollbackModel { version status } }')).rollbackModel;
      expect(back).toEqual({ version: 2, status: 'ACTIVE' });
      const back2 = dataOf(await gql(server.graphqlUrl, 'mutation { rollbackModel { version status } }')).rollbackModel;
      expect(back2).toEqual({ version: 1, status: 'ACTIVE' });
      const none = await gql(server.graphqlUrl, 'mutation { rollbackModel { version } }');
      expect(none.errors?.[0]?.extensions?.code).toBe('CONFLICT');
      const history = dataOf(await gql(server.graphqlUrl, 'query { modelActivations { fromVersion toVersion kind actor reason } }')).modelActivations;
      expect(history.map((h: { kind: string; toVersion: number }) => `${h.kind}:${h.toVersion}`)).toEqual(['rollback:1', 'rollback:2', 'promote:3', 'gate:2', 'gate:1']);
      await expectReadyWithModel(1);
      await waitForChanges(changes, [1]);
    } finally {
      sub.cancel();
      await client.dispose();
    }
    const missing = await gql(server.graphqlUrl, 'mutation { promoteModel(version: 99) { version } }');
    expect(missing.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('answers with the contract error codes', async () => {
    const malformed = await gql(server.graphqlUrl, JOB, { id: 'not-a-uuid' });
    expect(malformed.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const unknown = await gql(server.graphqlUrl, JOB, { id: '00000000-0000-4000-8000-000000000000' });
    expect(unknown.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const bad = await gql(server.graphqlUrl, 'mutation { retrain(input: { learningRate: 7 }) { id } }');
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.learningRate' });
    const badDs = await gql(server.graphqlUrl, 'mutation { retrain(input: { datasetIds: ["00000000-0000-4000-8000-000000000000"] }) { id } }');
    expect(badDs.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.datasetIds' });
    const ds = await gql(server.graphqlUrl, 'query { dataset(id: "nope") { id } }');
    expect(ds.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const model = await gql(server.graphqlUrl, 'query { model(version: 42) { version } }');
    expect(model.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('pages through trainingJobs with cursors', async () => {
    const first = dataOf(await gql(server.graphqlUrl, 'query { trainingJobs(first: 2) { totalCount edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }')).trainingJobs;
    expect(first.totalCount).toBe(3);
    expect(first.edges).toHaveLength(2);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const rest = dataOf(await gql(server.graphqlUrl, 'query($after: String) { trainingJobs(first: 2, after: $after) { nodes { id } pageInfo { hasNextPage } } }', { after: first.pageInfo.endCursor })).trainingJobs;
    expect(rest.nodes).toHaveLength(1);
    expect(rest.pageInfo.hasNextPage).toBe(false);
    const ids = [...first.edges.map((e: { node: { id: string } }) => e.node.id), rest.nodes[0].id];
    expect(new Set(ids).size).toBe(3);
    const succeeded = dataOf(await gql(server.graphqlUrl, 'query { trainingJobs(status: SUCCEEDED) { totalCount } }')).trainingJobs;
    expect(succeeded.totalCount).toBe(3);
    const badCursor = await gql(server.graphqlUrl, 'query { trainingJobs(after: "zzz") { totalCount } }');
    expect(badCursor.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

async function expectReadyWithModel(version: number): Promise<void> {
  const { waitFor } = await import('../../helpers/server.js');
  await waitFor(
    async () => {
      const res = await fetch(`${server.url}/readyz`);
      const body = (await res.json()) as { model: { loaded: boolean; version: number | null } };
      return body.model.loaded && body.model.version === version;
    },
    { timeoutMs: 10_000, what: `/readyz to report model v${version}` },
  );
}

async function waitForChanges(changes: number[], tail: number[]): Promise<void> {
  const { waitFor } = await import('../../helpers/server.js');
  await waitFor(() => changes.length >= tail.length && changes.slice(-tail.length).join() === tail.join(), { timeoutMs: 10_000, what: 'activeModelChanged events' });
}

export { job };
