/**
 * FacilityInput and its validation at the API boundary: every problem is a BAD_USER_INPUT naming
 * the field by its path (`input.latitude`, `inputs.3.services`).
 */
import { Field, Float, InputType } from 'type-graphql';
import { checkTypedFacilityInput, normalizeFacilityInput, type FacilityRecord } from '../ml/index.js';
import { CareSystem } from './enums.js';
import { BadUserInputError } from '../errors.js';

@InputType({ description: 'A health facility to rate; the dataset columns without the rating' })
export class FacilityInput {
  @Field(() => String, { nullable: true })
  facilityName?: string | null;

  @Field(() => String, { description: 'comma-separated services, as in the dataset' })
  services!: string;

  @Field(() => Float, { nullable: true, description: 'degrees, -90 to 90 (outside Uganda counts as missing)' })
  latitude?: number | null;

  @Field(() => Float, { nullable: true, description: 'degrees, -180 to 180' })
  longitude?: number | null;

  @Field(() => String, { nullable: true, description: 'e.g. "Monday: 8:00 AM – 5:00 PM,..." or "Open 24 hours"' })
  operatingHours?: string | null;

  @Field(() => String, { nullable: true })
  website?: string | null;

  @Field(() => String, { nullable: true })
  phoneNumber?: string | null;

  @Field(() => CareSystem)
  careSystem!: CareSystem;

  @Field(() => String)
  subcounty!: string;
}

const REQUIRED_TEXT = ['services', 'subcounty'] as const;

/**
 * Validates one input and cleans it like a CSV row (mojibake, placeholders, coordinates outside
 * Uganda → missing). `path` prefixes the field in errors ("input", "inputs.3"). The schema has
 * already checked the types (String, Float: finite, the CareSystem enum); what is left is what
 * it cannot say: lengths, ranges, blank required text, a coordinate without the other.
 */
export function facilityRecordFrom(input: FacilityInput, path: string): FacilityRecord {
  const problem = checkTypedFacilityInput(input);
  if (problem) throw new BadUserInputError(`${path}.${problem.message}`, `${path}.${problem.field}`);
  for (const field of REQUIRED_TEXT) {
    if (input[field].trim() === '') throw new BadUserInputError(`${path}.${field} must not be empty`, `${path}.${field}`);
  }
  const hasLat = input.latitude !== undefined && input.latitude !== null;
  const hasLon = input.longitude !== undefined && input.longitude !== null;
  if (hasLat !== hasLon) {
    const missing = hasLat ? 'longitude' : 'latitude';
    throw new BadUserInputError(`${path}.${missing} is required when ${hasLat ? 'latitude' : 'longitude'} is given`, `${path}.${missing}`);
  }
  return normalizeFacilityInput(input);
}
