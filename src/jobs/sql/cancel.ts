import { CHANNELS } from '../../db/notify-bus.js';
import type { JobRecord } from '../types.js';
import type { Executor } from '../../db/sql.js';
import { changedJob, notifyJobEvent } from './job-event.js';

/**
 * Cancels a job: QUEUED becomes CANCELLED at once; RUNNING gets cancel_requested (its worker sees
 * it through this NOTIFY or its next heartbeat and stops at the next batch). Null when the job
 * is unknown or already finished.
 */
export function cancelJob(db: Executor, jobId: string): Promise<JobRecord | null> {
  return changedJob(
    db,
    `WITH u AS (
       UPDATE training_job SET
         status = CASE WHEN status = 'QUEUED' THEN 'CANCELLED' ELSE status END,
         cancelled_at = CASE WHEN status = 'QUEUED' THEN now() ELSE cancelled_at END,
         finished_at = CASE WHEN status = 'QUEUED' THEN now() ELSE finished_at END,
         cancel_requested = true, updated_at = now()
        WHERE id = $1 AND status IN ('QUEUED', 'RUNNING')
       RETURNING *
     ) SELECT u.*, ${notifyJobEvent('$2')} FROM u`,
    [jobId, CHANNELS.jobEvents],
  );
}
