/**
 * The registry side of API processes: the committed bundle imported once as version 1 when two
 * processes start at once on an empty database, and hot swap in every process on model_activated.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFacilityCsv, resolveHyperparameters, saveBundleToDir, trainInWorker } from '../../../src/ml/index.js';
import { syntheticCsv } from '../../fixtures/synthetic.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/database.js';
import { gql } from '../../helpers/graphql-client.js';
import { startTestServer, waitFor, type TestServer } from '../../helpers/server.js';
import { dataOf, retrain, sql, upload, waitForJob } from './pipeline-helpers.js';

let bundleDir = '';
let database: TestDatabase;
let a: TestServer;
let b: TestServer;

beforeAll(async () => {
  // a small real bundle, standing in for models/facility-rating/
  bundleDir = await mkdtemp(path.join(os.tmpdir(), 'trellis-bundle-'));
  const { rows } = await readFacilityCsv(Readable.from([syntheticCsv({ rows: 300, seed: 21 })]));
  const outcome = await trainInWorker(rows.map((r) => r.record), { hyperparameters: resolveHyperparameters({ epochs: 3, hiddenUnits: [8], batchSize: 64 }) });
  await saveBundleToDir(outcome.bundle, bundleDir);
  database = await createTestDatabase('registry');
  const env = { BUNDLED_MODEL_DIR: bundleDir, TRAINER_CONCURRENCY: '0' };
  // two API processes starting at once on the same empty database
  [a, b] = await Promise.all([startTestServer(env, database), startTestServer({ ...env, TRAINER_CONCURRENCY: '1', JOB_POLL_MS: '200' }, database)]);
}, 120_000);

afterAll(async () => {
  await a?.stop();
  await b?.stop();
  await database?.drop();
  if (bundleDir) await rm(bundleDir, { recursive: true, force: true });
});

async function readyVersion(server: TestServer): Promise<number | null> {
  const body = (await (await fetch(`${server.url}/readyz`)).json()) as { model: { loaded: boolean; version: number | null } };
  return body.model.loaded ? body.model.version : null;
}

describe('model registry across API processes', () => {
  it('imports the bundled model exactly once as version 1, ACTIVE, and both processes load it', async () => {
    const db = await sql(database.url);
    try {
      const versions = await db.query('SELECT version, status, source FROM model_version');
      expect(versions.rows).toEqual([{ version: 1, status: 'ACTIVE', source: 'bundled' }]);
      const history = await db.query('SELECT from_version, to_version, kind FROM model_activation');
      expect(history.rows).toEqual([{ from_version: null, to_version: 1, kind: 'bundled' }]);
    } finally {
      await db.end();
    }
    expect(await readyVersion(a)).toBe(1);
    expect(await readyVersion(b)).toBe(1);
    expect(a.app.services.models.active()?.version).toBe(1);
  });

  it('swaps the active model in every process on activation; a held model keeps working; get() loads any version', async () => {
    const held = a.app.services.models.active();
    expect(held).not.toBeNull();
    const swaps: number[] = [];
    const off = a.app.services.models.onActiveChange((m) => swaps.push(m.version));
    try {
      dataOf((await upload(b.graphqlUrl, syntheticCsv({ rows: 300, seed: 22 }), { autoRetrain: false })).body);
      const queued = await retrain(b.graphqlUrl, { epochs: 3, hiddenUnits: [8], batchSize: 64, seed: 5 });
      const done = await waitForJob(b.graphqlUrl, queued.id, ['SUCCEEDED', 'FAILED']);
      expect(done.status).toBe('SUCCEEDED');
      // whatever the gate decided, promote by hand through process B and watch process A swap
      if (done.model.status !== 'ACTIVE') dataOf(await gql(b.graphqlUrl, 'mutation { promoteModel(version: 2) { version } }'));
      await waitFor(async () => (await readyVersion(a)) === 2 && (await readyVersion(b)) === 2, { timeoutMs: 10_000, what: 'both processes on v2' });
      expect(swaps).toEqual([2]);
      // a request that took the old model before the swap still predicts with it
      expect(held?.version).toBe(1);
      expect(held?.classifier.predictProbabilities([{ facilityName: 'X HC II', services: 'General Care', latitude: null, longitude: null, rating: null, operatingHours: null, website: null, phoneNumber: null, careSystem: 'GOVT', subcounty: 'Y' }]).length).toBe(3);
      const v1 = await a.app.services.models.get(1);
      expect(v1?.version).toBe(1);
      expect(await a.app.services.models.get(99)).toBeNull();
      const active = dataOf(await gql(a.graphqlUrl, 'query { activeModel { version datasets { id } datasetIds } }')).activeModel;
      expect(active.version).toBe(2);
      expect(active.datasets.map((d: { id: string }) => d.id)).toEqual(active.datasetIds);
    } finally {
      off();
    }
  }, 120_000);
});
