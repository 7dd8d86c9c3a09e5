/**
 * Domain types of the facility-rating model.
 *
 * Glossary
 * - record: one cleaned facility row (the dataset schema, typed); what training and prediction take.
 * - labeled record: a record with a rating; only those are trained and evaluated on.
 * - rating class: LOW (rating <= 2.5), MEDIUM (<= 3.5) or HIGH (above), the model's target.
 * - feature state: everything fitted on the training split (vocabularies, means, scales), saved as JSON.
 * - bundle: one self-contained trained model (tfjs topology + weights + feature state + metadata).
 */

export const LABELS = ['LOW', 'MEDIUM', 'HIGH'] as const;
export type RatingClass = (typeof LABELS)[number];

export const CARE_SYSTEMS = ['GOVT', 'PFP', 'PNFP'] as const;
export type CareSystem = (typeof CARE_SYSTEMS)[number];

/** One cleaned facility row (the dataset schema, typed). Also what prediction takes. */
export interface FacilityRecord {
  facilityName: string | null;
  services: string | null;
  /** null when missing or outside Uganda */
  latitude: number | null;
  longitude: number | null;
  /** null = unlabeled */
  rating: number | null;
  operatingHours: string | null;
  website: string | null;
  phoneNumber: string | null;
  careSystem: CareSystem | null;
  subcounty: string | null;
}

export interface RejectedRow {
  line: number;
  column: string | null;
  reason: string;
}

/** rating <= 2.5 is LOW, <= 3.5 is MEDIUM, above is HIGH (the seed project's rule). */
export function labelForRating(rating: number): RatingClass {
  if (rating <= 2.5) return 'LOW';
  if (rating <= 3.5) return 'MEDIUM';
  return 'HIGH';
}

export function labelIndex(label: RatingClass): number {
  return LABELS.indexOf(label);
}
