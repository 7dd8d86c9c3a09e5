/**
 * Scores a CSV of the dataset's schema as it streams in: rows are cleaned like the training data
 * (src/ml cleanRawRow), scored in chunks of `chunkRows` (one forward pass each, features encoded
 * into one reused matrix), and written as the scored CSV while the upload is still being read.
 * Per-row results are kept compactly (a label byte and the probabilities per row) for the API.
 */
import { BadUserInputError, TooManyRowsError } from '../errors.js';
import { LABELS, cleanRawRow, readRawCsv, type FacilityRecord, type RejectedRow } from '../ml/index.js';
import type { LoadedModel } from '../registry/model-source.js';
import { csvLine, formatProbability, PREDICTION_COLUMNS } from './scored-csv.js';

/** More data rows than UPLOAD_MAX_ROWS: PAYLOAD_TOO_LARGE, worded like every upload's row limit. */
export class BatchRowLimitError extends TooManyRowsError {}

export class EmptyBatchFileError extends BadUserInputError {
  constructor() {
    super('the file has a header but no data rows', 'file');
  }
}

/** label byte of a row that could not be scored */
export const NOT_SCORED = 255;

export interface ScoredFile {
  rows: number;
  scored: number;
  errors: number;
  /** rows per class, LABELS order */
  classCounts: number[];
  modelVersion: number;
  /** per row: index into LABELS, or NOT_SCORED */
  labels: Uint8Array;
  /** per row: LABELS.length probabilities (zeros for rows not scored) */
  probabilities: Float32Array;
  /** row index (0-based) → why it was not scored */
  rowErrors: Map<number, string>;
}

export interface ScoreFileOptions {
  maxRows: number;
  chunkRows?: number;
  /** receives the scored CSV text, chunk by chunk, in row order */
  write: (text: string) => Promise<void>;
}

/** Same wording as `npm run predict` (src/ml/predict-csv.ts). */
function describe(problem: RejectedRow): string {
  return `line ${problem.line}${problem.column ? `, ${problem.column}` : ''}: ${problem.reason}`;
}

class Growable {
  labels = new Uint8Array(1024);
  probabilities = new Float32Array(1024 * LABELS.length);
  ensure(rows: number): void {
    if (rows <= this.labels.length) return;
    let size = this.labels.length;
    while (size < rows) size *= 2;
    const labels = new Uint8Array(size);
    labels.set(this.labels);
    const probabilities = new Float32Array(size * LABELS.length);
    probabilities.set(this.probabilities);
    this.labels = labels;
    this.probabilities = probabilities;
  }
}

export async function scoreCsvStream(
  input: AsyncIterable<Buffer | string> | NodeJS.ReadableStream,
  model: LoadedModel,
  options: ScoreFileOptions,
): Promise<ScoredFile> {
  const { classifier } = model;
  const k = LABELS.length;
  // 256 rows ≈ 7 ms of work: small enough that concurrent predict calls are not held up for long.
  const chunkRows = options.chunkRows ?? 256;
  const features = new Float32Array(chunkRows * classifier.featureCount);
  const store = new Growable();
  const rowErrors = new Map<number, string>();
  const classCounts = new Array<number>(k).fill(0);

  // The current chunk: every row (scored or not) in order, so the output keeps the file's order.
  const chunkFields: string[][] = [];
  const chunkScoredAt: number[] = []; // position in `features` of each chunk row, -1 = error
  let chunkScored = 0;
  let rows = 0;
  let scored = 0;
  // Original header names, as in the file (the scored CSV repeats them).
  const head: { names: string[] | null; written: boolean } = { names: null, written: false };

  const flush = async () => {
    if (chunkFields.length === 0) return;
    let text = head.names !== null && !head.written ? scoredHeader(head.names) : '';
    head.written = true;
    const probs = chunkScored > 0 ? classifier.predictEncoded(features, chunkScored) : new Float32Array(0);
    const first = rows - chunkFields.length;
    for (let i = 0; i < chunkFields.length; i++) {
      const row = first + i;
      const at = chunkScoredAt[i] as number;
      const fields = chunkFields[i] as string[];
      if (at < 0) {
        store.labels[row] = NOT_SCORED;
        text += csvLine([...fields, '', ...LABELS.map(() => ''), rowErrors.get(row) ?? '']);
        continue;
      }
      let best = 0;
      for (let j = 1; j < k; j++) if ((probs[at * k + j] as number) > (probs[at * k + best] as number)) best = j;
      store.labels[row] = best;
      classCounts[best] = (classCounts[best] as number) + 1;
      const out = [...fields, LABELS[best] as string];
      for (let j = 0; j < k; j++) {
        const p = probs[at * k + j] as number;
        store.probabilities[row * k + j] = p;
        out.push(formatProbability(p));
      }
      out.push('');
      text += csvLine(out);
    }
    chunkFields.length = 0;
    chunkScoredAt.length = 0;
    chunkScored = 0;
    await options.write(text);
  };

  // Like `npm run predict`: no column is required, but the header must name dataset columns.
  const raw = readRawCsv(input, [], (original) => {
    head.names = original;
  });
  let next = await raw.next();
  while (next.done !== true) {
    const row = next.value;
    const width = head.names?.length ?? 0;
    if (rows >= options.maxRows) throw new BatchRowLimitError(options.maxRows);
    const index = rows++;
    store.ensure(rows);
    let record: FacilityRecord | null = null;
    if (row.problem) {
      rowErrors.set(index, describe(row.problem));
    } else {
      // The rating is not an input of the model: a dirty one must not stop a row from being scored.
      const cleaned = cleanRawRow({ ...row.values, rating: '' }, row.line);
      if ('record' in cleaned) record = cleaned.record;
      else rowErrors.set(index, describe(cleaned.rejected));
    }
    // Short rows are padded to the header's width (as `npm run predict` does); long ones kept whole.
    chunkFields.push(row.fields.length >= width ? row.fields : [...row.fields, ...new Array<string>(width - row.fields.length).fill('')]);
    if (record) {
      classifier.encodeInto(record, features, chunkScored * classifier.featureCount);
      chunkScoredAt.push(chunkScored++);
      scored++;
    } else {
      chunkScoredAt.push(-1);
    }
    if (chunkFields.length >= chunkRows) await flush();
    next = await raw.next();
  }
  await flush();
  if (rows === 0) throw new EmptyBatchFileError();
  return {
    rows,
    scored,
    errors: rows - scored,
    classCounts,
    modelVersion: model.version,
    labels: store.labels.subarray(0, rows),
    probabilities: store.probabilities.subarray(0, rows * k),
    rowErrors,
  };
}

/** The scored CSV's header for an input header (original column names, as in the file). */
export function scoredHeader(inputHeader: readonly string[]): string {
  return csvLine([...inputHeader, ...PREDICTION_COLUMNS]);
}
