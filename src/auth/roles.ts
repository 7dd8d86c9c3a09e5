/**
 * Access roles, cumulative: each includes everything the ones before it may do.
 *
 * - VIEWER: read queries and subscriptions
 * - PREDICTOR: + predict, predictBatch, predictBatchFile, scored-CSV downloads
 * - TRAINER: + uploadDataset, retrain, cancelTrainingJob
 * - ADMIN: + promoteModel, rollbackModel, API keys, the audit log
 */
import type { AccessRole } from '../config.js';

export type { AccessRole };
export const ACCESS_ROLES = ['VIEWER', 'PREDICTOR', 'TRAINER', 'ADMIN'] as const satisfies readonly AccessRole[];

const RANK: Record<AccessRole, number> = { VIEWER: 0, PREDICTOR: 1, TRAINER: 2, ADMIN: 3 };

/** True when `have` includes `need` (roles are cumulative). */
export function roleAtLeast(have: AccessRole | null, need: AccessRole): boolean {
  return have !== null && RANK[have] >= RANK[need];
}

/** The higher of two roles (null is below every role). */
export function higherRole(a: AccessRole | null, b: AccessRole | null): AccessRole | null {
  if (a === null) return b;
  if (b === null) return a;
  return RANK[a] >= RANK[b] ? a : b;
}

export function isAccessRole(value: unknown): value is AccessRole {
  return typeof value === 'string' && value in RANK;
}
