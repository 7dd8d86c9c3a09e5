import { CHANNELS } from '../../db/notify-bus.js';
import type { ClaimToken } from '../types.js';
import type { Executor } from '../../db/sql.js';
import { notifyJobEvent } from './job-event.js';

const NOTIFY = notifyJobEvent('$4');

/**
 * Graceful shutdown: hands a running job back (QUEUED, lease and worker cleared, the attempt not
 * counted) so another worker starts it at once. When an identical job is already queued (the
 * one-queued-per-key index forbids a second), the lease is expired instead: same effect, the job
 * is claimable immediately as RUNNING-with-expired-lease. Returns what was done.
 */
export async function releaseJob(db: Executor, claim: ClaimToken): Promise<'requeued' | 'expired' | 'gone'> {
  const params = [claim.jobId, claim.workerId, claim.attempt, CHANNELS.jobEvents];
  try {
    const res = await db.query(
      `WITH u AS (
         UPDATE training_job j SET status = 'QUEUED', attempts = j.attempts - 1, worker_id = NULL, lease_expires_at = NULL,
                started_at = NULL, updated_at = now()
          WHERE j.id = $1 AND j.worker_id = $2 AND j.attempts = $3 AND j.status = 'RUNNING'
            AND NOT EXISTS (SELECT 1 FROM training_job q WHERE q.dedupe_key = j.dedupe_key AND q.status = 'QUEUED')
         RETURNING *
       ) SELECT u.*, ${NOTIFY} FROM u`,
      params,
    );
    if (res.rowCount === 1) return 'requeued';
  } catch (error) {
    if ((error as { code?: string }).code !== '23505') throw error;
  }
  const res = await db.query(
    `UPDATE training_job SET lease_expires_at = now() - interval '1 millisecond'
      WHERE id = $1 AND worker_id = $2 AND attempts = $3 AND status = 'RUNNING'`,
    params.slice(0, 3),
  );
  return res.rowCount === 1 ? 'expired' : 'gone';
}
