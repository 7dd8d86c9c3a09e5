import { CHANNELS } from '../../db/notify-bus.js';
import { toJob, type ClaimToken, type JobRecord } from '../types.js';
import type { Executor } from '../../db/sql.js';
import { notifyJobEvent } from './job-event.js';

const NOTIFY = notifyJobEvent('$4');

/** RUNNING → FAILED with the error kept. Training errors are deterministic, so they are not retried. */
export async function failJob(db: Executor, claim: ClaimToken, error: string): Promise<JobRecord | null> {
  const res = await db.query(
    `WITH u AS (
       UPDATE training_job SET status = 'FAILED', error = $5, finished_at = now(), lease_expires_at = NULL, updated_at = now()
        WHERE id = $1 AND worker_id = $2 AND attempts = $3 AND status = 'RUNNING'
       RETURNING *
     ) SELECT u.*, ${NOTIFY} FROM u`,
    [claim.jobId, claim.workerId, claim.attempt, CHANNELS.jobEvents, error.slice(0, 4000)],
  );
  return res.rows[0] ? toJob(res.rows[0]) : null;
}
