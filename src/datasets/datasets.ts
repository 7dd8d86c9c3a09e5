/**
 * Datasets: upload (stream → ml cleaning → one transaction with every accepted row, or nothing)
 * and reads. Statistics are computed at upload time and stored with the dataset.
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type pg from 'pg';
import { BadUserInputError, FileTooLargeError, TooManyRowsError } from '../errors.js';
import type { JobQueue } from '../jobs/queue.js';
import { NotEnoughLabeledRowsError } from '../jobs/queue.js';
import { camelize, type Camelized } from '../db/rows.js';
import { isUuid, transaction, type Executor } from '../db/sql.js';
import type { JobRecord } from '../jobs/types.js';
import { CsvFormatError, CsvLimitError, labelForRating, readFacilityCsv, type CleanedRow, type RejectedRow } from '../ml/index.js';
import { compareWithProfile, type DriftProfile, type DriftReport } from '../ml/drift.js';
import { computeDatasetStats, type DatasetStats } from './stats.js';

/** One row of `dataset` as Postgres returns it: an uploaded (or bundled) CSV file; its rows are in `dataset_row` (reads.ts). */
export interface DatasetRow {
  id: string;
  name: string;
  file_name: string | null;
  /** sha256 of the uploaded bytes */
  checksum: string;
  row_count: number;
  labeled_count: number;
  rejected_count: number;
  /** computed once at upload */
  stats: DatasetStats;
  /** pinned by an admin as evaluation-only: the gate scores on its rows, training never uses them */
  evaluation_only: boolean;
  created_at: Date;
  /** how the upload differs from the training data of the model active when it arrived; null when that model has no profile */
  drift: DatasetDrift | null;
}

export type DatasetRecord = Camelized<DatasetRow>;
const toDataset: (row: DatasetRow) => DatasetRecord = camelize;

export interface DatasetDrift extends DriftReport {
  modelVersion: number;
}

/** The active model's training profile, what uploads are compared with. */
export type DriftReference = () => { version: number; profile: DriftProfile } | null;

export interface UploadResult {
  dataset: DatasetRecord;
  acceptedCount: number;
  rejectedCount: number;
  /** the first MAX_REJECTED_LISTED rejected rows (rejectedCount has them all) */
  rejectedRows: RejectedRow[];
  duplicatesCollapsed: number;
  trainingJob: JobRecord | null;
  /** why autoRetrain queued no job (too few labeled rows in all stored data), else null */
  trainingSkippedReason: string | null;
  drift: DatasetDrift | null;
  /** milliseconds spent parsing and cleaning, and storing */
  timings: { parseMs: number; storeMs: number };
}

export const MAX_REJECTED_LISTED = 1000;
const INSERT_BATCH = 5000;

class TooLarge extends Error {}

function isCsvParseError(error: unknown): error is Error {
  return error instanceof Error && (error.name === 'CsvError' || error.constructor.name === 'CsvError');
}

export class DatasetService {
  constructor(private readonly deps: { pool: pg.Pool; queue: JobQueue; limits: { maxBytes: number; maxRows: number }; driftReference?: DriftReference }) {}

