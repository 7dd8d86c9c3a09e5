/** The offline CLIs: predict (on a bundle trained here) and data:download (against a local HTTP server). */
import { parse } from 'csv-parse/sync';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveBundleToDir } from '../../../src/ml/bundle.js';
import { readFacilityCsv } from '../../../src/ml/csv.js';
import { resolveHyperparameters } from '../../../src/ml/hyperparameters.js';
import { trainModel } from '../../../src/ml/train.js';
import { DEFAULT_DATASET_URL, main as download } from '../../../scripts/download-data.js';
import { main as predict } from '../../../scripts/predict.js';
import { parseTrainArgs } from '../../../scripts/train.js';
import { HEADER, syntheticCsv } from '../../fixtures/synthetic.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'trellis-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('predict CLI', () => {
  it('writes the input rows with predicted_label, one probability per class, and an error column', async () => {
    const csv = await readFacilityCsv(Readable.from([syntheticCsv({ rows: 300, seed: 5 })]));
    const outcome = await trainModel(csv.rows.map((r) => r.record), { hyperparameters: resolveHyperparameters({ epochs: 3, batchSize: 32 }) });
    const modelDir = path.join(dir, 'model');
    await saveBundleToDir(outcome.bundle, modelDir);
    const input = [
      HEADER.join(','),
      'Good HC II,"OPD, Lab",0.3,32.5,,Monday: Open 24 hours,,0772 000000,GOVT,cash,Kira',
      'Bad Care,,0.3,32.5,,,,,ARMY,cash,Kira',
      'Short,row',
      'Dirty Rating Clinic,,0.3,32.5,excellent,,,,pfp,cash,Kira',
      ',,,,,,,,,,',
    ].join('\n');
    await writeFile(path.join(dir, 'in.csv'), input);
    await predict(['--model', modelDir, '--data', path.join(dir, 'in.csv'), '--out', path.join(dir, 'out.csv')]);
    const rows = parse(await readFile(path.join(dir, 'out.csv')), { columns: true, relax_column_count: true }) as Record<string, string>[];
    expect(rows).toHaveLength(5);
    expect(Object.keys(rows[0] ?? {})).toEqual([...HEADER, 'predicted_label', 'probability_LOW', 'probability_MEDIUM', 'probability_HIGH', 'error']);
    const [good, bad, short, dirtyRating, empty] = rows as Record<string, string>[];
    expect(good?.predicted_label).toMatch(/^(LOW|MEDIUM|HIGH)$/);
    expect(Number(good?.probability_LOW) + Number(good?.probability_MEDIUM) + Number(good?.probability_HIGH)).toBeCloseTo(1, 4);
    expect(good?.error).toBe('');
    expect(good?.facility_name).toBe('Good HC II');
    expect(bad).toMatchObject({ predicted_label: '', probability_HIGH: '' });
    expect(bad?.error).toMatch(/line 3, care_system: expected one of GOVT, PFP, PNFP/);
    expect(short?.error).toMatch(/line 4: expected 11 fields, found 2/);
    expect(dirtyRating?.predicted_label).toMatch(/^(LOW|MEDIUM|HIGH)$/);
    expect(empty?.error).toMatch(/empty row/);
  });
});

describe('data:download CLI', () => {
  let server: Server;
  let base: string;
  const body = syntheticCsv({ rows: 20 });
  const requested: string[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      requested.push(req.url ?? '');
      if (req.url?.endsWith('/missing.csv')) {
        res.writeHead(404).end('not found');
        return;
      }
      res.writeHead(200, { 'content-type': 'text/csv' }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('defaults to the Hugging Face file URL', () => {
    expect(DEFAULT_DATASET_URL).toBe('https://huggingface.co/datasets/Pollicy/Uganda_HealthCare_Facilities/resolve/main/Full%20collected%20hospital%20data%206K%2B%20-%20All%20healthcare%20facilities.csv');
  });

  it('fetches from TRELLIS_DATASET_URL, and --url overrides it', async () => {
    const out = path.join(dir, 'data', 'dl.csv');
    await download(['--out', out], { TRELLIS_DATASET_URL: `${base}/env.csv` });
    expect(await readFile(out, 'utf8')).toBe(body);
    await download(['--out', out, '--url', `${base}/flag.csv`], { TRELLIS_DATASET_URL: `${base}/env.csv` });
    expect(requested).toEqual(['/env.csv', '/flag.csv']);
  });

  it('fails clearly on an HTTP error and leaves no file', async () => {
    const out = path.join(dir, 'missing.csv');
    await expect(download(['--out', out], { TRELLIS_DATASET_URL: `${base}/missing.csv` })).rejects.toThrow(/HTTP 404/);
    expect(existsSync(out)).toBe(false);
  });
});

describe('train CLI arguments', () => {
  it('parses the fixed interface into validated hyperparameters', () => {
    const a = parseTrainArgs(['--data', 'x.csv', '--out', 'm', '--lr', '0.001', '--batch-size', '32', '--epochs', '5', '--patience', '3', '--seed', '9', '--hidden-units', '16,8']);
    expect(a).toMatchObject({ data: 'x.csv', out: 'm', hyperparameters: { learningRate: 0.001, batchSize: 32, epochs: 5, patience: 3, seed: 9, hiddenUnits: [16, 8] } });
    expect(() => parseTrainArgs(['--data', 'x.csv', '--out', 'm', '--lr', 'fast'])).toThrow(/--lr expects a number/);
    expect(() => parseTrainArgs(['--data', 'x.csv'])).toThrow(/usage/);
    expect(() => parseTrainArgs(['--data', 'x.csv', '--out', 'm', '--batch-size', '0'])).toThrow(/^batchSize:/);
  });
});
