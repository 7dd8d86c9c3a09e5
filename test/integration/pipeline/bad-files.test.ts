/**
 * A corpus of bad uploads (test/fixtures/bad-files/): each gets a clear error with the contract
 * code and leaves no dataset, no row and no job behind. Plus the limits (size, rows) and a mixed
 * file whose bad rows are reported with their line numbers while the good ones are stored.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticCsv } from '../../fixtures/synthetic.js';
import { gql } from '../../helpers/graphql-client.js';
import { REPO_ROOT, startTestServer, type TestServer } from '../../helpers/server.js';
import { dataOf, sql, upload } from './pipeline-helpers.js';

const MAX_BYTES = 1024 * 1024;
const MAX_ROWS = 1000;
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({
    BUNDLED_MODEL_DIR: '/nonexistent/bundle', TRAINER_CONCURRENCY: '0', UPLOAD_MAX_BYTES: String(MAX_BYTES), UPLOAD_MAX_ROWS: String(MAX_ROWS),
  });
});
afterAll(async () => {
  await server?.stop();
});

async function counts(): Promise<{ datasets: number; rows: number; jobs: number }> {
  const db = await sql(server.database.url);
  try {
    const res = await db.query(`SELECT (SELECT count(*) FROM dataset)::int AS datasets, (SELECT count(*) FROM dataset_row)::int AS rows,
                                       (SELECT count(*) FROM training_job)::int AS jobs`);
    return res.rows[0];
  } finally {
    await db.end();
  }
}

const fixture = (name: string) => readFile(path.join(REPO_ROOT, 'test/fixtures/bad-files', name));

describe('bad uploads', () => {
  const cases: Array<[string, RegExp]> = [
    ['truncated-quote.csv', /quoted field is never closed/],
    ['wrong-columns.csv', /missing the required columns? facility_name, rating/],
    ['binary.png', /binary/],
    ['not-csv.json', /not valid CSV/],
    ['empty.csv', /empty/],
    ['header-only.csv', /header but no data rows/],
    ['wrong-types.csv', /no usable row: all 3 data rows were rejected/],
  ];

  for (const [file, message] of cases) {
    it(`refuses ${file} with BAD_USER_INPUT and stores nothing`, async () => {
      const before = await counts();
      const res = await upload(server.graphqlUrl, await fixture(file), {}, file);
      const error = res.body.errors?.[0];
      expect(error?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'file' });
      expect(error?.message).toMatch(message);
      expect(res.body.data ?? null).toBeNull();
      expect(await counts()).toEqual(before);
    });
  }

  it('refuses a 10 MB file over the byte limit with PAYLOAD_TOO_LARGE naming the limit', async () => {
    const before = await counts();
    // long rows (~10 KB) so the byte limit, not the row limit, is what the file breaks
    const row = `Kasubi HC III,${'General Care; '.repeat(700)},0.3,32.5,4.0,,,0772000000,GOVT,cash,Rubaga Division\n`;
    const big = Buffer.from(`facility_name,services,latitude,longitude,rating,operating_hours,website,phone_number,care_system,mode of payment,Subcounty\n${row.repeat(Math.ceil((10 * 1024 * 1024) / row.length))}`);
    expect(big.length).toBeGreaterThan(10 * 1024 * 1024);
    const res = await upload(server.graphqlUrl, big);
    const error = res.body.errors?.[0];
    expect(error?.extensions).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', limit: MAX_BYTES });
    expect(error?.message).toContain(String(MAX_BYTES));
    expect(await counts()).toEqual(before);
  });

  it('refuses a file over the row limit with PAYLOAD_TOO_LARGE naming the limit', async () => {
    const before = await counts();
    const res = await upload(server.graphqlUrl, syntheticCsv({ rows: MAX_ROWS + 50, seed: 5 }));
    const error = res.body.errors?.[0];
    expect(error?.extensions).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', limit: MAX_ROWS });
    expect(error?.message).toContain(String(MAX_ROWS));
    expect(await counts()).toEqual(before);
  });

  it('stores the good rows of a mixed file and reports each bad one with its line and reason', async () => {
    const good = syntheticCsv({ rows: 20, seed: 9 }).trimEnd().split('\n');
    const lines = [
      ...good.slice(0, 6),
      'Bad Rating Clinic,General Care,0.3,32.5,not-a-number,,,,GOVT,cash,Rubaga', // line 7
      ...good.slice(6, 10),
      'Too,Few,Fields', // line 12
      ...good.slice(10),
    ];
    const before = await counts();
    const res = await upload(server.graphqlUrl, `${lines.join('\n')}\n`, { autoRetrain: false });
    const result = dataOf(res.body).uploadDataset;
    expect(result.acceptedCount).toBe(20);
    expect(result.rejectedCount).toBe(2);
    expect(result.rejectedRows.map((r: { line: number }) => r.line)).toEqual([7, 12]);
    expect(result.rejectedRows[0].column).toBe('rating');
    expect(result.rejectedRows[1].reason).toMatch(/expected 11 fields, found 3/);
    const after = await counts();
    expect(after.datasets).toBe(before.datasets + 1);
    expect(after.rows).toBe(before.rows + 20);
  });

  it('stores a file too small to train on but queues no retrain, saying why; retrain on it is BAD_USER_INPUT', async () => {
    const before = await counts();
    const res = await upload(server.graphqlUrl, syntheticCsv({ rows: 12, seed: 21 }), { name: 'tiny' });
    const result = dataOf(res.body).uploadDataset;
    expect(result.dataset.rowCount).toBe(12);
    expect(result.trainingJob).toBeNull();
    expect(result.trainingSkippedReason).toMatch(/no retraining queued: the chosen datasets hold \d+ labeled rows .* at least 30/);
    const after = await counts();
    expect(after).toEqual({ datasets: before.datasets + 1, rows: before.rows + 12, jobs: before.jobs });

    const retrain = await gql(server.graphqlUrl, 'mutation($ids: [ID!]) { retrain(input: { datasetIds: $ids }) { id } }', { ids: [result.dataset.id] });
    expect(retrain.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.datasetIds', required: 30 });
    expect((await counts()).jobs).toBe(before.jobs);
  });
});
