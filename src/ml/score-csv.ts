/**
 * The one CSV scorer, for `npm run predict` (scripts/predict.ts) and `predictBatchFile`
 * (src/serving/batch-file.ts): a CSV of the dataset's schema in, the scored CSV out — the input
 * columns as they were, then predicted_label, one probability per class, and error (empty when
 * the row was scored).
 *
 * It streams: records arrive in batches (src/ml/csv.ts), each row is cleaned like training data
 * (`cleanColumns`, the rating ignored: it is not an input of the model), encoded straight into
 * the chunk's feature matrix, and every `chunkRows` rows one forward pass scores the chunk and its
 * CSV text is written, handed over every `writeBytes` (awaited: backpressure). A row whose encoder
 * inputs were met earlier in the file is neither encoded nor scored again (KnownRows). No per-row
 * object beyond the record and the field strings; per-row results are kept compactly (a label byte
 * and the probabilities) when asked.
 */
import type { FacilityClassifier } from './classifier.js';
import { cleanColumns, COLUMNS } from './clean.js';
import { columnTexts, CsvLimitError, describeRejection, emptyFileError, fieldCountProblem, forEachCsvBatch, readHeader, type CsvHeader, type CsvInput } from './csv.js';
import { csvLine, CsvBytes } from './csv-writer.js';
import { encodingHash, sameEncoding } from './features.js';
import { detachedText } from './text.js';
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
 * This file's predictions by the encoder's inputs: a row whose inputs (`sameEncoding`) were met
 * earlier in the file gets that row's probabilities back, without encoding it or a forward pass.
 * Exact: equal inputs give equal features and the forward pass scores every row on its own, so
 * the probabilities are bit for bit those of the pass. Per file (nothing is kept between requests)
 * and bounded: the first `limit` distinct rows are kept (their records, whose texts may hold on to
 * the file's text until it is scored). It pays only for repeated rows: the 5,769 real rows have
 * 5,769 distinct inputs (and 5,607 distinct feature rows).
 */
class KnownRows {
  /** hash → newest entry with that hash; `next` chains the older ones (-1: none) */
  private readonly newest = new Map<number, number>();
  private readonly records: FacilityRecord[] = [];
  private next = new Int32Array(1024);
  probabilities: Float32Array;

  constructor(
    private readonly k: number,
    private readonly limit = 20_000,
  ) {
    this.probabilities = new Float32Array(1024 * k);
  }

  /** The entry of a record like `r` (its probabilities at entry × k), or -1. */
  find(r: FacilityRecord, hash: number): number {
    for (let e = this.newest.get(hash) ?? -1; e >= 0; e = this.next[e] as number) if (sameEncoding(this.records[e] as FacilityRecord, r)) return e;
    return -1;
  }

  add(r: FacilityRecord, hash: number, probs: Float32Array, base: number): void {
    const entry = this.records.length;
    if (entry >= this.limit || this.find(r, hash) >= 0) return; // full, or the same inputs twice in one chunk
    if (entry === this.next.length) {
      const next = new Int32Array(2 * entry);
      next.set(this.next);
      this.next = next;
      const probabilities = new Float32Array(2 * entry * this.k);
      probabilities.set(this.probabilities);
      this.probabilities = probabilities;
    }
    this.probabilities.set(probs.subarray(base, base + this.k), entry * this.k);
    this.records.push(detached(r));
    this.next[entry] = this.newest.get(hash) ?? -1;
    this.newest.set(hash, entry);
  }
}

/** `r` with its texts detached from the input (KnownRows keeps records until the file ends). */
function detached(r: FacilityRecord): FacilityRecord {
  const own = (text: string | null) => (text === null ? null : detachedText(text));
  return {
    ...r,
    facilityName: own(r.facilityName), services: own(r.services), operatingHours: own(r.operatingHours),
    website: own(r.website), phoneNumber: own(r.phoneNumber), subcounty: own(r.subcounty),
  };
}

/** Per-row results, grown by doubling. */
class RowStore {
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
  const out = new CsvBytes(writeBytes + 64 * 1024);
  const known = new KnownRows(k);
  // The current chunk, every row in order: its fields; its row in `features` (-1: none), and then
  // its record and encodingHash; its entry in `known` (-1: none); its error when it has neither.
  // Fixed-size arrays, written by row index: nothing per row but the record itself.
  const chunkFields: string[][] = [];
  const chunkAt = new Int32Array(chunkRows);
  const chunkRecords = new Array<FacilityRecord | null>(chunkRows).fill(null);
  const chunkHashes = new Int32Array(chunkRows);
  const chunkKnown = new Int32Array(chunkRows);
  const chunkErrors = new Array<string>(chunkRows).fill('');
  let chunkScored = 0;

  /** Scores the chunk with one forward pass and writes its rows to `out`. */
  const scoreChunk = () => {
    const probs = chunkScored > 0 ? classifier.predictEncoded(features, chunkScored) : null;
    const first = rows - chunkFields.length;
    for (let i = 0; i < chunkFields.length; i++) {
      const row = first + i;
      const fields = chunkFields[i] as string[];
      out.field(fields[0] as string, true);
      for (let f = 1; f < fields.length; f++) out.field(fields[f] as string);
      for (let f = fields.length; f < width; f++) out.raw(',');
      const at = chunkAt[i] as number;
      const entry = chunkKnown[i] as number;
      if (entry < 0 && (at < 0 || probs === null)) {
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
      let p = known.probabilities;
      let base = entry * k;
      if (entry < 0) {
        p = probs as Float32Array;
        base = at * k;
        known.add(chunkRecords[i] as FacilityRecord, chunkHashes[i] as number, p, base);
      }
      let best = 0;
      for (let j = 1; j < k; j++) if ((p[base + j] as number) > (p[base + best] as number)) best = j;
      classCounts[best] = (classCounts[best] as number) + 1;
      out.raw(labelCells[best] as string);
      for (let j = 0; j < k; j++) out.fixed6(p[base + j] as number); // formatProbability's text, without the string
      out.raw(',\n');
      if (store) {
        store.labels[row] = best;
        store.probabilities.set(p.subarray(base, base + k), row * k);
      }
    }
    chunkFields.length = 0;
    chunkRecords.fill(null);
    chunkScored = 0;
  };

  const flushText = async (atLeast: number) => {
    if (out.length > 0 && out.length >= atLeast) await options.write(out.take());
  };

  await forEachCsvBatch(input, async (records, starts) => {
    for (let r = 0; r < records.length; r++) {
      const fields = records[r] as string[];
      if (header === null) {
        header = readHeader(fields, []);
        width = fields.length;
        out.raw(scoredHeader(fields));
        continue;
      }
      if (rows >= maxRows) throw new CsvLimitError(maxRows);
      const line = starts[r] as number;
      rows++;
      store?.ensure(rows);
      let record: FacilityRecord | null = null;
      let error = '';
      if (fields.length !== width) {
        error = describeRejection(fieldCountProblem(line, width, fields.length));
      } else {
        const t = columnTexts(fields, header, texts);
        t[RATING] = undefined; // the rating is not an input of the model: a dirty one must not stop a row from being scored
        const cleaned = cleanColumns(t, line);
        if ('record' in cleaned) record = cleaned.record;
        else error = describeRejection(cleaned.rejected);
      }
      const i = chunkFields.length;
      chunkFields.push(fields);
      chunkAt[i] = -1;
      chunkKnown[i] = -1;
      if (record) {
        const hash = encodingHash(record);
        const entry = known.find(record, hash);
        chunkKnown[i] = entry;
        chunkHashes[i] = hash;
        if (entry < 0) {
          classifier.encodeInto(record, features, chunkScored * classifier.featureCount);
          chunkAt[i] = chunkScored++;
          chunkRecords[i] = record;
        }
        scored++;
      } else {
        chunkErrors[i] = error;
      }
      if (chunkFields.length >= chunkRows) {
        scoreChunk();
        await flushText(writeBytes);
      }
    }
  });
  if (header === null) throw emptyFileError();
  if (chunkFields.length > 0) scoreChunk();
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
