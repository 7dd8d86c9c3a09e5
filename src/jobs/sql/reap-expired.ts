import { CHANNELS } from '../../db/notify-bus.js';
import type { Executor } from '../../db/sql.js';
import { notifyJobEvent } from './job-event.js';

/**
 * Ends RUNNING jobs whose lease expired and that may not be claimed again: out of attempts →
 * FAILED (the error says which worker stopped heartbeating), or cancel requested → CANCELLED.
 * Returns how many jobs it ended.
 */
export async function reapExpiredJobs(db: Executor): Promise<number> {
  const res = await db.query(
    `WITH expired AS (
       SELECT id FROM training_job
        WHERE status = 'RUNNING' AND lease_expires_at < now() AND (attempts >= max_attempts OR cancel_requested)
        FOR UPDATE SKIP LOCKED
     ), u AS (
       UPDATE training_job j SET
         status = CASE WHEN j.cancel_requested THEN 'CANCELLED' ELSE 'FAILED' END,
         error = CASE WHEN j.cancel_requested THEN j.error
                      ELSE concat_ws('; ', j.error, format('lease expired on attempt %s of %s: worker %s stopped heartbeating', j.attempts, j.max_attempts, j.worker_id)) END,
         cancelled_at = CASE WHEN j.cancel_requested THEN now() ELSE j.cancelled_at END,
         finished_at = now(), lease_expires_at = NULL, updated_at = now()
         FROM expired WHERE j.id = expired.id
       RETURNING j.*
     ) SELECT u.id, ${notifyJobEvent('$1')} FROM u`,
    [CHANNELS.jobEvents],
  );
  return res.rowCount ?? 0;
}
