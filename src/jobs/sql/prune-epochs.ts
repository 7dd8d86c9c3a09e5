import type { Executor } from '../../db/sql.js';
import { TERMINAL_JOB_STATUSES } from '../types.js';

/**
 * Retention: deletes the stored epochs of jobs that finished more than `retentionDays` ago, at
 * most `limit` jobs per call (short statements; the trainer's poll calls it again). The job rows
 * and their models stay. Returns how many epochs it deleted.
 */
export async function pruneFinishedEpochs(db: Executor, retentionDays: number, limit = 500): Promise<number> {
  const res = await db.query(
    `WITH old AS (
       SELECT id FROM training_job
        WHERE finished_at < now() - make_interval(days => $1::int)
          AND status = ANY($3::text[])
          AND EXISTS (SELECT 1 FROM training_epoch e WHERE e.job_id = training_job.id)
        LIMIT $2
     )
     DELETE FROM training_epoch e USING old WHERE e.job_id = old.id`,
    [retentionDays, limit, TERMINAL_JOB_STATUSES],
  );
  return res.rowCount ?? 0;
}
