/**
 * The job queue as the API sees it: enqueue (validated, deduplicated), cancel, read and page, and
 * the live streams of subscriptions (a job's epochs, job changes). Workers use the statements
 * under sql/ directly (see trainer.ts).
 */
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { allDatasetIds, existingDatasetIds, labeledRowCount } from '../datasets/reads.js';
import type { NotifyBus } from '../db/notify-bus.js';
import { isUuid, type Executor } from '../db/sql.js';
import { BadUserInputError, ConflictError, NotFoundError } from '../errors.js';
import { HyperparameterError, MIN_LABELED_ROWS, resolveHyperparameters, type Hyperparameters } from '../ml/index.js';
import { epochStream, jobUpdates } from './live.js';
import { cancelJob } from './sql/cancel.js';
import { enqueueJob } from './sql/enqueue.js';
import { toEpoch, toJob, type JobRecord, type JobStatus, type StoredEpoch, type TrainingEpochRow, type TrainingJobRow } from './types.js';

export interface RetrainRequest {
  datasetIds?: string[] | null;
  hyperparameters?: Partial<Hyperparameters>;
  /** claimed highest first (default 0) */
  priority?: number | null;
}

export const PRIORITY_LIMITS = { min: -1000, max: 1000 } as const;

export interface JobPage {
  /** each job with its cursor (microsecond precision, so pages never skip rows created in the same millisecond) */
  edges: Array<{ cursor: string; job: JobRecord }>;
  hasNextPage: boolean;
  endCursor: string | null;
  totalCount: number;
}

