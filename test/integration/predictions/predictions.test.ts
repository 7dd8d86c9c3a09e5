import { execFile } from 'node:child_process';
import http from 'node:http';
import { gunzipSync } from 'node:zlib';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { transaction } from '../../../src/db/sql.js';
import { poolOf } from '../../../src/db/sql.js';
import { LABELS } from '../../../src/ml/index.js';
import { syntheticRows, HEADER } from '../../fixtures/synthetic.js';
import { authHeaders, gql, gqlUpload } from '../../helpers/graphql-client.js';
import { REPO_ROOT, startTestServer, type TestServer } from '../../helpers/server.js';
import { loadTestBundle } from '../../unit/serving/model-fixture.js';
import { servedModelDir } from './model-env.js';

const run = promisify(execFile);

const PREDICTION = 'label confidence modelVersion probabilities { label probability }';
const PREDICT = `query($input: FacilityInput!, $v: Int) { predict(input: $input, modelVersion: $v) { ${PREDICTION} } }`;
const PREDICT_BATCH = `mutation($inputs: [FacilityInput!]!) { predictBatch(inputs: $inputs) { ${PREDICTION} } }`;
const PREDICT_FILE = `mutation($file: Upload!) { predictBatchFile(file: $file) {
  rows scored errors modelVersion downloadUrl classCounts { label count }
  results { row error prediction { ${PREDICTION} } } } }`;

interface Pred { label: string; confidence: number; modelVersion: number; probabilities: { label: string; probability: number }[] }

const validInput = {
  facilityName: 'Kasubi HC III',
  services: 'General Care, Maternity, Laboratory',
  latitude: 0.33,
  longitude: 32.55,
  operatingHours: 'Monday: Open 24 hours',
  phoneNumber: '0772 000000',
  careSystem: 'GOVT',
  subcounty: 'Kawempe Division',
};

/** Synthetic rows (the dataset's schema) as FacilityInput and as CSV text. */
function sampleRows(n: number) {
  const rows = syntheticRows({ rows: n, seed: 5 });
  const csvCell = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  const csv = [HEADER.join(','), ...rows.map((r) => HEADER.map((h) => csvCell(r[h as keyof typeof r])).join(','))].join('\n') + '\n';
  const inputs = rows.map((r) => ({
    facilityName: r.facility_name || null,
    services: r.services || 'General Care',
    latitude: r.latitude === '' ? null : Number(r.latitude),
    longitude: r.longitude === '' ? null : Number(r.longitude),
    operatingHours: r.operating_hours || null,
    website: r.website || null,
    phoneNumber: r.phone_number || null,
    careSystem: r.care_system.toUpperCase(),
    subcounty: r.Subcounty || 'Unknown',
  }));
  return { rows, csv, inputs };
}

function probs(p: Pred): number[] {
  return p.probabilities.map((c) => c.probability);
}

