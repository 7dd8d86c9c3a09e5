/**
 * The training job queue's vocabulary.
 *
 * - job: one retraining request (training_job row). QUEUED → RUNNING → SUCCEEDED | FAILED | CANCELLED.
 * - claim: a worker takes a QUEUED job (or a RUNNING one whose lease expired) with
 *   FOR UPDATE SKIP LOCKED; each claim is one attempt (attempts + 1).
 * - lease: the claim holds until lease_expires_at; the worker's heartbeat pushes it forward.
 *   Every write a worker makes is guarded by its claim token (job id, worker id, attempt), so a
 *   worker that lost its lease can no longer change the job.
 * - dedupe key: hash of datasets + hyperparameters; at most one QUEUED job per key.
 * - priority: claimed highest first, then oldest first.
 * - retry: a job whose attempt ended on a transient failure (the database unreachable for longer
 *   than the lease, the training thread dying) goes back to QUEUED with `run_at` pushed out by a
 *   capped exponential backoff; the attempt counts. Out of attempts, it is FAILED instead.
 */
import { camelize, type Camelized } from '../db/rows.js';
import type { EpochMetrics, Hyperparameters } from '../ml/index.js';

/** Every status of a job, in lifecycle order (the GraphQL enum and the metrics gauge follow it). */
export const JOB_STATUSES = ['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
/** A job in one of these never changes again. */
export const TERMINAL_JOB_STATUSES = ['SUCCEEDED', 'FAILED', 'CANCELLED'] as const satisfies readonly JobStatus[];

export function isTerminalJobStatus(status: string): boolean {
  return (TERMINAL_JOB_STATUSES as readonly string[]).includes(status);
}

/** One row of `training_job` as Postgres returns it. */
export interface TrainingJobRow {
  id: string;
  status: JobStatus;
  dataset_ids: string[];
  /** resolved: every default filled in */
  hyperparameters: Hyperparameters;
  /** same datasets + hyperparameters => same key; at most one QUEUED job per key */
  dedupe_key: string;
  attempts: number;
  max_attempts: number;
  worker_id: string | null;
  lease_expires_at: Date | null;
  cancel_requested: boolean;
  error: string | null;
  model_version: number | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  cancelled_at: Date | null;
  updated_at: Date;
  /** claimed highest first, then oldest first */
  priority: number;
  /** not claimed before this time (set when a transient failure handed the job back) */
  run_at: Date | null;
}

/** A job as the queue hands it out: the row, camelCased (see db/rows.ts). */
export type JobRecord = Camelized<TrainingJobRow>;
export const toJob: (row: TrainingJobRow) => JobRecord = camelize;

/** One row of `training_epoch`: a finished epoch of the job's current attempt. */
export interface TrainingEpochRow {
  job_id: string;
  epoch: number;
  attempt: number;
  /** the worker that trained it */
  worker_id: string | null;
  loss: number;
  accuracy: number;
  val_loss: number | null;
  val_accuracy: number | null;
  learning_rate: number;
  duration_ms: number;
  created_at: Date;
}

/** An epoch as the API streams it (stored or live): the row without its write time. */
export type StoredEpoch = Camelized<Omit<TrainingEpochRow, 'created_at'>>;

export function toEpoch({ created_at: _, ...epoch }: TrainingEpochRow): StoredEpoch {
  return camelize(epoch);
}

/** Who holds a job right now: only this worker, in this attempt, may write to it. */
export interface ClaimToken {
  jobId: string;
  workerId: string;
  attempt: number;
}

/** Payload of a NOTIFY on the job-events channel. */
export interface JobEvent {
  id: string;
  status: JobStatus;
  cancelRequested?: boolean;
  /** the row's fields as of this transition (the row may have moved on when a subscriber reads it) */
  attempts?: number;
  workerId?: string | null;
  modelVersion?: number | null;
}

/** Payload of a NOTIFY on the epoch-events channel (small: numbers only). */
export interface EpochEvent extends EpochMetrics {
  jobId: string;
  attempt: number;
}
