import type { Executor } from '../../db/sql.js';
import type { ClaimToken, JobRecord } from '../types.js';
import { endAttempt } from './end-attempt.js';

/** RUNNING → SUCCEEDED with the registered model version (in the registry's transaction). Null if the claim is gone. */
export function completeJob(db: Executor, claim: ClaimToken, modelVersion: number): Promise<JobRecord | null> {
  return endAttempt(db, claim, `status = 'SUCCEEDED', model_version = $5`, [modelVersion]);
}