/** Opaque cursor: base64url of "<created_at ISO with µs>|<id>" (the list's sort key). */
export function encodeCursor(createdAtMicros: string, id: string): string {
  return Buffer.from(`${createdAtMicros}|${id}`).toString('base64url');
}
const CURSOR = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z)\|([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;
/**
 * The cursor's parts, exactly as encodeCursor wrote them; anything else is BAD_USER_INPUT before
 * SQL sees it (Date.parse alone let "1|<uuid>" through to a failing ::timestamptz cast).
 */
export function decodeCursor(cursor: string): { createdAt: string; id: string } {
  const match = CURSOR.exec(Buffer.from(cursor, 'base64url').toString());
  const createdAt = match?.[1];
  const id = match?.[2];
  if (!createdAt || !id || Number.isNaN(Date.parse(createdAt))) throw new BadUserInputError('after: not a cursor returned by trainingJobs', 'after');
  return { createdAt, id };
}

/** Same datasets (any order) + same resolved hyperparameters => same key. */
export function dedupeKey(datasetIds: readonly string[], hp: Hyperparameters): string {
  const canonical = JSON.stringify({ d: [...datasetIds].sort(), h: Object.fromEntries(Object.entries(hp).sort(([a], [b]) => a.localeCompare(b))) });
  return createHash('sha256').update(canonical).digest('hex');
}

/** The chosen datasets cannot make a training set; an upload's automatic retrain is skipped for it. */
export class NotEnoughLabeledRowsError extends BadUserInputError {
  constructor(public readonly labeledRows: number) {
    super(
      `the chosen datasets hold ${labeledRows} labeled rows (rows with a rating); training needs at least ${MIN_LABELED_ROWS}`,
      'input.datasetIds',
      { labeledRows, required: MIN_LABELED_ROWS },
    );
  }
}

export class JobQueue {
  constructor(private readonly deps: { pool: pg.Pool; bus: NotifyBus; maxAttempts: number }) {}

  /**
   * Queues a retraining on the given datasets (default: every stored dataset) or returns the
   * identical job already queued. Pass `db` to enqueue inside a caller's transaction (uploads).
   */
  async enqueue(request: RetrainRequest, db: Executor = this.deps.pool): Promise<{ job: JobRecord; created: boolean }> {
    let hyperparameters: Hyperparameters;
    try {
      hyperparameters = resolveHyperparameters(request.hyperparameters ?? {});
    } catch (error) {
      if (error instanceof HyperparameterError) throw new BadUserInputError(error.message, `input.${error.field}`);
      throw error;
    }
    const priority = request.priority ?? 0;
    if (!Number.isInteger(priority) || priority < PRIORITY_LIMITS.min || priority > PRIORITY_LIMITS.max) {
      throw new BadUserInputError(`priority: expected an integer from ${PRIORITY_LIMITS.min} to ${PRIORITY_LIMITS.max}`, 'input.priority');
    }
    const datasetIds = await this.resolveDatasets(db, request.datasetIds);
    const labeledRows = await labeledRowCount(db, datasetIds);
    if (labeledRows < MIN_LABELED_ROWS) throw new NotEnoughLabeledRowsError(labeledRows);
    const key = dedupeKey(datasetIds, hyperparameters);
    for (let tries = 0; tries < 5; tries++) {
      const result = await enqueueJob(db, { datasetIds, hyperparameters, dedupeKey: key, maxAttempts: this.deps.maxAttempts, priority });
      if (result) return result;
    }
    throw new Error('could not enqueue the training job: the queue kept changing under it');
  }

  private async resolveDatasets(db: Executor, ids: string[] | null | undefined): Promise<string[]> {
    if (!ids || ids.length === 0) {
      const all = await allDatasetIds(db);
      if (all.length === 0) throw new BadUserInputError('there is no stored dataset to train on: upload one first', 'input.datasetIds');
      return all;
    }
    const unique = [...new Set(ids)];
    const malformed = unique.find((id) => !isUuid(id));
    if (malformed) throw new BadUserInputError(`dataset id ${malformed} is not a UUID`, 'input.datasetIds');
    const known = await existingDatasetIds(db, unique);
    const missing = unique.find((id) => !known.has(id));
    if (missing) throw new BadUserInputError(`dataset ${missing} does not exist`, 'input.datasetIds');
    return unique;
  }

  /** QUEUED → CANCELLED now; RUNNING → cancel requested (stops at the next batch). CONFLICT once finished. */
  async cancel(id: string): Promise<JobRecord> {
    if (!isUuid(id)) throw new NotFoundError('Training job', id);
    const job = await cancelJob(this.deps.pool, id);
    if (job) return job;
    const existing = await this.get(id);
    if (!existing) throw new NotFoundError('Training job', id);
    throw new ConflictError(`training job ${id} is already ${existing.status}`, { status: existing.status });
  }

  /** How many jobs are in each status (for the metrics gauge). */
  async countByStatus(): Promise<Record<string, number>> {
    const res = await this.deps.pool.query<{ status: string; n: number }>('SELECT status, count(*)::int AS n FROM training_job GROUP BY status');
    return Object.fromEntries(res.rows.map((r) => [r.status, r.n]));
  }

  async get(id: string): Promise<JobRecord | null> {
    if (!isUuid(id)) return null;
    const res = await this.deps.pool.query<TrainingJobRow>('SELECT * FROM training_job WHERE id = $1', [id]);
    return res.rows[0] ? toJob(res.rows[0]) : null;
  }

  async getByModelVersions(versions: readonly number[]): Promise<JobRecord[]> {
    const res = await this.deps.pool.query<TrainingJobRow>('SELECT * FROM training_job WHERE model_version = ANY($1::int[])', [versions]);
    return res.rows.map(toJob);
  }

  /** Newest first, keyset-paginated on (created_at, id). */
  async list(opts: { status?: JobStatus | null; first?: number | null; after?: string | null }): Promise<JobPage> {
    const first = opts.first ?? 20;
    if (!Number.isInteger(first) || first < 1 || first > 200) throw new BadUserInputError('first: expected an integer from 1 to 200', 'first');
    const after = opts.after ? decodeCursor(opts.after) : null;
    const params: unknown[] = [opts.status ?? null];
    let where = '($1::text IS NULL OR status = $1)';
    const total = await this.deps.pool.query<{ n: string }>(`SELECT count(*) AS n FROM training_job WHERE ${where}`, params);
    if (after) {
      params.push(after.createdAt, after.id);
      where += ' AND (created_at, id) < ($2::timestamptz, $3::uuid)';
    }
    params.push(first + 1);
    const res = await this.deps.pool.query<TrainingJobRow & { cursor_time: string }>(
      `SELECT *, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_time
         FROM training_job WHERE ${where} ORDER BY created_at DESC, id DESC LIMIT $${params.length}`,
      params,
    );
    const rows = res.rows.slice(0, first);
    const edges = rows.map(({ cursor_time, ...row }) => ({ cursor: encodeCursor(cursor_time, row.id), job: toJob(row) }));
    return {
      edges,
      hasNextPage: res.rows.length > first,
      endCursor: edges.at(-1)?.cursor ?? null,
      totalCount: Number(total.rows[0]?.n ?? 0),
    };
  }

  async epochs(jobId: string): Promise<StoredEpoch[]> {
    return (await this.epochsOf([jobId])).get(jobId) ?? [];
  }

  /** Epochs of many jobs in one query (a page of jobs asks for all its epochs at once). */
  async epochsOf(jobIds: readonly string[]): Promise<Map<string, StoredEpoch[]>> {
    const ids = jobIds.filter(isUuid);
    const byJob = new Map<string, StoredEpoch[]>(ids.map((id) => [id, []]));
    if (ids.length === 0) return byJob;
    const res = await this.deps.pool.query<TrainingEpochRow>('SELECT * FROM training_epoch WHERE job_id = ANY($1::uuid[]) ORDER BY job_id, epoch', [ids]);
    for (const row of res.rows) {
      const epoch = toEpoch(row);
      byJob.get(epoch.jobId)?.push(epoch);
    }
    return byJob;
  }

  /**
   * trainingProgress: every epoch of the job's current attempt, stored ones first, then live ones,
   * in order, each once; ends when the job does. NOT_FOUND (at once) for an unknown job.
   */
  async epochStream(jobId: string): Promise<AsyncGenerator<StoredEpoch>> {
    if (!(await this.get(jobId))) throw new NotFoundError('Training job', jobId);
    return epochStream(this.deps, jobId);
  }

  /**
   * trainingJobUpdated: the job's status changes (its current state first; ends with the job) or,
   * with a null id, every job's. NOT_FOUND (at once) for an unknown job.
   */
  async updates(jobId: string | null): Promise<AsyncGenerator<JobRecord>> {
    if (jobId !== null && !(await this.get(jobId))) throw new NotFoundError('Training job', jobId);
    return jobUpdates(this.deps, jobId);
  }
}