describe('predictions over GraphQL', () => {
  let server: TestServer;
  let modelDir: string;

  beforeAll(async () => {
    const served = await servedModelDir();
    modelDir = served.dir;
    server = await startTestServer({ ...served.env, PREDICT_MAX_BATCH_ROWS: '50' });
    // A second, non-active version (gate keeps it a candidate: its macro-F1 is set below the active one's).
    const bundle = await loadTestBundle(11);
    await transaction(poolOf(server.app.services.dataSource), (tx) =>
      server.app.services.registry.register(tx, {
        source: 'training', bundle, metrics: { ...bundle.metadata.metrics, macroF1: -1 }, backend: 'cpu',
        trainingJobId: null, datasetIds: [], rowCount: 1,
      }, 'test'),
    );
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('predict answers with label, confidence, one probability per class and the active version', async () => {
    const res = await gql<{ predict: Pred }>(server.graphqlUrl, PREDICT, { input: validInput });
    expect(res.errors).toBeUndefined();
    const p = res.data?.predict as Pred;
    expect(p.modelVersion).toBe(1);
    expect(p.probabilities.map((c) => c.label)).toEqual([...LABELS]);
    expect(probs(p).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    expect(p.confidence).toBe(Math.max(...probs(p)));
    expect(p.label).toBe(LABELS[probs(p).indexOf(p.confidence)]);
  });

  it('answers with another version on request, and NOT_FOUND for an unknown one', async () => {
    const v2 = await gql<{ predict: Pred }>(server.graphqlUrl, PREDICT, { input: validInput, v: 2 });
    expect(v2.errors).toBeUndefined();
    expect(v2.data?.predict.modelVersion).toBe(2);
    const missing = await gql(server.graphqlUrl, PREDICT, { input: validInput, v: 999 });
    expect(missing.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it.each([
    [{ latitude: 91 }, 'input.latitude'],
    [{ longitude: -181 }, 'input.longitude'],
    [{ latitude: 0.3, longitude: null }, 'input.longitude'],
    [{ services: '   ' }, 'input.services'],
    [{ subcounty: '' }, 'input.subcounty'],
    [{ facilityName: 'x'.repeat(4001) }, 'input.facilityName'],
  ])('rejects invalid input %j as BAD_USER_INPUT naming %s', async (change, field) => {
    const res = await gql(server.graphqlUrl, PREDICT, { input: { ...validInput, ...change } });
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    expect(res.errors?.[0]?.message).toContain(field);
  });

  it('rejects a missing required field and an unknown care system before resolving', async () => {
    const { services: _omit, ...noServices } = validInput;
    const res = await gql(server.graphqlUrl, PREDICT, { input: noServices });
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const bad = await gql(server.graphqlUrl, PREDICT, { input: { ...validInput, careSystem: 'PRIVATE' } });
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('predictBatch scores up to maxBatchRows and names the row of an invalid input', async () => {
    const { inputs } = sampleRows(60);
    const ok = await gql<{ predictBatch: Pred[] }>(server.graphqlUrl, PREDICT_BATCH, { inputs: inputs.slice(0, 50) });
    expect(ok.errors).toBeUndefined();
    expect(ok.data?.predictBatch).toHaveLength(50);
    const tooMany = await gql(server.graphqlUrl, PREDICT_BATCH, { inputs });
    expect(tooMany.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'inputs', limit: 50 });
    const invalid = await gql(server.graphqlUrl, PREDICT_BATCH, { inputs: [inputs[0], { ...inputs[1], latitude: 100 }] });
    expect(invalid.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'inputs.1.latitude' });
  });

  it('predictBatchFile: per-row results and errors, a summary, and the scored CSV to download', async () => {
    const { csv } = sampleRows(30);
    const lines = csv.trimEnd().split('\n');
    // Row 3 gets an unknown care system, row 5 an unreadable latitude.
    const broken = lines.map((l, i) => (i === 3 ? l.replace(/,(GOVT|PFP|PNFP|govt|pfp|pnfp|Govt|Pfp|Pnfp),/i, ',MARS,') : i === 5 ? l.replace(/^([^,]*|"[^"]*"),("[^"]*"|[^,]*),[^,]*,/, '$1,$2,north,') : l));
    const res = await gqlUpload<{ predictBatchFile: any }>(server.graphqlUrl, PREDICT_FILE, {}, { name: 'in.csv', content: broken.join('\n') + '\n' });
    expect(res.body.errors).toBeUndefined();
    const r = res.body.data?.predictBatchFile;
    expect(r.rows).toBe(30);
    expect(r.errors).toBe(2);
    expect(r.scored).toBe(28);
    expect(r.modelVersion).toBe(1);
    expect(r.classCounts.reduce((a: number, c: { count: number }) => a + c.count, 0)).toBe(28);
    expect(r.results[2]).toMatchObject({ row: 3, prediction: null, error: expect.stringContaining('care_system') });
    expect(r.results[4]).toMatchObject({ row: 5, prediction: null, error: expect.stringContaining('latitude') });
    expect(r.results[0].prediction.probabilities).toHaveLength(3);

    const download = await fetch(`${server.url}${r.downloadUrl}`);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toMatch(/text\/csv/);
    const scored = parse(await download.text(), { columns: true }) as Record<string, string>[];
    expect(Object.keys(scored[0] ?? {})).toEqual([...HEADER, 'predicted_label', 'probability_LOW', 'probability_MEDIUM', 'probability_HIGH', 'error']);
    expect(scored).toHaveLength(30);
    expect(scored[2]?.error).toMatch(/care_system/);
    expect(scored[0]?.predicted_label).toBe(r.results[0].prediction.label);
    // Served as stored (gzip) to a client that accepts it, decompressed for one that does not say so.
    const raw = async (acceptEncoding?: string) =>
      new Promise<{ headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
        http.get(`${server.url}${r.downloadUrl}`, { headers: acceptEncoding ? { 'accept-encoding': acceptEncoding } : {} }, (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (c: Buffer) => chunks.push(c)).on('end', () => resolve({ headers: response.headers, body: Buffer.concat(chunks) })).on('error', reject);
        }).on('error', reject);
      });
    const plain = await raw();
    const gzipped = await raw('gzip, deflate');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(Number(plain.headers['content-length'])).toBe(plain.body.length);
    expect(gzipped.headers['content-encoding']).toBe('gzip');
    expect(Number(gzipped.headers['content-length'])).toBe(gzipped.body.length);
    expect(gzipped.body.length).toBeLessThan(plain.body.length);
    expect(gunzipSync(gzipped.body).equals(plain.body)).toBe(true);
    expect(parse(plain.body.toString(), { columns: true })).toEqual(scored);
    expect((await raw('identity')).headers['content-encoding']).toBeUndefined();

    // A guessed id gets nothing without a key; with a PREDICTOR key an unknown or crafted name is 404.
    expect((await fetch(`${server.url}/downloads/predictions/00000000-0000-0000-0000-000000000000.csv`)).status).toBe(401);
    expect((await fetch(`${server.url}/downloads/predictions/00000000-0000-0000-0000-000000000000.csv`, { headers: authHeaders() })).status).toBe(404);
    expect((await fetch(`${server.url}/downloads/predictions/..%2F..%2Fpackage.json`, { headers: authHeaders() })).status).toBe(404);
  });

  it('predictBatchFile refuses a file that is not the dataset schema', async () => {
    const res = await gqlUpload(server.graphqlUrl, PREDICT_FILE, {}, { name: 'x.csv', content: 'a,b\n1,2\n' });
    expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'file' });
  });

  it('the same rows give the same probabilities through predict, predictBatch, predictBatchFile and npm run predict', async () => {
    const { csv, inputs } = sampleRows(40);
    const single = await Promise.all(inputs.map((input) => gql<{ predict: Pred }>(server.graphqlUrl, PREDICT, { input })));
    const batch = await gql<{ predictBatch: Pred[] }>(server.graphqlUrl, PREDICT_BATCH, { inputs });
    const file = await gqlUpload<{ predictBatchFile: any }>(server.graphqlUrl, PREDICT_FILE, {}, { name: 'in.csv', content: csv });
    expect(file.body.data?.predictBatchFile.errors).toBe(0);
    const downloaded = parse(await (await fetch(`${server.url}${file.body.data?.predictBatchFile.downloadUrl}`)).text(), { columns: true }) as Record<string, string>[];

    const dir = await mkdtemp(path.join(os.tmpdir(), 'trellis-predict-cli-'));
    await writeFile(path.join(dir, 'in.csv'), csv);
    await run(process.execPath, [path.join(REPO_ROOT, 'dist/scripts/predict.js'), '--model', modelDir, '--data', path.join(dir, 'in.csv'), '--out', path.join(dir, 'out.csv')], { cwd: REPO_ROOT });
    const cli = parse(await readFile(path.join(dir, 'out.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
    expect(cli).toHaveLength(inputs.length);
    expect(Object.keys(cli[0] ?? {})).toEqual(Object.keys(downloaded[0] ?? {}));

    for (let i = 0; i < inputs.length; i++) {
      const fromPredict = probs(single[i]?.data?.predict as Pred);
      expect(probs(batch.data?.predictBatch[i] as Pred)).toEqual(fromPredict);
      expect(probs(file.body.data?.predictBatchFile.results[i].prediction)).toEqual(fromPredict);
      const fromCli = LABELS.map((l) => Number(cli[i]?.[`probability_${l}`]));
      const fromDownload = LABELS.map((l) => Number(downloaded[i]?.[`probability_${l}`]));
      expect(fromDownload).toEqual(fromCli);
      fromCli.forEach((p, j) => expect(Math.abs(p - (fromPredict[j] as number))).toBeLessThanOrEqual(5e-7));
      expect(cli[i]?.predicted_label).toBe(single[i]?.data?.predict.label);
    }
  });
});

describe('predictions without a model', () => {
  let server: TestServer;
  beforeAll(async () => {
    const empty = await mkdtemp(path.join(os.tmpdir(), 'trellis-no-model-'));
    server = await startTestServer({ BUNDLED_MODEL_DIR: empty });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('gives MODEL_NOT_READY while no version is active', async () => {
    const res = await gql(server.graphqlUrl, PREDICT, { input: validInput });
    expect(res.errors?.[0]?.extensions?.code).toBe('MODEL_NOT_READY');
    const batch = await gql(server.graphqlUrl, PREDICT_BATCH, { inputs: [validInput] });
    expect(batch.errors?.[0]?.extensions?.code).toBe('MODEL_NOT_READY');
  });
});
