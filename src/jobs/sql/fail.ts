import type { Executor } from '../../db/sql.js';
import type { ClaimToken, JobRecord } from '../types.js';
import { endAttempt } from './end-attempt.js';

/** RUNNING → FAILED with the error kept. Training errors are deterministic, so they are not retried. */
export function failJob(db: Executor, claim: ClaimToken, error: string): Promise<JobRecord | null> {
  return endAttempt(db, claim, `status = 'FAILED', error = $5`, [error.slice(0, 4000)]);
}
