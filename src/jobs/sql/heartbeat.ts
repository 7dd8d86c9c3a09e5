import type { ClaimToken, TrainingJobRow } from '../types.js';
import type { Executor } from '../../db/sql.js';

/**
 * Extends the lease of a held job. Returns whether a cancel was asked for, or null when the
 * claim is gone (lease expired and another worker took the job, or the job ended).
 */
export async function heartbeatJob(db: Executor, claim: ClaimToken, leaseMs: number): Promise<{ cancelRequested: boolean } | null> {
  const res = await db.query<Pick<TrainingJobRow, 'cancel_requested'>>(
    `UPDATE training_job
        SET lease_expires_at = now() + make_interval(secs => $4::double precision / 1000)
      WHERE id = $1 AND worker_id = $2 AND attempts = $3 AND status = 'RUNNING'
      RETURNING cancel_requested`,
    [claim.jobId, claim.workerId, claim.attempt, leaseMs],
  );
  const row = res.rows[0];
  return row ? { cancelRequested: row.cancel_requested } : null;
}
