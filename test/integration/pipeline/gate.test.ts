/**
 * The promotion gate against gaming, end to end (GraphQL upload → job → training process → registry),
 * on the real file (../shared/datasets, not committed; skipped where absent).
 *
 * The champion is a deliberately weak bundle (a few epochs on 300 rows) imported as version 1, so a
 * genuinely better candidate exists. Then:
 * 1. the shared data, uploaded and retrained: a real improvement on the pinned rows → ACTIVE;
 * 2. the shared data with every label flipped, uploaded and retrained on alone → stays CANDIDATE:
 *    the pinned rows keep the labels first stored (same checksum as before the upload);
 * 3. a fresh registry whose only data is a tiny upload: its candidate cannot win on a handful of
 *    pinned rows → stays CANDIDATE, the reason and the wide interval recorded.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFacilityCsv, resolveHyperparameters, saveBundleToDir } from '../../../src/ml/index.js';
import { trainModel } from '../../../src/ml/train.js';
import { SHARED_DATASET } from '../../../src/paths.js';
import { gql } from '../../helpers/graphql-client.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { ACTIVE, dataOf, retrain, upload, waitForJob, type Gql } from './pipeline-helpers.js';

const REAL = SHARED_DATASET;

const DECISION = `query Model($v: Int!) { model(version: $v) { version status gateDecision {
  promoted reason comparedToVersion candidateMacroF1 activeMacroF1 tolerance policy evaluationRows evaluationChecksum
  minEvaluationRows difference intervalLow intervalHigh confidence bootstrapIterations } } }`;

// few epochs: enough to beat the weak champion clearly, cheap on a busy machine (the training process runs SCHED_IDLE)
const TRAIN = { epochs: 6, patience: 6, seed: 42 };

/** Every label changed: HIGH → LOW, MEDIUM → HIGH, LOW → MEDIUM (ratings rewritten accordingly). */
function flipLabels(csv: Buffer): string {
  const rows = parse(csv, { columns: true, bom: true }) as Record<string, string>[];
  for (const r of rows) {
    const rating = Number(r.rating);
    if (r.rating === undefined || r.rating.trim() === '' || !Number.isFinite(rating)) continue;
    r.rating = rating <= 2.5 ? '3.0' : rating <= 3.5 ? '4.5' : '1.5';
  }
  return stringify(rows, { header: true });
}

async function decision(server: TestServer, version: number): Promise<Gql> {
  return dataOf(await gql(server.graphqlUrl, DECISION, { v: version })).model;
}

let weakDir = '';

