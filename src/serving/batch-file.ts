/**
 * predictBatchFile's scoring: the model's classifier through the one CSV scorer (src/ml/score-csv.ts),
 * the scored CSV written while the upload is still being read, per-row results kept compactly
 * (a label byte and the probabilities per row) for the API's `results`.
 */
import { BadUserInputError, TooManyRowsError } from '../errors.js';
import { CsvLimitError, NOT_SCORED, scoreCsv, type ScoredCsv } from '../ml/index.js';
import type { LoadedModel } from '../registry/model-source.js';

/** More data rows than UPLOAD_MAX_ROWS: PAYLOAD_TOO_LARGE, worded like every upload's row limit. */
export class BatchRowLimitError extends TooManyRowsError {}
export { NOT_SCORED };

export class EmptyBatchFileError extends BadUserInputError {
  constructor() {
    super('the file has a header but no data rows', 'file');
  }
}

export interface ScoredFile extends ScoredCsv {
  modelVersion: number;
}

export interface ScoreFileOptions {
  maxRows: number;
  chunkRows?: number;
  /** receives the scored CSV (UTF-8), chunk by chunk, in row order */
  write: (bytes: Buffer) => Promise<void>;
}

export async function scoreCsvStream(
  input: AsyncIterable<Buffer | string> | NodeJS.ReadableStream,
  model: LoadedModel,
  options: ScoreFileOptions,
): Promise<ScoredFile> {
  let scored: ScoredCsv;
  try {
    scored = await scoreCsv(model.classifier, input, { maxRows: options.maxRows, chunkRows: options.chunkRows, write: options.write, keepResults: true });
  } catch (error) {
    if (error instanceof CsvLimitError) throw new BatchRowLimitError(error.limit);
    throw error;
  }
  if (scored.rows === 0) throw new EmptyBatchFileError();
  return { ...scored, modelVersion: model.version };
}
