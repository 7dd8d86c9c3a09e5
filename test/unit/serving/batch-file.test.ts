import { Readable } from 'node:stream';
import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { CsvFormatError, LABELS } from '../../../src/ml/index.js';
import type { LoadedModel } from '../../../src/registry/model-source.js';
import { BatchRowLimitError, EmptyBatchFileError, NOT_SCORED, scoreCsvStream } from '../../../src/serving/batch-file.js';
import { syntheticCsv } from '../../fixtures/synthetic.js';
import { loadTestModel } from './model-fixture.js';

let model: LoadedModel;
beforeAll(async () => {
  model = await loadTestModel(3);
});

async function score(csv: string, opts: { maxRows?: number; chunkRows?: number } = {}) {
  let out = '';
  const result = await scoreCsvStream(Readable.from([csv]), model, {
    maxRows: opts.maxRows ?? 10_000, chunkRows: opts.chunkRows ?? 7, write: async (t) => { out += t; },
  });
  return { result, out };
}

describe('scoreCsvStream', () => {
  it('scores in chunks, keeps the file order, and writes input columns + prediction columns', async () => {
    const csv = syntheticCsv({ rows: 50, seed: 4 });
    const { result, out } = await score(csv, { chunkRows: 7 });
    expect(result).toMatchObject({ rows: 50, scored: 50, errors: 0, modelVersion: 3 });
    expect(result.classCounts.reduce((a, b) => a + b, 0)).toBe(50);
    const rows = parse(out, { columns: true }) as Record<string, string>[];
    const inputRows = parse(csv, { columns: true, bom: true }) as Record<string, string>[];
    expect(rows).toHaveLength(50);
    rows.forEach((row, i) => {
      expect(row.facility_name).toBe(inputRows[i]?.facility_name);
      const label = LABELS[result.labels[i] as number];
      expect(row.predicted_label).toBe(label);
      LABELS.forEach((l, j) => expect(Number(row[`probability_${l}`])).toBeCloseTo(result.probabilities[i * 3 + j] as number, 6));
    });
  });

  it('gives unreadable rows an error (with the line) and still scores the rest', async () => {
    const csv = 'facility_name,services,latitude,longitude,care_system,Subcounty\n'
      + 'A HC II,General Care,0.3,32.5,GOVT,Kawempe\n'
      + 'B Clinic,General Care,north,32.5,GOVT,Kawempe\n'
      + 'C Hospital,Maternity,0.3,32.5,MARS,Kawempe\n'
      + 'D,too,many,fields,here,x,y\n'
      + 'E Clinic,,,,,\n';
    const { result, out } = await score(csv);
    expect(result).toMatchObject({ rows: 5, scored: 2, errors: 3 });
    expect(Array.from(result.labels).map((l) => l === NOT_SCORED)).toEqual([false, true, true, true, false]);
    expect(result.rowErrors.get(1)).toMatch(/^line 3, latitude: /);
    expect(result.rowErrors.get(2)).toMatch(/^line 4, care_system: /);
    expect(result.rowErrors.get(3)).toMatch(/^line 5: expected 6 fields/);
    const rows = parse(out, { columns: true, relax_column_count: true }) as Record<string, string>[];
    expect(rows[1]?.error).toMatch(/latitude/);
    expect(rows[1]?.predicted_label).toBe('');
  });

  it('refuses files that are not the dataset, empty ones, and too many rows', async () => {
    await expect(score('a,b\n1,2\n')).rejects.toBeInstanceOf(CsvFormatError);
    await expect(score('facility_name,services\n')).rejects.toBeInstanceOf(EmptyBatchFileError);
    await expect(score(syntheticCsv({ rows: 30, seed: 1 }), { maxRows: 20 })).rejects.toBeInstanceOf(BatchRowLimitError);
  });
});
