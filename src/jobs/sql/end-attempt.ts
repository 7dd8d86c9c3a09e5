import { CHANNELS } from '../../db/notify-bus.js';
import type { Executor } from '../../db/sql.js';
import type { ClaimToken, JobRecord } from '../types.js';
import { changedJob, notifyJobEvent } from './job-event.js';

/**
 * RUNNING → a terminal status, only while the claim holds: `set` names the status and what goes
 * with it (its own parameters from $5 on, in `params`); the lease is cleared and the job finished.
 * Null when the claim is gone.
 */
export function endAttempt(db: Executor, claim: ClaimToken, set: string, params: unknown[] = []): Promise<JobRecord | null> {
  return changedJob(
    db,
    `WITH u AS (
       UPDATE training_job SET ${set}, finished_at = now(), lease_expires_at = NULL, updated_at = now()
        WHERE id = $1 AND worker_id = $2 AND attempts = $3 AND status = 'RUNNING'
       RETURNING *
     ) SELECT u.*, ${notifyJobEvent('$4')} FROM u`,
    [claim.jobId, claim.workerId, claim.attempt, CHANNELS.jobEvents, ...params],
  );
}
