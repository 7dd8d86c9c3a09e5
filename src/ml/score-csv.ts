/**
 * The one CSV scorer, for `npm run predict` (scripts/predict.ts) and `predictBatchFile`
 * (src/serving/batch-file.ts): a CSV of the dataset's schema in, the scored CSV out — the input
 * columns as they were, then predicted_label, one probability per class, and error (empty when
 * the row was scored).
 *
 * It streams: records arrive in batches (src/ml/csv.ts), each row is cleaned like training data
 * (`cleanColumns`, the rating ignored: it is not an input of the model), encoded straight into
 * the chunk's feature matrix, and every `chunkRows` rows one forward pass scores the chunk and its
 * CSV text is written, handed over every `writeBytes` (awaited: backpressure). A row whose bytes
 * were met earlier in the file gets that row's scored line copied (KnownRows): its fields are not
 * even decoded. No per-row object beyond the record and the field strings; per-row results are
 * kept compactly (a label byte and the probabilities) when asked.
 */
import type { FacilityClassifier } from './classifier.js';
import { cleanColumns, COLUMNS } from './clean.js';
import { columnTexts, CsvLimitError, describeRejection, emptyFileError, fieldCountProblem, forEachCsvBatch, readHeader, type CsvHeader, type CsvInput } from './csv.js';
import { csvLine, CsvBytes } from './csv-writer.js';
import { grown } from './typed-arrays.js';
import { LABELS, type FacilityRecord } from './types.js';

/** The columns the scorer appends to the input's. */
export const PREDICTION_COLUMNS = ['predicted_label', ...LABELS.map((l) => `probability_${l}`), 'error'] as const;

/** Label byte of a row that could not be scored. */
export const NOT_SCORED = 255;

const RATING = COLUMNS.indexOf('rating');

/** A probability as written to the scored CSV: 6 decimals. */
export function formatProbability(p: number): string {
  return p.toFixed(6);
}

/** The scored CSV's header for an input header (original column names, as in the file). */
export function scoredHeader(inputHeader: readonly string[]): string {
  return csvLine([...inputHeader, ...PREDICTION_COLUMNS]);
}

export interface ScoreCsvOptions {
  /** more data rows than this => CsvLimitError */
  maxRows?: number;
  /** rows per forward pass (default 256 ≈ 1–2 ms of work, short enough not to hold up concurrent single predictions) */
  chunkRows?: number;
  /** receives the scored CSV (UTF-8) in row order, the header first, in pieces; awaited */
  write: (bytes: Buffer) => void | Promise<void>;
  /**
   * the pieces' size: once the text of the chunks scored reaches it, it is handed over (default
   * 512 KiB, the download store's chunk, so that each piece is stored as it is, not copied into a
   * chunk; smaller pieces cost an allocation and a copy each)
   */
  writeBytes?: number;
  /** keep each row's label and probabilities (and errors) in the result, for per-row answers */
  keepResults?: boolean;
}

export interface ScoredCsv {
  rows: number;
  scored: number;
  errors: number;
  /** rows per class, LABELS order */
  classCounts: number[];
  /** with keepResults: per row, an index into LABELS or NOT_SCORED (empty otherwise) */
  labels: Uint8Array;
  /** with keepResults: per row, LABELS.length probabilities, zeros for rows not scored (empty otherwise) */
  probabilities: Float32Array;
  /** with keepResults: row index (0-based) → why it was not scored */
  rowErrors: Map<number, string>;
}

/**
 * The rows met earlier in this file, by their bytes: a record whose bytes are exactly those of an
 * earlier scored row gets that row's scored line back (its input columns as written, its label and
 * probabilities), copied, without its fields being decoded, cleaned, encoded or scored again.
 * Exact: the same bytes are the same fields, the same cleaned record and the same features, and
 * the forward pass scores every row on its own, so the line is the one the row would get. Only
 * rows that were scored are kept (a rejected row's error names its line). Per file (nothing is
 * kept between requests) and bounded: the first `limit` distinct rows, `maxBytes` of records and
 * lines, and at most `MAX_CHAIN` records compared for one row. It pays only for repeated rows: the
 * 5,864 rows of the real file hold 5,820 distinct ones.
 */
class KnownRows {
  /** sampledHash → the newest entry with that hash; `next` chains the older ones (-1: none) */
  private readonly newest = new Map<number, number>();
  private next = new Int32Array(1024);
  /** each entry's record bytes and scored line, copies of their own (copied out of as they are: no view made per row) */
  private readonly records: Buffer[] = [];
  readonly lines: Buffer[] = [];
  private bytes = 0;
  labels = new Uint8Array(1024);
  probabilities: Float32Array;

  constructor(
    private readonly k: number,
    private readonly limit = 20_000,
    private readonly maxBytes = 32 * 1024 * 1024,
  ) {
    this.probabilities = new Float32Array(1024 * k);
  }

