import { CHANNELS } from '../../db/notify-bus.js';
import type { Hyperparameters } from '../../ml/index.js';
import { toJob, type JobRecord, type TrainingJobRow } from '../types.js';
import type { Executor } from '../../db/sql.js';
import { notifyJobEvent } from './job-event.js';

/**
 * Inserts a QUEUED job, or returns the QUEUED job with the same dedupe key (priority is not part of
 * the key: the queued job keeps its own) (the partial unique
 * index training_job_one_queued_per_key makes the insert a no-op then). NOTIFYs a new job.
 * Returns null in the rare race where the conflicting job left QUEUED between the two halves; retry.
 */
export async function enqueueJob(
  db: Executor,
  job: { datasetIds: string[]; hyperparameters: Hyperparameters; dedupeKey: string; maxAttempts: number; priority: number },
): Promise<{ job: JobRecord; created: boolean } | null> {
  const res = await db.query<TrainingJobRow & { created: boolean; notified: string | null }>(
    `WITH ins AS (
       INSERT INTO training_job (dataset_ids, hyperparameters, dedupe_key, max_attempts, priority)
       VALUES ($1::uuid[], $2, $3, $4, $6)
       ON CONFLICT (dedupe_key) WHERE status = 'QUEUED' DO NOTHING
       RETURNING *
     )
     SELECT u.*, true AS created, ${notifyJobEvent('$5')} FROM ins u
     UNION ALL
     SELECT j.*, false AS created, NULL AS notified FROM training_job j
      WHERE j.dedupe_key = $3 AND j.status = 'QUEUED' AND NOT EXISTS (SELECT 1 FROM ins)
     LIMIT 1`,
    [job.datasetIds, JSON.stringify(job.hyperparameters), job.dedupeKey, job.maxAttempts, CHANNELS.jobEvents, job.priority],
  );
  const row = res.rows[0];
  if (!row) return null;
  const { created, notified: _, ...stored } = row;
  return { job: toJob(stored), created };
}
