import { once } from 'node:events';
import { Readable, Writable } from 'node:stream';
import { cleanColumns, collapseDuplicates, COLUMNS } from './clean.js';
import { CsvSyntaxError, CsvTokenizer } from './csv-tokenizer.js';
import { canonicalHeader } from './text.js';
import type { FacilityRecord, RejectedRow } from './types.js';

export interface CleanedRow {
  /** 1-based physical line of the row's start in the file (the header is line 1). */
  line: number;
  record: FacilityRecord;
}
export interface CsvCleanOptions {
  /** more data rows than this => CsvLimitError */
  maxRows?: number;
  /** false: a file without a rating column is accepted (prediction input) */
  requireRating?: false;
}
export interface CsvCleanResult {
  /** accepted rows, labeled and unlabeled, after duplicate collapsing */
  rows: CleanedRow[];
  rejected: RejectedRow[];
  duplicatesCollapsed: number;
  /** canonical column names found */
  header: string[];
}

/** A problem with the whole file (empty, header only, missing columns, binary, unterminated quote). */
export class CsvFormatError extends Error {
  override name = 'CsvFormatError';
}
export class CsvLimitError extends Error {
  override name = 'CsvLimitError';
  constructor(readonly limit: number) {
    super(`the file has more than ${limit} data rows`);
  }
}

export type CsvInput = AsyncIterable<Buffer | string> | NodeJS.ReadableStream;

/** The header of a dataset-schema CSV. */
export interface CsvHeader {
  /** names as written in the file */
  original: string[];
  /** canonical names (case, spaces, dashes and underscores folded) */
  canonical: string[];
  /** per COLUMNS entry, the field that holds it (-1: the file has no such column; with a repeated name, the last one) */
  columnIndex: Int32Array;
}

/** The file has no header line at all. */
export function emptyFileError(): CsvFormatError {
  return new CsvFormatError('the file is empty: expected a header line and data rows');
}

/** Reads a header record; throws CsvFormatError when a `required` column is missing or no dataset column is named. */
export function readHeader(record: readonly string[], required: readonly string[]): CsvHeader {
  const canonical = record.map(canonicalHeader);
  const missing = required.filter((c) => !canonical.includes(c));
  if (missing.length > 0) {
    throw new CsvFormatError(`the header is missing the required column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (found: ${record.join(', ')})`);
  }
  const columnIndex = new Int32Array(COLUMNS.length).fill(-1);
  canonical.forEach((name, i) => {
    const c = (COLUMNS as readonly string[]).indexOf(name);
    if (c >= 0) columnIndex[c] = i;
  });
  if (!columnIndex.some((i) => i >= 0)) throw new CsvFormatError(`the header names none of the dataset columns (${COLUMNS.join(', ')})`);
  return { original: [...record], canonical, columnIndex };
}

/**
 * A data row's raw text in COLUMNS order, written into `out` (reused row after row): a column the
 * file lacks is undefined, a field missing from a short row is ''.
 */
export function columnTexts(fields: readonly string[], header: CsvHeader, out: (string | undefined)[]): (string | undefined)[] {
  const index = header.columnIndex;
  for (let c = 0; c < index.length; c++) {
    const i = index[c] as number;
    out[c] = i < 0 ? undefined : (fields[i] ?? '');
  }
  return out;
}

/** Why a row with the wrong number of fields cannot be read. */
/** A rejected row in one line of text: the scored CSV's error column, the API's per-row error, the all-rejected message. */
export function describeRejection(problem: RejectedRow): string {
  return `line ${problem.line}${problem.column ? `, ${problem.column}` : ''}: ${problem.reason}`;
}

export function fieldCountProblem(line: number, expected: number, found: number): RejectedRow {
  return { line, column: null, reason: `expected ${expected} fields, found ${found}` };
}

const BINARY_CHECK_BYTES = 4096;

/** A NUL byte: a binary file, not CSV. */
function looksBinary(chunk: Uint8Array): boolean {
  return chunk.includes(0);
}

/** A batch of records as the tokenizer hands them over: read them before the batch's promise settles. */
export type CsvRecords = Readonly<Pick<CsvTokenizer, 'count' | 'bytes' | 'field' | 'fields' | 'fieldCount' | 'line' | 'recordStart' | 'recordEnd'>>;

/**
 * Streams a CSV file's records in batches, one batch per input chunk: RFC 4180 quoting, a UTF-8
 * BOM and CRLF handled (src/ml/csv-tokenizer.ts). `onBatch(records)` gets the complete records
 * read so far (`records.fields(r)`, `records.line(r)`: the physical line it starts on); they are
 * gone once the promise it returns settles, and the next chunk is not read before (backpressure).
 * A file that is binary or not valid CSV fails with CsvFormatError. The input is piped, not
 * iterated: when `onBatch` throws, the input is left paused, so an upload can still be drained.
 */