  /**
   * Stores an uploaded CSV. Whole-file problems are BAD_USER_INPUT (field "file"), size and row
   * limits PAYLOAD_TOO_LARGE; per-row problems are reported, and the other rows are stored.
   */
  async upload(input: { stream: Readable; fileName: string | null; name?: string | null; autoRetrain?: boolean | null }): Promise<UploadResult> {
    const { maxBytes, maxRows } = this.deps.limits;
    const started = performance.now();
    const hash = createHash('sha256');
    let bytes = 0;
    let truncated = false;
    const stream = input.stream;
    // graphql-upload-minimal (busboy) truncates a file over maxFileSize and signals it with 'limit'.
    stream.on('limit', () => {
      truncated = true;
    });
    async function* counted(): AsyncGenerator<Buffer> {
      for await (const chunk of stream as AsyncIterable<Buffer | string>) {
        const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
        bytes += buf.length;
        if (bytes > maxBytes) throw new TooLarge();
        hash.update(buf);
        yield buf;
      }
      if ((stream as Readable & { truncated?: boolean }).truncated) truncated = true;
    }
    const tooLarge = () => new FileTooLargeError(maxBytes);

    let parsed;
    try {
      parsed = await readFacilityCsv(counted(), { maxRows });
    } catch (error) {
      if (truncated || error instanceof TooLarge) throw tooLarge();
      if (error instanceof CsvLimitError) throw new TooManyRowsError(error.limit);
      if (error instanceof CsvFormatError) throw new BadUserInputError(`not a usable facility CSV: ${error.message}`, 'file');
      // csv-parse errors the ML reader does not translate (e.g. INVALID_OPENING_QUOTE) are still the file's fault.
      if (isCsvParseError(error)) throw new BadUserInputError(`not a usable facility CSV: the file is not valid CSV: ${error.message}`, 'file');
      throw error;
    }
    if (truncated) throw tooLarge();
    const parseMs = performance.now() - started;

    const records = parsed.rows.map((r) => r.record);
    const stats = computeDatasetStats(records);
    const reference = this.deps.driftReference?.() ?? null;
    const drift: DatasetDrift | null = reference ? { modelVersion: reference.version, ...compareWithProfile(reference.profile, records) } : null;
    const fileName = input.fileName ?? null;
    const name = input.name?.trim() || (fileName ? fileName.replace(/\.[^.]+$/, '') : null) || 'dataset';
    const checksum = hash.digest('hex');

    const storeStarted = performance.now();
    const { dataset, job, skipped } = await transaction(this.deps.pool, async (tx) => {
      const ins = await tx.query<DatasetRow>(
        `INSERT INTO dataset (name, file_name, checksum, row_count, labeled_count, rejected_count, stats, drift)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *`,
        [name, fileName, checksum, parsed.rows.length, stats.labeledRows, parsed.rejected.length, JSON.stringify(stats), drift && JSON.stringify(drift)],
      );
      const row = ins.rows[0];
      if (!row) throw new Error('dataset insert returned nothing');
      const dataset = toDataset(row);
      for (let i = 0; i < parsed.rows.length; i += INSERT_BATCH) await insertRows(tx, dataset.id, parsed.rows.slice(i, i + INSERT_BATCH));
      let job: JobRecord | null = null;
      let skipped: string | null = null;
      if (input.autoRetrain !== false) {
        try {
          job = (await this.deps.queue.enqueue({}, tx)).job;
        } catch (error) {
          // The rows are still worth keeping (e.g. unlabeled rows to predict for): store, don't train.
          if (!(error instanceof NotEnoughLabeledRowsError)) throw error;
          skipped = `no retraining queued: ${error.message}`;
        }
      }
      return { dataset, job, skipped };
    });
    return {
      dataset,
      acceptedCount: parsed.rows.length,
      rejectedCount: parsed.rejected.length,
      rejectedRows: parsed.rejected.slice(0, MAX_REJECTED_LISTED),
      duplicatesCollapsed: parsed.duplicatesCollapsed,
      trainingJob: job,
      trainingSkippedReason: skipped,
      drift: dataset.drift,
      timings: { parseMs, storeMs: performance.now() - storeStarted },
    };
  }

  async list(): Promise<DatasetRecord[]> {
    const res = await this.deps.pool.query<DatasetRow>('SELECT * FROM dataset ORDER BY created_at DESC, id');
    return res.rows.map(toDataset);
  }

  async get(id: string): Promise<DatasetRecord | null> {
    if (!isUuid(id)) return null;
    const res = await this.deps.pool.query<DatasetRow>('SELECT * FROM dataset WHERE id = $1', [id]);
    return res.rows[0] ? toDataset(res.rows[0]) : null;
  }

  /**
   * Pins a dataset as evaluation-only (one way: unpinning would let candidates train on rows the
   * gate already judged others by). Its labeled rows join the gate's evaluation set, ahead of any
   * other stored label for the same facility. Null when the dataset does not exist.
   */
  async pinForEvaluation(id: string): Promise<DatasetRecord | null> {
    if (!isUuid(id)) return null;
    const res = await this.deps.pool.query<DatasetRow>('UPDATE dataset SET evaluation_only = true WHERE id = $1 RETURNING *', [id]);
    return res.rows[0] ? toDataset(res.rows[0]) : null;
  }

  async getMany(ids: readonly string[]): Promise<DatasetRecord[]> {
    const res = await this.deps.pool.query<DatasetRow>('SELECT * FROM dataset WHERE id = ANY($1::uuid[]) ORDER BY created_at, id', [ids.filter(isUuid)]);
    return res.rows.map(toDataset);
  }
}

/** One multi-row INSERT per batch: column arrays unnested server-side (one round trip, parameterised). */
async function insertRows(tx: Executor, datasetId: string, rows: readonly CleanedRow[]): Promise<void> {
  const cols: unknown[][] = Array.from({ length: 12 }, () => []);
  for (const { line, record: r } of rows) {
    const values = [
      line, r.facilityName, r.services, r.latitude, r.longitude, r.rating, r.operatingHours, r.website, r.phoneNumber,
      r.careSystem, r.subcounty, r.rating === null ? null : labelForRating(r.rating),
    ];
    values.forEach((v, i) => cols[i]?.push(v));
  }
  await tx.query(
    `INSERT INTO dataset_row (dataset_id, line, facility_name, services, latitude, longitude, rating, operating_hours, website,
                              phone_number, care_system, subcounty, label)
     SELECT $1, * FROM unnest($2::int[], $3::text[], $4::text[], $5::float8[], $6::float8[], $7::float8[], $8::text[], $9::text[],
                              $10::text[], $11::text[], $12::text[], $13::text[])`,
    [datasetId, ...cols],
  );
}
