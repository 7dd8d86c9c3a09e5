import { CHANNELS } from '../../db/notify-bus.js';
import type { ClaimToken, TrainingJobRow } from '../types.js';
import type { Executor } from '../../db/sql.js';
import { notifyJobEvent } from './job-event.js';

const NOTIFY = notifyJobEvent('$4');

/**
 * Ends the claim's attempt on a transient failure: the job goes back to QUEUED, claimable again
 * once `run_at` (now + `delayMs`, the retry backoff) has passed; the attempt counts and the reason
 * is appended to `error`. With no attempt left it is FAILED instead, with the same error. When an
 * identical job is already queued (one QUEUED job per dedupe key) the lease is expired instead, so
 * the job is claimable as RUNNING-with-expired-lease. Returns what was done.
 */
export async function retryJobLater(db: Executor, claim: ClaimToken, delayMs: number, reason: string): Promise<'retry' | 'failed' | 'expired' | 'gone'> {
  const params = [claim.jobId, claim.workerId, claim.attempt, CHANNELS.jobEvents, delayMs, reason.slice(0, 2000)];
  try {
    const res = await db.query<Pick<TrainingJobRow, 'status'>>(
      `WITH u AS (
         UPDATE training_job j SET
           status = CASE WHEN j.attempts >= j.max_attempts THEN 'FAILED' ELSE 'QUEUED' END,
           finished_at = CASE WHEN j.attempts >= j.max_attempts THEN now() ELSE NULL END,
           run_at = CASE WHEN j.attempts >= j.max_attempts THEN NULL ELSE now() + make_interval(secs => $5::double precision / 1000) END,
           error = concat_ws('; ', j.error, format('attempt %s of %s: %s', j.attempts, j.max_attempts, $6::text)),
           worker_id = CASE WHEN j.attempts >= j.max_attempts THEN j.worker_id ELSE NULL END,
           lease_expires_at = NULL, updated_at = now()
          WHERE j.id = $1 AND j.worker_id = $2 AND j.attempts = $3 AND j.status = 'RUNNING'
            AND (j.attempts >= j.max_attempts
                 OR NOT EXISTS (SELECT 1 FROM training_job q WHERE q.dedupe_key = j.dedupe_key AND q.status = 'QUEUED'))
         RETURNING *
       ) SELECT u.status, ${NOTIFY} FROM u`,
      params,
    );
    const row = res.rows[0];
    if (row) return row.status === 'FAILED' ? 'failed' : 'retry';
  } catch (error) {
    if ((error as { code?: string }).code !== '23505') throw error;
  }
  const res = await db.query(
    `UPDATE training_job SET lease_expires_at = now() - interval '1 millisecond',
            error = concat_ws('; ', error, format('attempt %s of %s: %s', attempts, max_attempts, $4::text)), updated_at = now()
      WHERE id = $1 AND worker_id = $2 AND attempts = $3 AND status = 'RUNNING'`,
    [claim.jobId, claim.workerId, claim.attempt, reason.slice(0, 2000)],
  );
  return res.rowCount === 1 ? 'expired' : 'gone';
}
