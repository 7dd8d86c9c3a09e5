import { CHANNELS } from '../../db/notify-bus.js';
import type { EpochMetrics } from '../../ml/index.js';
import type { ClaimToken, EpochEvent } from '../types.js';
import type { Executor } from '../../db/sql.js';

/**
 * Stores one epoch of the claim's attempt and NOTIFYs it, only while the claim holds.
 * Returns false when the claim is gone (the caller should stop training).
 */
export async function recordEpoch(db: Executor, claim: ClaimToken, m: EpochMetrics): Promise<boolean> {
  const event: EpochEvent = { jobId: claim.jobId, attempt: claim.attempt, ...m };
  const res = await db.query(
    `WITH holder AS (
       SELECT id FROM training_job WHERE id = $1 AND worker_id = $2 AND attempts = $3 AND status = 'RUNNING'
     ), ins AS (
       INSERT INTO training_epoch (job_id, epoch, attempt, worker_id, loss, accuracy, val_loss, val_accuracy, learning_rate, duration_ms)
       SELECT id, $4, $3, $2, $5, $6, $7, $8, $9, $10 FROM holder
       ON CONFLICT (job_id, epoch) DO UPDATE SET
         attempt = EXCLUDED.attempt, worker_id = EXCLUDED.worker_id, loss = EXCLUDED.loss, accuracy = EXCLUDED.accuracy,
         val_loss = EXCLUDED.val_loss, val_accuracy = EXCLUDED.val_accuracy, learning_rate = EXCLUDED.learning_rate,
         duration_ms = EXCLUDED.duration_ms, created_at = now()
       RETURNING epoch
     )
     SELECT epoch, pg_notify($11, $12)::text AS notified FROM ins`,
    [claim.jobId, claim.workerId, claim.attempt, m.epoch, m.loss, m.accuracy, m.valLoss, m.valAccuracy, m.learningRate, m.durationMs, CHANNELS.epochEvents, JSON.stringify(event)],
  );
  return res.rowCount === 1;
}
