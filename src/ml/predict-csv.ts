/** Batch prediction over a CSV stream: the input rows, plus the predicted label and class probabilities. */
import { stringify } from 'csv-stringify/sync';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { FacilityClassifier } from './classifier.js';
import { cleanRawRow } from './clean.js';
import { readRawCsv } from './csv.js';
import { spreadsheetSafe } from './spreadsheet-safe.js';
import type { FacilityRecord } from './types.js';

export interface PredictCsvSummary {
  rows: number;
  scored: number;
  failed: number;
}

const BATCH = 512;

/**
 * Reads facility rows from `input` and writes them to `output` with predicted_label and one
 * probability_<LABEL> column per class. Rows that cannot be scored keep empty prediction columns
 * and say why in the error column; they never stop the run.
 */
export async function predictCsv(classifier: FacilityClassifier, input: AsyncIterable<Buffer | string> | NodeJS.ReadableStream, output: Writable): Promise<PredictCsvSummary> {
  const labels = classifier.labels;
  const extra = ['predicted_label', ...labels.map((l) => `probability_${l}`), 'error'];
  let width = 0;
  const write = async (rows: unknown[][]) => {
    if (rows.length === 0) return;
    const safe = rows.map((row) => row.map((cell) => (typeof cell === 'string' ? spreadsheetSafe(cell) : cell)));
    if (!output.write(stringify(safe))) await once(output, 'drain');
  };
  let headerRow: string[] | null = null;
  const pending: { fields: string[]; record: FacilityRecord | null; error: string }[] = [];
  const summary: PredictCsvSummary = { rows: 0, scored: 0, failed: 0 };

  const flush = async () => {
    const scorable = pending.filter((p) => p.record !== null);
    const probs = classifier.predictProbabilities(scorable.map((p) => p.record as FacilityRecord));
    summary.scored += scorable.length;
    summary.failed += pending.length - scorable.length;
    let j = 0;
    const out = pending.map((p) => {
      const fields = [...p.fields, ...new Array<string>(Math.max(0, width - p.fields.length)).fill('')].slice(0, Math.max(width, p.fields.length));
      if (p.record === null) return [...fields, '', ...labels.map(() => ''), p.error];
      const row = probs.subarray(j * labels.length, (j + 1) * labels.length);
      j++;
      let best = 0;
      row.forEach((v, c) => {
        if (v > (row[best] as number)) best = c;
      });
      return [...fields, labels[best], ...Array.from(row, (v) => v.toFixed(6)), ''];
    });
    pending.length = 0;
    await write(out);
  };

  const rows = readRawCsv(input, [], (original) => {
    headerRow = original;
    width = original.length;
  });
  for await (const row of rows) {
    if (headerRow !== null) {
      await write([[...(headerRow as string[]), ...extra]]);
      headerRow = null;
    }
    summary.rows++;
    if (row.problem) {
      pending.push({ fields: row.fields, record: null, error: `line ${row.line}: ${row.problem.reason}` });
    } else {
      // The rating is not an input of the model: a dirty one must not stop a row from being scored.
      const cleaned = cleanRawRow({ ...row.values, rating: '' }, row.line);
      if ('record' in cleaned) pending.push({ fields: row.fields, record: cleaned.record, error: '' });
      else pending.push({ fields: row.fields, record: null, error: `line ${row.line}${cleaned.rejected.column ? `, ${cleaned.rejected.column}` : ''}: ${cleaned.rejected.reason}` });
    }
    if (pending.length >= BATCH) await flush();
  }
  if (headerRow !== null) await write([[...(headerRow as string[]), ...extra]]);
  await flush();
  return summary;
}
