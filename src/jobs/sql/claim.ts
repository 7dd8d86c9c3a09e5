import { CHANNELS } from '../../db/notify-bus.js';
import type { JobRecord } from '../types.js';
import type { Executor } from '../../db/sql.js';
import { changedJob, notifyJobEvent } from './job-event.js';

/**
 * Claims the next claimable job for `workerId` (highest priority, then oldest): QUEUED and due
 * (`run_at` passed, for a job waiting out a retry backoff), or RUNNING with an expired lease (its
 * worker died), while attempts remain and no cancel was asked for. SKIP LOCKED lets concurrent
 * workers pass over a row another one is claiming. The claim starts a new attempt: epochs of
 * an earlier attempt are deleted in the same statement.
 */
export function claimJob(db: Executor, workerId: string, leaseMs: number): Promise<JobRecord | null> {
  return changedJob(
    db,
    `WITH next AS (
       SELECT id FROM training_job
        WHERE ((status = 'QUEUED' AND (run_at IS NULL OR run_at <= now())) OR (status = 'RUNNING' AND lease_expires_at < now()))
          AND attempts < max_attempts AND NOT cancel_requested
        ORDER BY priority DESC, created_at, id
        LIMIT 1
        FOR UPDATE SKIP LOCKED
     ), claimed AS (
       UPDATE training_job j
          SET status = 'RUNNING', attempts = j.attempts + 1, worker_id = $1,
              lease_expires_at = now() + make_interval(secs => $2::double precision / 1000),
              run_at = NULL, started_at = now(), updated_at = now()
         FROM next WHERE j.id = next.id
       RETURNING j.*
     ), cleared AS (
       DELETE FROM training_epoch e USING claimed WHERE e.job_id = claimed.id
     )
     SELECT u.*, ${notifyJobEvent('$3')} FROM claimed u`,
    [workerId, leaseMs, CHANNELS.jobEvents],
  );
}
