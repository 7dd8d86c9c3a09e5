import { CHANNELS } from '../../db/notify-bus.js';
import { toJob, type ClaimToken, type JobRecord } from '../types.js';
import type { Executor } from '../../db/sql.js';
import { notifyJobEvent } from './job-event.js';

const NOTIFY = notifyJobEvent('$4');

/** RUNNING → CANCELLED once the worker stopped training after a cancel request. */
export async function acknowledgeCancel(db: Executor, claim: ClaimToken): Promise<JobRecord | null> {
  const res = await db.query(
    `WITH u AS (
       UPDATE training_job SET status = 'CANCELLED', cancelled_at = now(), finished_at = now(), lease_expires_at = NULL, updated_at = now()
        WHERE id = $1 AND worker_id = $2 AND attempts = $3 AND status = 'RUNNING'
       RETURNING *
     ) SELECT u.*, ${NOTIFY} FROM u`,
    [claim.jobId, claim.workerId, claim.attempt, CHANNELS.jobEvents],
  );
  return res.rows[0] ? toJob(res.rows[0]) : null;
}
