import type { Executor } from '../../db/sql.js';
import { toJob, type JobRecord, type TrainingJobRow } from '../types.js';

/**
 * The `trellis_job_events` payload, as a SELECT-list fragment for a statement whose changed row is
 * aliased `u`. Every job transition sends the same shape; listeners (subscriptions, trainers)
 * read these fields only.
 */
export function notifyJobEvent(channelParam: string): string {
  return `pg_notify(${channelParam}, json_build_object('id', u.id, 'status', u.status, 'cancelRequested', u.cancel_requested, 'attempts', u.attempts, 'workerId', u.worker_id, 'modelVersion', u.model_version)::text)::text AS notified`;
}

/** Runs a statement that changes one job and selects `u.*` with its notifyJobEvent: the job as changed, or null when no row matched. */
export async function changedJob(db: Executor, text: string, params: unknown[]): Promise<JobRecord | null> {
  const res = await db.query<TrainingJobRow & { notified: string }>(text, params);
  const row = res.rows[0];
  if (!row) return null;
  const { notified: _, ...job } = row;
  return toJob(job);
}