  /**
   * A hash of the record bytes b[start, end): their length and at most 64 of them, evenly spread
   * (hashing every byte cost as much as the rest of a known row); rows it confuses are told apart
   * by comparing their bytes.
   */
  static hash(b: Uint8Array, start: number, end: number): number {
    const n = end - start;
    const step = 1 + (n >> 6);
    let h = n;
    for (let i = start; i < end; i += step) h = Math.imul(h ^ (b[i] as number), 0x9e3779b1);
    return h ^ (h >>> 15);
  }

  /** The entry whose record is b[start, end), or -1. */
  find(b: Buffer, start: number, end: number, hash: number): number {
    let e = this.newest.get(hash) ?? -1;
    for (let tries = 0; e >= 0 && tries < MAX_CHAIN; tries++, e = this.next[e] as number) {
      const record = this.records[e] as Buffer;
      if (record.length === end - start && b.compare(record, 0, record.length, start, end) === 0) return e;
    }
    return -1;
  }

  add(b: Buffer, start: number, end: number, hash: number, line: Uint8Array, label: number, probs: Float32Array, base: number): void {
    const entry = this.records.length;
    const k = this.k;
    const bytes = end - start + line.length;
    if (entry >= this.limit || this.bytes + bytes > this.maxBytes || this.find(b, start, end, hash) >= 0) return; // full, or the same row twice in one chunk
    this.next = grown(this.next, entry + 1);
    this.labels = grown(this.labels, entry + 1);
    this.probabilities = grown(this.probabilities, (entry + 1) * k);
    this.records.push(Buffer.from(b.subarray(start, end)));
    this.lines.push(Buffer.from(line));
    this.bytes += bytes;
    this.labels[entry] = label;
    for (let j = 0; j < k; j++) this.probabilities[entry * k + j] = probs[base + j] as number;
    this.next[entry] = this.newest.get(hash) ?? -1;
    this.newest.set(hash, entry);
  }
}

/** KnownRows compares a row with at most this many earlier rows of the same hash (rows made to collide cost no more). */
const MAX_CHAIN = 8;

/** Per-row results, grown by doubling. */
class RowStore {
  labels = new Uint8Array(1024);
  probabilities = new Float32Array(1024 * LABELS.length);
  ensure(rows: number): void {
    this.labels = grown(this.labels, rows);
    this.probabilities = grown(this.probabilities, rows * LABELS.length);
  }
}

/**
 * Scores a CSV stream with `classifier`. No column is required, but the header must name dataset
 * columns (CsvFormatError otherwise, and for a file without even a header). Rows that cannot be read or cleaned keep empty prediction
 * columns and say why in the error column; they never stop the run. Short rows are padded to the
 * header's width; long ones are kept whole.
 */
