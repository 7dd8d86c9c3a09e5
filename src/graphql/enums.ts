/**
 * GraphQL enums shared by several resolvers. Each is tied with `satisfies` to the domain's list
 * (a value added there and missing here, or the reverse, fails to compile), and values equal the
 * domain's strings, so a RatingClass from src/ml or a JobStatus from src/jobs passes through unchanged.
 */
import { registerEnumType } from 'type-graphql';
import { JOB_STATUSES } from '../jobs/types.js';
import { CARE_SYSTEMS, LABELS } from '../ml/index.js';
import { MODEL_STATUSES } from '../registry/types.js';

/** A GraphQL enum object of a domain list: exactly one key per value, each equal to its value. */
type EnumOf<List extends readonly string[]> = { [V in List[number]]: V };

export const RatingClass = { LOW: 'LOW', MEDIUM: 'MEDIUM', HIGH: 'HIGH' } as const satisfies EnumOf<typeof LABELS>;
export type RatingClass = (typeof RatingClass)[keyof typeof RatingClass];

export const CareSystem = { GOVT: 'GOVT', PFP: 'PFP', PNFP: 'PNFP' } as const satisfies EnumOf<typeof CARE_SYSTEMS>;
export type CareSystem = (typeof CareSystem)[keyof typeof CareSystem];

export const JobStatus = { QUEUED: 'QUEUED', RUNNING: 'RUNNING', SUCCEEDED: 'SUCCEEDED', FAILED: 'FAILED', CANCELLED: 'CANCELLED' } as const satisfies EnumOf<typeof JOB_STATUSES>;
export type JobStatus = (typeof JobStatus)[keyof typeof JobStatus];

export const ModelStatus = { CANDIDATE: 'CANDIDATE', ACTIVE: 'ACTIVE', ARCHIVED: 'ARCHIVED' } as const satisfies EnumOf<typeof MODEL_STATUSES>;
export type ModelStatus = (typeof ModelStatus)[keyof typeof ModelStatus];

registerEnumType(RatingClass, { name: 'RatingClass', description: 'LOW (rating <= 2.5), MEDIUM (<= 3.5) or HIGH' });
registerEnumType(CareSystem, { name: 'CareSystem', description: 'Government, private for-profit or private not-for-profit' });
registerEnumType(JobStatus, { name: 'JobStatus', description: 'QUEUED → RUNNING → SUCCEEDED | FAILED | CANCELLED' });
registerEnumType(ModelStatus, { name: 'ModelStatus', description: 'CANDIDATE (registered), ACTIVE (serving; at most one), ARCHIVED (was active)' });