export async function forEachCsvBatch(input: CsvInput, onBatch: (records: CsvRecords) => void | Promise<void>): Promise<void> {
  const tokenizer = new CsvTokenizer();
  const feed = async (bytes: Uint8Array | null) => {
    try {
      if (bytes) tokenizer.push(bytes);
      else tokenizer.end();
    } catch (error) {
      if (!(error instanceof CsvSyntaxError)) throw error;
      throw new CsvFormatError(error.message, { cause: error });
    }
    if (tokenizer.count === 0) return;
    await onBatch(tokenizer);
    tokenizer.clear();
  };
  // The first 4 KiB of the file are checked, however the input is chunked (an upload's first
  // chunk can be a few bytes).
  let checked = 0;
  const sink = new Writable({
    decodeStrings: false,
    write(chunk: Buffer | string, _encoding, callback) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
      if (checked < BINARY_CHECK_BYTES) {
        if (looksBinary(bytes.subarray(0, BINARY_CHECK_BYTES - checked))) {
          callback(new CsvFormatError('the file is binary, not a CSV text file'));
          return;
        }
        checked += bytes.length;
      }
      feed(bytes).then(() => callback(), callback);
    },
    final(callback) {
      feed(null).then(() => callback(), callback);
    },
  });
  // A stream is piped as it is: every Readable is async-iterable too, and wrapping it in
  // Readable.from would iterate it (a second stream and a promise per chunk, and an input no
  // longer left paused for draining when `onBatch` throws).
  const source = typeof (input as Readable).pipe === 'function' ? (input as Readable) : Readable.from(input as AsyncIterable<Buffer | string>);
  source.on('error', (error) => sink.destroy(error));
  source.pipe(sink);
  await once(sink, 'finish');
}

export interface CsvChunk {
  /** accepted rows of this chunk, in file order (duplicates not yet collapsed: they may span chunks) */
  rows: CleanedRow[];
  rejected: RejectedRow[];
}
export interface CsvChunksSummary {
  dataRows: number;
  accepted: number;
  /** canonical dataset column names found */
  header: string[];
}

/**
 * Streaming CSV reading + cleaning, handed over in chunks of at most `chunkRows` accepted rows, so
 * a caller can store a file of any size with bounded memory: the next input is not read before
 * the promise `onChunk` returns settles (backpressure). Whole-file problems (no data rows, every
 * row rejected) are thrown at the end, after the last chunk: a caller storing chunks must do so
 * in a transaction it can roll back.
 */
export async function forEachFacilityChunk(
  input: CsvInput,
  opts: CsvCleanOptions & { chunkRows?: number },
  onChunk: (chunk: CsvChunk) => void | Promise<void>,
): Promise<CsvChunksSummary> {
  const required = opts.requireRating === false ? ['facility_name'] : ['facility_name', 'rating'];
  const chunkRows = opts.chunkRows ?? 5_000;
  let chunk: CsvChunk = { rows: [], rejected: [] };
  let dataRows = 0;
  let accepted = 0;
  let rejectedCount = 0;
  let firstRejected: RejectedRow | undefined;
  let header: CsvHeader | null = null;
  const texts: (string | undefined)[] = [];
  const reject = (problem: RejectedRow) => {
    rejectedCount++;
    firstRejected ??= problem;
    chunk.rejected.push(problem);
  };
  await forEachCsvBatch(input, async (records) => {
    for (let r = 0; r < records.count; r++) {
      const fields = records.fields(r);
      const line = records.line(r);
      if (header === null) {
        header = readHeader(fields, required);
        continue;
      }
      dataRows++;
      if (opts.maxRows !== undefined && dataRows > opts.maxRows) throw new CsvLimitError(opts.maxRows);
      if (fields.length !== header.original.length) {
        reject(fieldCountProblem(line, header.original.length, fields.length));
        continue;
      }
      const result = cleanColumns(columnTexts(fields, header, texts), line);
      if ('record' in result) {
        accepted++;
        chunk.rows.push({ line, record: result.record });
      } else {
        reject(result.rejected);
      }
      if (chunk.rows.length >= chunkRows) {
        const full = chunk;
        chunk = { rows: [], rejected: [] };
        await onChunk(full);
      }
    }
  });
  const found = header as CsvHeader | null;
  if (found === null) throw emptyFileError();
  if (dataRows === 0) throw new CsvFormatError('the file has a header but no data rows');
  if (accepted === 0) {
    const detail = firstRejected ? ` (first: ${describeRejection(firstRejected)})` : '';
    throw new CsvFormatError(`no usable row: all ${rejectedCount} data rows were rejected${detail}`);
  }
  if (chunk.rows.length > 0 || chunk.rejected.length > 0) await onChunk(chunk);
  return { dataRows, accepted, header: found.canonical.filter((h) => (COLUMNS as readonly string[]).includes(h)) };
}

/** Streaming CSV reading + cleaning of the facility dataset, whole file in memory (CLI, training scripts). */
export async function readFacilityCsv(input: CsvInput, opts: CsvCleanOptions = {}): Promise<CsvCleanResult> {
  const accepted: CleanedRow[] = [];
  const rejected: RejectedRow[] = [];
  const { header } = await forEachFacilityChunk(input, opts, (chunk) => {
    for (const row of chunk.rows) accepted.push(row);
    for (const problem of chunk.rejected) rejected.push(problem);
  });
  const { rows: kept, collapsed } = collapseDuplicates(accepted);
  return { rows: kept, rejected, duplicatesCollapsed: collapsed, header };
}