export async function scoreCsv(classifier: FacilityClassifier, input: CsvInput, options: ScoreCsvOptions): Promise<ScoredCsv> {
  const k = LABELS.length;
  const chunkRows = options.chunkRows ?? 256;
  const maxRows = options.maxRows ?? Infinity;
  const writeBytes = options.writeBytes ?? 512 * 1024;
  const keep = options.keepResults === true;
  const features = new Float32Array(chunkRows * classifier.featureCount);
  const store = keep ? new RowStore() : null;
  const rowErrors = new Map<number, string>();
  const classCounts = new Array<number>(k).fill(0);
  const emptyPrediction = ','.repeat(k + 2); // predicted_label and the probabilities empty, then the error's comma
  const labelCells = LABELS.map((label) => `,${label}`);
  const texts: (string | undefined)[] = [];

  let header: CsvHeader | null = null;
  let width = 0;
  let rows = 0;
  let scored = 0;
  const out = new CsvBytes(2 * writeBytes); // room for a chunk's rows beyond writeBytes before it is handed over, without growing
  const known = new KnownRows(k);
  // The current chunk, every row in order: its fields (null: a known row, not read); its row in
  // `features` (-1: none), and then its record's bytes and their hash, for `known` (null: none);
  // its entry in `known` (-1: none); its error when it has neither. Fixed-size arrays, written by row index:
  // nothing per row but the fields.
  const chunkFields = new Array<string[] | null>(chunkRows).fill(null);
  let chunkSize = 0;
  const chunkAt = new Int32Array(chunkRows);
  const chunkBytes = new Array<Buffer | null>(chunkRows).fill(null);
  const chunkStarts = new Int32Array(chunkRows);
  const chunkEnds = new Int32Array(chunkRows);
  const chunkHashes = new Int32Array(chunkRows);
  const chunkKnown = new Int32Array(chunkRows);
  const chunkErrors = new Array<string>(chunkRows).fill('');
  let chunkScored = 0;

  /** Scores the chunk with one forward pass and writes its rows to `out`. */
  const scoreChunk = () => {
    const probs = chunkScored > 0 ? classifier.predictEncoded(features, chunkScored) : null;
    const first = rows - chunkSize;
    for (let i = 0; i < chunkSize; i++) {
      const row = first + i;
      const entry = chunkKnown[i] as number;
      if (entry >= 0) {
        const best = known.labels[entry] as number;
        classCounts[best] = (classCounts[best] as number) + 1;
        out.bytes(known.lines[entry] as Buffer);
        if (store) {
          store.labels[row] = best;
          for (let j = 0; j < k; j++) store.probabilities[row * k + j] = known.probabilities[entry * k + j] as number;
        }
        continue;
      }
      const lineStart = out.length;
      const fields = chunkFields[i] as string[];
      out.field(fields[0] as string, true);
      for (let f = 1; f < fields.length; f++) out.field(fields[f] as string);
      for (let f = fields.length; f < width; f++) out.raw(',');
      const at = chunkAt[i] as number;
      if (at < 0 || probs === null) {
        const error = chunkErrors[i] as string;
        out.raw(emptyPrediction);
        out.field(error, true);
        out.raw('\n');
        if (store) {
          store.labels[row] = NOT_SCORED;
          rowErrors.set(row, error);
        }
        continue;
      }
      const base = at * k;
      let best = 0;
      for (let j = 1; j < k; j++) if ((probs[base + j] as number) > (probs[base + best] as number)) best = j;
      classCounts[best] = (classCounts[best] as number) + 1;
      out.raw(labelCells[best] as string);
      for (let j = 0; j < k; j++) out.fixed6(probs[base + j] as number); // formatProbability's text, without the string
      out.raw(',\n');
      const bytes = chunkBytes[i];
      if (bytes) known.add(bytes, chunkStarts[i] as number, chunkEnds[i] as number, chunkHashes[i] as number, out.written(lineStart), best, probs, base);
      if (store) {
        store.labels[row] = best;
        for (let j = 0; j < k; j++) store.probabilities[row * k + j] = probs[base + j] as number;
      }
    }
    chunkFields.fill(null, 0, chunkSize);
    chunkBytes.fill(null, 0, chunkSize);
    chunkSize = 0;
    chunkScored = 0;
  };

  const flushText = async (atLeast: number) => {
    if (out.length > 0 && out.length >= atLeast) await options.write(out.take());
  };

  await forEachCsvBatch(input, async (records) => {
    for (let r = 0; r < records.count; r++) {
      if (header === null) {
        const fields = records.fields(r);
        header = readHeader(fields, []);
        width = fields.length;
        out.raw(scoredHeader(fields));
        continue;
      }
      if (rows >= maxRows) throw new CsvLimitError(maxRows);
      rows++;
      store?.ensure(rows);
      const i = chunkSize++;
      chunkAt[i] = -1;
      chunkKnown[i] = -1;
      const fieldCount = records.fieldCount(r);
      let entry = -1;
      if (fieldCount === width) {
        const bytes = records.bytes(r);
        const start = records.recordStart(r);
        const end = records.recordEnd(r);
        const hash = KnownRows.hash(bytes, start, end);
        entry = known.find(bytes, start, end, hash);
        chunkKnown[i] = entry;
        if (entry >= 0) {
          scored++;
        } else {
          chunkBytes[i] = bytes;
          chunkStarts[i] = start;
          chunkEnds[i] = end;
          chunkHashes[i] = hash;
        }
      }
      if (entry < 0) {
        const fields = records.fields(r);
        chunkFields[i] = fields;
        let record: FacilityRecord | null = null;
        let error = '';
        if (fieldCount !== width) {
          error = describeRejection(fieldCountProblem(records.line(r), width, fieldCount));
        } else {
          const t = columnTexts(fields, header, texts);
          t[RATING] = undefined; // the rating is not an input of the model: a dirty one must not stop a row from being scored
          const cleaned = cleanColumns(t, records.line(r));
          if ('record' in cleaned) record = cleaned.record;
          else error = describeRejection(cleaned.rejected);
        }
        if (record) {
          classifier.encodeInto(record, features, chunkScored * classifier.featureCount);
          chunkAt[i] = chunkScored++;
          scored++;
        } else {
          chunkErrors[i] = error;
        }
      }
      if (chunkSize >= chunkRows) {
        scoreChunk();
        await flushText(writeBytes);
      }
    }
  });
  if (header === null) throw emptyFileError();
  if (chunkSize > 0) scoreChunk();
  await flushText(0);
  return {
    rows,
    scored,
    errors: rows - scored,
    classCounts,
    labels: store ? store.labels.subarray(0, rows) : new Uint8Array(0),
    probabilities: store ? store.probabilities.subarray(0, rows * k) : new Float32Array(0),
    rowErrors,
  };
}
