/**
 * The schema's enums in the order the UI shows and compares them (the SDL lists values
 * alphabetically). Each list is checked complete against the generated types: a value added to the
 * schema fails the typecheck here until it is placed.
 */
import type { CareSystem, JobStatus, RatingClass, Role } from './types';

type Complete<T, L extends readonly T[]> = [Exclude<T, L[number]>] extends [never] ? unknown : { missing: Exclude<T, L[number]> };

/** Every value of `T`, in the order given (a missing one is a type error naming it). */
function inOrder<T extends string>() {
  return <const L extends readonly T[]>(values: L & Complete<T, L>): readonly T[] => values;
}

export const LABELS = inOrder<RatingClass>()(['LOW', 'MEDIUM', 'HIGH']);
export const CARE_SYSTEMS = inOrder<CareSystem>()(['GOVT', 'PFP', 'PNFP']);
/** Cumulative: each role may do everything the roles before it may. */
export const ROLES = inOrder<Role>()(['VIEWER', 'PREDICTOR', 'TRAINER', 'ADMIN']);
/** A job in one of these never changes again. */
export const TERMINAL_STATUSES: readonly JobStatus[] = ['SUCCEEDED', 'FAILED', 'CANCELLED'];
