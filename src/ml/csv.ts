import { parse } from 'csv-parse';
import { Readable } from 'node:stream';
import { cleanRawRow, collapseDuplicates, COLUMNS } from './clean.js';
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

type Input = AsyncIterable<Buffer | string> | NodeJS.ReadableStream;

export interface RawCsvRow {
  line: number;
  /** values keyed by canonical column name (extra columns kept under their canonical name) */
  values: Record<string, string>;
  /** values in file order, for writing the row back unchanged */
  fields: string[];
  /** set when the row cannot be read (wrong number of columns) */
  problem?: RejectedRow;
}

function startLine(endLine: number, raw: string): number {
  const body = raw.replace(/^[\r\n]+/, '').replace(/\r?\n$/, '');
  let newlines = 0;
  for (let i = 0; i < body.length; i++) if (body.charCodeAt(i) === 10) newlines++;
  return endLine - newlines;
}

function looksBinary(chunk: Buffer | string): boolean {
  const text = typeof chunk === 'string' ? chunk.slice(0, 4096) : chunk.subarray(0, 4096).toString('latin1');
  return text.includes('\u0000');
}

/**
 * Streams a CSV file as raw rows: RFC 4180 quoting, a UTF-8 BOM and CRLF handled, header
 * names canonicalised. Rows with the wrong number of fields come back with a `problem`.
 */
export async function* readRawCsv(
  input: Input,
  required: readonly string[] = ['facility_name'],
  onHeader?: (original: string[], canonical: string[]) => void,
): AsyncGenerator<RawCsvRow, string[]> {
  const parser = parse({ bom: true, info: true, raw: true, relax_column_count: true, skip_empty_lines: true });
  const source = Symbol.asyncIterator in input ? Readable.from(input as AsyncIterable<Buffer | string>) : (input as Readable);
  let checked = false;
  source.on('data', (chunk: Buffer | string) => {
    if (!checked) {
      checked = true;
      if (looksBinary(chunk)) parser.destroy(new CsvFormatError('the file is binary, not a CSV text file'));
    }
  });
  source.on('error', (err) => parser.destroy(err));
  source.pipe(parser);

  let header: string[] | null = null;
  try {
    for await (const item of parser as AsyncIterable<{ record: string[]; raw: string; info: { lines: number } }>) {
      const line = startLine(item.info.lines, item.raw);
      if (header === null) {
        header = item.record.map(canonicalHeader);
        const missing = required.filter((c) => !header?.includes(c));
        if (missing.length > 0) {
          throw new CsvFormatError(`the header is missing the required column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (found: ${item.record.join(', ')})`);
        }
        if (!header.some((h) => (COLUMNS as readonly string[]).includes(h))) {
          throw new CsvFormatError(`the header names none of the dataset columns (${COLUMNS.join(', ')})`);
        }
        onHeader?.(item.record, header);
        continue;
      }
      const values: Record<string, string> = {};
      header.forEach((name, i) => {
        values[name] = item.record[i] ?? '';
      });
      const row: RawCsvRow = { line, values, fields: item.record };
      if (item.record.length !== header.length) {
        row.problem = { line, column: null, reason: `expected ${header.length} fields, found ${item.record.length}` };
      }
      yield row;
    }
  } catch (err) {
    if (err instanceof CsvFormatError) throw err;
    const e = err as { code?: string; message?: string; lines?: number };
    if (e.code === 'CSV_QUOTE_NOT_CLOSED') throw new CsvFormatError(`a quoted field is never closed (it starts before line ${e.lines ?? '?'})`, { cause: err });
    // csv-parse's parse errors carry CSV_* codes, except INVALID_OPENING_QUOTE.
    if (typeof e.code === 'string' && (e.code.startsWith('CSV_') || e.code === 'INVALID_OPENING_QUOTE')) throw new CsvFormatError(`the file is not valid CSV: ${e.message ?? e.code}`, { cause: err });
    throw err;
  }
  if (header === null) throw new CsvFormatError('the file is empty: expected a header line and data rows');
  return header;
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
 * Streaming CSV reading + cleaning in chunks of at most `chunkRows` accepted rows, so a caller can
 * store a file of any size with bounded memory. Whole-file problems (no data rows, every row
 * rejected) are thrown at the end, after the last chunk: a caller storing chunks must do so in a
 * transaction it can roll back.
 */
export async function* readFacilityCsvChunks(input: Input, opts: CsvCleanOptions & { chunkRows?: number } = {}): AsyncGenerator<CsvChunk, CsvChunksSummary> {
  const required = opts.requireRating === false ? ['facility_name'] : ['facility_name', 'rating'];
  const chunkRows = opts.chunkRows ?? 5_000;
  let chunk: CsvChunk = { rows: [], rejected: [] };
  let dataRows = 0;
  let accepted = 0;
  let firstRejected: RejectedRow | undefined;
  let rejectedCount = 0;
  const rows = readRawCsv(input, required);
  let next = await rows.next();
  while (next.done !== true) {
    const row = next.value;
    dataRows++;
    if (opts.maxRows !== undefined && dataRows > opts.maxRows) throw new CsvLimitError(opts.maxRows);
    const result = row.problem ? { rejected: row.problem } : cleanRawRow(row.values, row.line);
    if ('record' in result) {
      accepted++;
      chunk.rows.push({ line: row.line, record: result.record });
    } else {
      rejectedCount++;
      firstRejected ??= result.rejected;
      chunk.rejected.push(result.rejected);
    }
    if (chunk.rows.length >= chunkRows) {
      yield chunk;
      chunk = { rows: [], rejected: [] };
    }
    next = await rows.next();
  }
  if (dataRows === 0) throw new CsvFormatError('the file has a header but no data rows');
  if (accepted === 0) {
    const detail = firstRejected ? ` (first: line ${firstRejected.line}${firstRejected.column ? `, ${firstRejected.column}` : ''}: ${firstRejected.reason})` : '';
    throw new CsvFormatError(`no usable row: all ${rejectedCount} data rows were rejected${detail}`);
  }
  if (chunk.rows.length > 0 || chunk.rejected.length > 0) yield chunk;
  return { dataRows, accepted, header: next.value.filter((h) => (COLUMNS as readonly string[]).includes(h)) };
}

/** Streaming CSV reading + cleaning of the facility dataset, whole file in memory (CLI, training scripts). */
export async function readFacilityCsv(input: Input, opts: CsvCleanOptions = {}): Promise<CsvCleanResult> {
  const accepted: CleanedRow[] = [];
  const rejected: RejectedRow[] = [];
  const chunks = readFacilityCsvChunks(input, opts);
  let next = await chunks.next();
  while (next.done !== true) {
    accepted.push(...next.value.rows);
    rejected.push(...next.value.rejected);
    next = await chunks.next();
  }
  const { rows: kept, collapsed } = collapseDuplicates(accepted);
  return { rows: kept, rejected, duplicatesCollapsed: collapsed, header: next.value.header };
}
