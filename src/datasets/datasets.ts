/**
 * Datasets: upload (stream → ml cleaning → rows staged chunk by chunk → one transaction with every
 * accepted row, or nothing) and reads. Statistics are computed at upload time and stored with the dataset.
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type pg from 'pg';
import { BadUserInputError, FileTooLargeError, TooManyRowsError } from '../errors.js';
import type { JobQueue } from '../jobs/queue.js';
import { NotEnoughLabeledRowsError } from '../jobs/queue.js';
import { camelize, type Camelized } from '../db/rows.js';
import { isUuid, transactionOn, type Executor } from '../db/sql.js';
import { recordPages } from './reads.js';
import type { JobRecord } from '../jobs/types.js';
import { CsvFormatError, CsvLimitError, duplicateKey, labelForRating, forEachFacilityChunk, type CleanedRow, type RejectedRow } from '../ml/index.js';
import { DriftComparison, type DriftProfile, type DriftReport } from '../ml/drift.js';
import { DatasetStatsBuilder, type DatasetStats } from './stats.js';

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

export class DatasetService {
  constructor(private readonly deps: { pool: pg.Pool; queue: JobQueue; limits: { maxRows: number }; driftReference?: DriftReference }) {}

  /**
   * Stores an uploaded CSV. Whole-file problems are BAD_USER_INPUT (field "file"), size and row
   * limits PAYLOAD_TOO_LARGE; per-row problems are reported, and the other rows are stored.
   */
  async upload(input: {
    stream: Readable;
    fileName: string | null;
    /** the transport's verdict on the byte limit (graphql/upload.ts): the file was cut at it, or `error` says it was over it */
    tooLarge: (error?: unknown) => FileTooLargeError | null;
    name?: string | null;
    autoRetrain?: boolean | null;
  }): Promise<UploadResult> {
    const { maxRows } = this.deps.limits;
    const started = performance.now();
    const hash = createHash('sha256');
    const stream = input.stream;
    async function* hashed(): AsyncGenerator<Buffer> {
      for await (const chunk of stream as AsyncIterable<Buffer | string>) {
        const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
        hash.update(buf);
        yield buf;
      }
    }

    const fileName = input.fileName ?? null;
    const name = input.name?.trim() || (fileName ? fileName.replace(/\.[^.]+$/, '') : null) || 'dataset';
    const reference = this.deps.driftReference?.() ?? null;

    // Rows are staged chunk by chunk in a temporary table of one pooled session (memory stays
    // bounded by one chunk, whatever the file's size; the session is taken when the first chunk is
    // ready), then one transaction keeps one row per duplicate group, computes the statistics from
    // the stored rows and records the dataset — every accepted row, or nothing.
    let client: pg.PoolClient | undefined;
    let storeMs = 0;
    const timed = async <T>(work: () => Promise<T>): Promise<T> => {
      const t = performance.now();
      try {
        return await work();
      } finally {
        storeMs += performance.now() - t;
      }
    };
    const session = async (): Promise<pg.PoolClient> => {
      if (!client) {
        client = await this.deps.pool.connect();
        await createStage(client);
      }
      return client;
    };
    try {
      const rejectedRows: RejectedRow[] = [];
      let rejectedCount = 0;
      let staged = 0;
      try {
        await forEachFacilityChunk(hashed(), { maxRows, chunkRows: INSERT_BATCH }, async (chunk) => {
          rejectedCount += chunk.rejected.length;
          for (const r of chunk.rejected) if (rejectedRows.length < MAX_REJECTED_LISTED) rejectedRows.push(r);
          staged += chunk.rows.length;
          await timed(async () => stageRows(await session(), chunk.rows));
        });
      } catch (error) {
        const tooLarge = input.tooLarge(error);
        if (tooLarge) throw tooLarge;
        if (error instanceof CsvLimitError) throw new TooManyRowsError(error.limit);
        if (error instanceof CsvFormatError) throw new BadUserInputError(`not a usable facility CSV: ${error.message}`, 'file');
        throw error;
      }
      const tooLarge = input.tooLarge();
      if (tooLarge) throw tooLarge; // a file cut at the limit can parse cleanly: never store part of it
      const checksum = hash.digest('hex');
      const storeStarted = performance.now();

      const { dataset, job, skipped, kept } = await transactionOn(await session(), async (tx) => {
        const ins = await tx.query<{ id: string }>(
          `INSERT INTO dataset (name, file_name, checksum, row_count, labeled_count, rejected_count, stats)
           VALUES ($1, $2, $3, 0, 0, $4, '{}') RETURNING id`,
          [name, fileName, checksum, rejectedCount],
        );
        const datasetId = ins.rows[0]?.id;
        if (!datasetId) throw new Error('dataset insert returned nothing');
        const kept = await keepOnePerDuplicateGroup(tx, datasetId);
        const { stats, drift } = await describeStoredRows(tx, datasetId, reference);
        const updated = await tx.query<DatasetRow>(
          'UPDATE dataset SET row_count = $2, labeled_count = $3, stats = $4, drift = $5 WHERE id = $1 RETURNING *',
          [datasetId, kept, stats.labeledRows, JSON.stringify(stats), drift && JSON.stringify(drift)],
        );
        const row = updated.rows[0];
        if (!row) throw new Error('dataset update returned nothing');
        const dataset = toDataset(row);
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
        return { dataset, job, skipped, kept };
      });
      storeMs += performance.now() - storeStarted;
      const totalMs = performance.now() - started;
      return {
        dataset,
        acceptedCount: kept,
        rejectedCount,
        rejectedRows,
        duplicatesCollapsed: staged - kept,
        trainingJob: job,
        trainingSkippedReason: skipped,
        drift: dataset.drift,
        timings: { parseMs: totalMs - storeMs, storeMs },
      };
    } finally {
      const held = client;
      if (held) {
        await dropStage(held).then(
          () => held.release(),
          (error: unknown) => held.release(error instanceof Error ? error : true), // a broken session is not reused
        );
      }
    }
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

/** Columns of a staged row, in `stageRows` order; the stage also holds each row's duplicate key. */
const ROW_COLUMNS = 'line, facility_name, services, latitude, longitude, rating, operating_hours, website, phone_number, care_system, subcounty, label';

/** A temporary table of this session (dropped at the end of the upload, and by the server with the session). */
async function createStage(db: Executor): Promise<void> {
  await db.query('DROP TABLE IF EXISTS pg_temp.upload_stage');
  await db.query(
    `CREATE TEMP TABLE upload_stage (
       line int NOT NULL, facility_name text, services text, latitude float8, longitude float8, rating float8,
       operating_hours text, website text, phone_number text, care_system text, subcounty text, label text, duplicate_key text)`,
  );
}

async function dropStage(db: Executor): Promise<void> {
  await db.query('DROP TABLE IF EXISTS pg_temp.upload_stage');
}

/** One multi-row INSERT per chunk: column arrays unnested server-side (one round trip, parameterised). */
async function stageRows(db: Executor, rows: readonly CleanedRow[]): Promise<void> {
  if (rows.length === 0) return;
  const cols: unknown[][] = Array.from({ length: 13 }, () => []);
  for (const { line, record: r } of rows) {
    const values = [
      line, r.facilityName, r.services, r.latitude, r.longitude, r.rating, r.operatingHours, r.website, r.phoneNumber,
      r.careSystem, r.subcounty, r.rating === null ? null : labelForRating(r.rating), duplicateKey(r),
    ];
    values.forEach((v, i) => cols[i]?.push(v));
  }
  await db.query(
    `INSERT INTO upload_stage (${ROW_COLUMNS}, duplicate_key)
     SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::float8[], $5::float8[], $6::float8[], $7::text[], $8::text[],
                          $9::text[], $10::text[], $11::text[], $12::text[], $13::text[])`,
    cols,
  );
}

/**
 * Moves the staged rows into the dataset, one per duplicate group (same name and coordinates,
 * src/ml duplicateKey): the first labeled row of a group, else its first row — what the ML
 * cleaner's collapseDuplicates keeps. Rows without a key are all kept. Returns the rows kept.
 */
async function keepOnePerDuplicateGroup(tx: Executor, datasetId: string): Promise<number> {
  const res = await tx.query(
    `INSERT INTO dataset_row (dataset_id, ${ROW_COLUMNS})
     SELECT $1, ${ROW_COLUMNS} FROM (
       SELECT DISTINCT ON (coalesce(duplicate_key, '#' || line)) * FROM upload_stage
        ORDER BY coalesce(duplicate_key, '#' || line), rating IS NULL, line
     ) kept ORDER BY line`,
    [datasetId],
  );
  return res.rowCount ?? 0;
}

/** Statistics and drift of a dataset's stored rows, read back page by page (bounded memory). */
async function describeStoredRows(tx: Executor, datasetId: string, reference: ReturnType<DriftReference>): Promise<{ stats: DatasetStats; drift: DatasetDrift | null }> {
  const located = await tx.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM dataset_row WHERE dataset_id = $1 AND latitude IS NOT NULL AND longitude IS NOT NULL',
    [datasetId],
  );
  const stats = new DatasetStatsBuilder(located.rows[0]?.n ?? 0);
  const drift = reference ? new DriftComparison(reference.profile) : null;
  for await (const page of recordPages(tx, datasetId)) {
    for (const record of page) {
      stats.add(record);
      drift?.add(record);
    }
  }
  return { stats: stats.result(), drift: reference && drift ? { modelVersion: reference.version, ...drift.report() } : null };
}
