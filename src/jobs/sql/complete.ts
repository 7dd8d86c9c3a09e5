import { CHANNELS } from '../../db/notify-bus.js';
import { toJob, type ClaimToken, type JobRecord } from '../types.js';
import type { Executor } from '../../db/sql.js';
import { notifyJobEvent } from './job-event.js';

const NOTIFY = notifyJobEvent('$4');

/** RUNNING → SUCCEEDED with the registered model version (in the registry's transaction). Null if the claim is gone. */
export async function completeJob(db: Executor, claim: ClaimToken, modelVersion: number): Promise<JobRecord | null> {
  const res = await db.query(
    `WITH u AS (
       UPDATE training_job SET status = 'SUCCEEDED', model_version = $5, finished_at = now(), lease_expires_at = NULL, updated_at = now()
        WHERE id = $1 AND worker_id = $2 AND attempts = $3 AND status = 'RUNNING'
       RETURNING *
     ) SELECT u.*, ${NOTIFY} FROM u`,
    [claim.jobId, claim.workerId, claim.attempt, CHANNELS.jobEvents, modelVersion],
  );
  return res.rows[0] ? toJob(res.rows[0]) : null;
}
