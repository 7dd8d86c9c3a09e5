import type { Executor } from '../../db/sql.js';
import type { ClaimToken, JobRecord } from '../types.js';
import { endAttempt } from './end-attempt.js';

/** RUNNING → CANCELLED once the worker stopped training after a cancel request. */
export function acknowledgeCancel(db: Executor, claim: ClaimToken): Promise<JobRecord | null> {
  return endAttempt(db, claim, `status = 'CANCELLED', cancelled_at = now()`);
}
