import type { ClaimToken, JobStatus, TrainingJobRow } from '../types.js';
import type { Executor } from '../../db/sql.js';

/**
 * How the claim's attempt stands: whether the job is still held by it, and its status. After a
 * connection dropped during COMMIT the trainer cannot know whether completion committed; this read
 * tells it (SUCCEEDED by this very claim = it did). Null when another claim owns the job now.
 */
export async function claimState(db: Executor, claim: ClaimToken): Promise<{ status: JobStatus; modelVersion: number | null } | null> {
  const res = await db.query<Pick<TrainingJobRow, 'status' | 'model_version'>>(
    `SELECT status, model_version FROM training_job WHERE id = $1 AND worker_id = $2 AND attempts = $3`,
    [claim.jobId, claim.workerId, claim.attempt],
  );
  const row = res.rows[0];
  return row ? { status: row.status, modelVersion: row.model_version } : null;
}