describe.skipIf(!existsSync(REAL))('promotion gate on pinned evaluation rows', () => {
  let server: TestServer;
  let bytes: Buffer;

  beforeAll(async () => {
    bytes = await readFile(REAL);
    // the weak champion: 300 labeled rows, 3 epochs
    const csv = await readFacilityCsv(Readable.from([bytes]));
    const few = csv.rows.map((r) => r.record).filter((r) => r.rating !== null).slice(0, 300);
    const weak = await trainModel(few, { hyperparameters: resolveHyperparameters({ epochs: 3, patience: 3, seed: 1, hiddenUnits: [4] }) });
    weakDir = await mkdtemp(path.join(os.tmpdir(), 'trellis-weak-'));
    await saveBundleToDir(weak.bundle, weakDir);
    server = await startTestServer({ BUNDLED_MODEL_DIR: weakDir, JOB_POLL_MS: '200', TRAINER_CONCURRENCY: '1' });
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
    await rm(weakDir, { recursive: true, force: true });
  });

  let realChecksum = '';

  it('a genuinely better candidate (the shared data) wins on the pinned rows and becomes ACTIVE', async () => {
    const uploaded = dataOf((await upload(server.graphqlUrl, bytes, { name: 'shared', autoRetrain: false })).body).uploadDataset;
    const queued = await retrain(server.graphqlUrl, { ...TRAIN, datasetIds: [uploaded.dataset.id] });
    const done = await waitForJob(server.graphqlUrl, queued.id, ['SUCCEEDED', 'FAILED'], 420_000);
    expect(done.error).toBeNull();
    const model = await decision(server, done.model.version);
    const gate = model.gateDecision;
    console.log(`[gate] shared data vs weak v1: ${gate.reason}`);
    expect(model.status).toBe('ACTIVE');
    expect(gate).toMatchObject({ promoted: true, comparedToVersion: 1, policy: 'auto', minEvaluationRows: 100 });
    expect(gate.evaluationRows).toBeGreaterThan(250);
    expect(gate.intervalLow).toBeGreaterThan(0);
    expect(gate.candidateMacroF1).toBeGreaterThan(gate.activeMacroF1);
    realChecksum = gate.evaluationChecksum;
    expect(realChecksum).toMatch(/^[0-9a-f]{64}$/);
    expect(dataOf(await gql(server.graphqlUrl, ACTIVE)).activeModel.version).toBe(model.version);
  }, 480_000);

  it('the shared data with every label flipped, retrained on, stays CANDIDATE: the upload cannot relabel the pinned rows', async () => {
    const active = dataOf(await gql(server.graphqlUrl, ACTIVE)).activeModel.version as number;
    const uploaded = dataOf((await upload(server.graphqlUrl, flipLabels(bytes), { name: 'flipped', autoRetrain: false })).body).uploadDataset;
    expect(uploaded.acceptedCount).toBeGreaterThan(5000);
    const queued = await retrain(server.graphqlUrl, { ...TRAIN, datasetIds: [uploaded.dataset.id] });
    const done = await waitForJob(server.graphqlUrl, queued.id, ['SUCCEEDED', 'FAILED'], 420_000);
    expect(done.error).toBeNull();
    const model = await decision(server, done.model.version);
    const gate = model.gateDecision;
    console.log(`[gate] flipped labels vs v${active}: ${gate.reason}`);
    expect(model.status).toBe('CANDIDATE');
    expect(gate).toMatchObject({ promoted: false, comparedToVersion: active });
    // the same pinned rows, with the labels stored first, judged both
    expect(gate.evaluationChecksum).toBe(realChecksum);
    expect(gate.intervalHigh).toBeLessThan(0);
    expect(gate.reason).toMatch(/not better than the active model.*kept as candidate/);
    expect(dataOf(await gql(server.graphqlUrl, ACTIVE)).activeModel.version).toBe(active);
  }, 480_000);

  describe('a tiny upload', () => {
    let fresh: TestServer;
    beforeAll(async () => {
      fresh = await startTestServer({ BUNDLED_MODEL_DIR: weakDir, JOB_POLL_MS: '200', TRAINER_CONCURRENCY: '1' });
    });
    afterAll(async () => {
      await fresh?.stop();
    });

    it('cannot win on noise: too few pinned rows, an interval too wide to mean anything → stays CANDIDATE', async () => {
      const rows = (parse(bytes, { columns: true, bom: true }) as Record<string, string>[]).filter((r) => (r.rating ?? '').trim() !== '').slice(1000, 1060);
      const uploaded = dataOf((await upload(fresh.graphqlUrl, stringify(rows, { header: true }), { name: 'tiny', autoRetrain: false })).body).uploadDataset;
      const queued = await retrain(fresh.graphqlUrl, { ...TRAIN, datasetIds: [uploaded.dataset.id] });
      const done = await waitForJob(fresh.graphqlUrl, queued.id, ['SUCCEEDED', 'FAILED'], 120_000);
      expect(done.error).toBeNull();
      const model = await decision(fresh, done.model.version);
      const gate = model.gateDecision;
      console.log(`[gate] tiny upload vs weak v1: ${gate.reason}`);
      expect(model.status).toBe('CANDIDATE');
      expect(gate.promoted).toBe(false);
      expect(gate.evaluationRows).toBeLessThan(20);
      expect(gate.reason).toMatch(/too few pinned evaluation rows \(\d+ < GATE_MIN_EVALUATION_ROWS 100\)/);
      if (gate.evaluationRows > 0) expect(gate.intervalHigh - gate.intervalLow).toBeGreaterThan(0.2);
      expect(dataOf(await gql(fresh.graphqlUrl, ACTIVE)).activeModel.version).toBe(1);
    }, 180_000);
  });
});
