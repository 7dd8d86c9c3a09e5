/**
 * GraphQL enums shared by several resolvers. Values equal the ML core's strings, so a
 * RatingClass/CareSystem from src/ml passes through GraphQL unchanged.
 */
import { registerEnumType } from 'type-graphql';
import { CARE_SYSTEMS, LABELS } from '../ml/index.js';

export const RatingClass = { LOW: 'LOW', MEDIUM: 'MEDIUM', HIGH: 'HIGH' } as const satisfies Record<(typeof LABELS)[number], (typeof LABELS)[number]>;
export type RatingClass = (typeof RatingClass)[keyof typeof RatingClass];

export const CareSystem = { GOVT: 'GOVT', PFP: 'PFP', PNFP: 'PNFP' } as const satisfies Record<(typeof CARE_SYSTEMS)[number], (typeof CARE_SYSTEMS)[number]>;
export type CareSystem = (typeof CareSystem)[keyof typeof CareSystem];

registerEnumType(RatingClass, { name: 'RatingClass', description: 'LOW (rating <= 2.5), MEDIUM (<= 3.5) or HIGH' });
registerEnumType(CareSystem, { name: 'CareSystem', description: 'Government, private for-profit or private not-for-profit' });
