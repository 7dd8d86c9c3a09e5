/**
 * Drift on upload against the bundled model's training profile, over the wire: the shared data
 * reports no drift; the same data with shifted coordinates and care systems reports those first.
 */
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { SHARED_DATASET } from '../../src/paths.js';
import { gqlUpload } from '../helpers/graphql-client.js';
import { dataOf } from './pipeline/pipeline-helpers.js';

const dataset = SHARED_DATASET;
const missing = !existsSync(dataset);
const DRIFT = `mutation($file: Upload!) { uploadDataset(file: $file, autoRetrain: false) {
  drift { verdict modelVersion rows features { feature psi drifted bins { bin reference current } } }
  dataset { id drift { verdict } } } }`;

/** Shifts every coordinate by +0.8° / −0.8° and turns GOVT facilities into PFP, in the raw CSV. */
function shifted(csv: string): string {
  const [header, ...lines] = csv.split('\n');
  const cols = (header ?? '').split(',');
  const lat = cols.findIndex((c) => c.trim().toLowerCase() === 'latitude');
  const lon = cols.findIndex((c) => c.trim().toLowerCase() === 'longitude');
  return [header, ...lines.map((line) => {
    // Only simple lines (no quoted commas before the coordinates) are shifted; that is most of them.
    const cells = line.split(',');
    const shift = (i: number, by: number) => {
      const v = Number(cells[i]);
      if (cells[i]?.trim() && Number.isFinite(v)) cells[i] = String(v + by);
    };
    if (!line.startsWith('"')) {
      shift(lat, 0.8);
      shift(lon, -0.8);
    }
    return cells.join(',').replace(/,GOVT,|,Govt,/g, ',PFP,');
  })].join('\n');
}

describe.skipIf(missing)('drift on upload (shared dataset; skipped only when it is absent)', () => {
  let server: TestServer;
  let csv: string;
  beforeAll(async () => {
    csv = readFileSync(dataset, 'utf8');
    server = await startTestServer({});
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('the data the bundled model was trained from shows no drift', async () => {
    const result = dataOf((await gqlUpload(server.graphqlUrl, DRIFT, {}, { name: 'same.csv', content: csv })).body).uploadDataset;
    expect(result.drift.modelVersion).toBe(1);
    expect(result.drift.verdict).toBe('STABLE');
    expect(result.dataset.drift.verdict).toBe('STABLE');
  });

  it('shifted coordinates and care systems are reported first, as drifted', async () => {
    const result = dataOf((await gqlUpload(server.graphqlUrl, DRIFT, {}, { name: 'shifted.csv', content: shifted(csv) })).body).uploadDataset;
    expect(result.drift.verdict).toBe('DRIFT');
    const features = result.drift.features as Array<{ feature: string; drifted: boolean }>;
    expect(features.slice(0, 3).map((f) => f.feature).sort()).toEqual(['careSystem', 'latitude', 'longitude']);
    expect(features.slice(0, 3).every((f) => f.drifted)).toBe(true);
  });
});
