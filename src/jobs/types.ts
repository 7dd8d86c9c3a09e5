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
import type { EpochMetrics, Hyperparameters } from '../ml/index.js';

export type JobStatus = 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';
export const TERMINAL_STATUSES: readonly JobStatus[] = ['SUCCEEDED', 'FAILED', 'CANCELLED'];

export interface JobRecord {
  id: string;
  status: JobStatus;
  datasetIds: string[];
  hyperparameters: Hyperparameters;
  dedupeKey: string;
  attempts: number;
  maxAttempts: number;
  workerId: string | null;
  leaseExpiresAt: Date | null;
  cancelRequested: boolean;
  error: string | null;
  modelVersion: number | null;
  priority: number;
  /** not claimed before this time (set when a transient failure handed the job back) */
  runAt: Date | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  cancelledAt: Date | null;
  updatedAt: Date;
}

/** Who holds a job right now: only this worker, in this attempt, may write to it. */
export interface ClaimToken {
  jobId: string;
  workerId: string;
  attempt: number;
}

export interface StoredEpoch extends EpochMetrics {
  jobId: string;
  attempt: number;
  workerId: string | null;
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

type Row = Record<string, unknown>;

export function toJob(r: Row): JobRecord {
  return {
    id: r.id as string,
    status: r.status as JobStatus,
    datasetIds: (r.dataset_ids as string[] | null) ?? [],
    hyperparameters: r.hyperparameters as Hyperparameters,
    dedupeKey: r.dedupe_key as string,
    attempts: r.attempts as number,
    maxAttempts: r.max_attempts as number,
    workerId: (r.worker_id as string | null) ?? null,
    leaseExpiresAt: (r.lease_expires_at as Date | null) ?? null,
    cancelRequested: r.cancel_requested as boolean,
    error: (r.error as string | null) ?? null,
    modelVersion: (r.model_version as number | null) ?? null,
    priority: (r.priority as number | undefined) ?? 0,
    runAt: (r.run_at as Date | null) ?? null,
    createdAt: r.created_at as Date,
    startedAt: (r.started_at as Date | null) ?? null,
    finishedAt: (r.finished_at as Date | null) ?? null,
    cancelledAt: (r.cancelled_at as Date | null) ?? null,
    updatedAt: r.updated_at as Date,
  };
}

export function toEpoch(r: Row): StoredEpoch {
  return {
    jobId: r.job_id as string,
    epoch: r.epoch as number,
    attempt: r.attempt as number,
    workerId: (r.worker_id as string | null) ?? null,
    loss: r.loss as number,
    accuracy: r.accuracy as number,
    valLoss: (r.val_loss as number | null) ?? null,
    valAccuracy: (r.val_accuracy as number | null) ?? null,
    learningRate: r.learning_rate as number,
    durationMs: r.duration_ms as number,
  };
}
