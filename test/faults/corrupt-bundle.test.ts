/**
 * Fault 4: a corrupt model bundle, on disk (the bundled model) and in the database (a registered
 * version's bytes). It is never served: the previous good model keeps answering, the version is
 * marked with its load error, and /readyz answers 503 with the reason when no model can be served.
 */
import { cp, mkdtemp, rm, truncate, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql } from '../helpers/graphql-client.js';
import { REPO_ROOT, waitFor } from '../helpers/server.js';
import { dataOf, report, spawnOn, stopProcess, type RunningTrellis } from './fault-helpers.js';
import { createFaultCluster, type FaultCluster } from './pg-cluster.js';

let cluster: FaultCluster;
let tmp: string;
const processes: RunningTrellis[] = [];

const PREDICT = `query($v: Int) { predict(input: { services: "General Care, Maternity", careSystem: GOVT, subcounty: "Kasubi" }, modelVersion: $v) { label modelVersion } }`;
const readyz = async (p: RunningTrellis) => {
  const res = await fetch(`${p.url}/readyz`);
  return { status: res.status, body: (await res.json()) as { status: string; reason: string | null; model: { loaded: boolean; version: number | null; loadError: string | null } } };
};

beforeAll(async () => {
  cluster = await createFaultCluster();
  tmp = await mkdtemp(path.join(os.tmpdir(), 'trellis-corrupt-'));
});
afterAll(async () => {
  for (const p of processes) await stopProcess(p);
  await cluster?.destroy();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('a corrupt model bundle', () => {
  it('on disk: is not imported nor served; /readyz 503 with the reason', async () => {
    const dir = path.join(tmp, 'bundle');
    await cp(path.join(REPO_ROOT, 'models/facility-rating'), dir, { recursive: true });
    const weights = path.join(dir, 'weights.bin');
    await truncate(weights, (await stat(weights)).size - 100); // a torn copy
    const url = await cluster.createDatabase('trellis_corrupt_disk');
    const p = await spawnOn(url, { ROLE: 'api', BUNDLED_MODEL_DIR: dir });
    processes.push(p);
    const ready = await readyz(p);
    const predict = await gql(p.graphqlUrl, PREDICT);
    const versions = await cluster.query('SELECT version FROM model_version', [], 'trellis_corrupt_disk');
    report('4a. bundle corrupt on disk', {
      faultsInjected: 'weights.bin truncated by 100 bytes', readyz: ready.status, reason: ready.body.reason, versionsImported: versions.length,
      predictAnswered: predict.data ? 1 : 0, predictError: predict.errors?.[0]?.extensions?.code,
    });
    expect(ready.status).toBe(503);
    expect(ready.body.reason).toMatch(/weights\.bin .* fails its sha256/);
    expect(versions).toEqual([]);
    expect(predict.errors?.[0]?.extensions?.code).toBe('MODEL_NOT_READY');
    expect(predict.errors?.[0]?.message).toMatch(/fails its sha256/);
    await stopProcess(p);
  });

  it('in the database: never served; the previous good model keeps serving; alone, /readyz 503 with the reason', async () => {
    const db = 'trellis_corrupt_db';
    const url = await cluster.createDatabase(db);
    let p = await spawnOn(url, { ROLE: 'api' });
    processes.push(p);
    await waitFor(async () => (await readyz(p)).body.model.version === 1, { what: 'the bundled v1 served' });
    // v2: v1's row with bytes flipped in the middle of the bundle, the stored checksum unchanged
    await cluster.query(
      `INSERT INTO model_version (version, status, source, dataset_ids, row_count, hyperparameters, metrics, macro_f1,
         classification_report, gate_decision, backend, format_version, checksum, size_bytes, bundle)
       SELECT 2, 'CANDIDATE', source, dataset_ids, row_count, hyperparameters, metrics, macro_f1, classification_report, gate_decision,
              backend, format_version, checksum, size_bytes, overlay(bundle placing '\\xdeadbeef'::bytea from length(bundle) / 2)
         FROM model_version WHERE version = 1`, [], db,
    );
    dataOf(await gql(p.graphqlUrl, 'mutation { promoteModel(version: 2) { version } }'));
    const marked = await waitFor(async () => dataOf(await gql(p.graphqlUrl, '{ model(version: 2) { status loadError } }')).model.loadError as string | null, {
      what: 'v2 marked with its load error',
    });
    const served = await readyz(p);
    let answeredBy2 = 0;
    let answered = 0;
    for (let i = 0; i < 50; i++) {
      const res = await gql(p.graphqlUrl, PREDICT);
      if (res.data?.predict) answered++;
      if (res.data?.predict?.modelVersion === 2) answeredBy2++;
    }
    const pinned = await gql(p.graphqlUrl, PREDICT, { v: 2 });
    expect(served.status).toBe(200);
    expect(served.body.model.version).toBe(1); // the previous good model keeps serving
    expect(marked).toMatch(/fails the integrity check/);
    expect(answered).toBe(50);
    expect(answeredBy2).toBe(0);
    expect(pinned.errors?.[0]?.extensions?.code).toBe('MODEL_NOT_READY');

    // a fresh process has no previous good model in memory: the corrupt active version is all there is
    await stopProcess(p);
    p = await spawnOn(url, { ROLE: 'api' });
    processes.push(p);
    const alone = await waitFor(async () => {
      const r = await readyz(p);
      return r.body.reason ? r : null;
    }, { what: 'a reason on /readyz' });
    const predict = await gql(p.graphqlUrl, PREDICT);
    report('4b. bundle corrupt in the database', {
      faultsInjected: '4 bytes overwritten in v2\'s stored bundle, v2 promoted', servedDuringFault: served.body.model.version,
      predictionsAnswered: `${answered}/50`, answeredByCorruptVersion: answeredBy2, loadError: marked,
      readyzWhenOnlyCorrupt: alone.status, reason: alone.body.reason,
    });
    expect(alone.status).toBe(503);
    expect(alone.body.reason).toMatch(/model version 2 cannot be served: .*integrity check/);
    expect(predict.errors?.[0]?.extensions?.code).toBe('MODEL_NOT_READY');
  });
});
