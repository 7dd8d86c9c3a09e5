import { cleanText, canonicalHeader } from './text.js';
import { CARE_SYSTEMS, type CareSystem, type FacilityRecord, type RejectedRow } from './types.js';

/** Canonical column names of the dataset (header names are matched case- and space-insensitively). */
export const COLUMNS = [
  'facility_name', 'services', 'latitude', 'longitude', 'rating', 'operating_hours',
  'website', 'phone_number', 'care_system', 'mode_of_payment', 'subcounty',
] as const;
export type ColumnName = (typeof COLUMNS)[number];

/** Uganda's bounding box (degrees, WGS84) with a small margin; points outside become missing. */
export const UGANDA_BBOX = { minLat: -1.6, maxLat: 4.3, minLon: 29.5, maxLon: 35.1 } as const;

const CARE_SYSTEM_ALIASES: Record<string, CareSystem> = {
  GOVT: 'GOVT', GOV: 'GOVT', GOVERNMENT: 'GOVT', PUBLIC: 'GOVT',
  PFP: 'PFP', PRIVATEFORPROFIT: 'PFP', PRIVATE: 'PFP',
  PNFP: 'PNFP', PRIVATENOTFORPROFIT: 'PNFP', NGO: 'PNFP',
};

export const MAX_TEXT_LENGTH = 4000;

/** The aliases as they are, for the common case of a text that is already one (`GOVT`): no case folding, no regular expression. */
const EXACT_CARE_SYSTEMS = new Map(Object.entries(CARE_SYSTEM_ALIASES));

/** Folds case and punctuation variants (`Govt`, `p.f.p`) to a care system, or undefined when unknown. */
export function parseCareSystem(text: string): CareSystem | undefined {
  return EXACT_CARE_SYSTEMS.get(text) ?? CARE_SYSTEM_ALIASES[text.toUpperCase().replace(/[^A-Z]/g, '')];
}

export function insideUganda(lat: number, lon: number): boolean {
  return lat >= UGANDA_BBOX.minLat && lat <= UGANDA_BBOX.maxLat && lon >= UGANDA_BBOX.minLon && lon <= UGANDA_BBOX.maxLon;
}

function parseNumber(text: string): number {
  // A plain decimal only: "3,5" or "4 stars" are rejected rather than guessed.
  return isPlainDecimal(text) ? Number(text) : Number.NaN;
}

const isDigit = (c: number) => c >= 48 && c <= 57;

/** /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/ as a char-code scan (two coordinates a row: cheaper than the regular expression). */
export function isPlainDecimal(text: string): boolean {
  const n = text.length;
  let i = 0;
  let c = text.charCodeAt(0);
  if (c === 43 || c === 45) i++; // + -
  let digits = 0;
  while (i < n && isDigit(text.charCodeAt(i))) {
    i++;
    digits++;
  }
  if (i < n && text.charCodeAt(i) === 46) { // .
    i++;
    while (i < n && isDigit(text.charCodeAt(i))) {
      i++;
      digits++;
    }
  }
  if (digits === 0) return false; // "", "+", ".", "-.": a digit before or after the point is needed
  c = text.charCodeAt(i);
  if (i < n && (c === 101 || c === 69)) { // e E
    i++;
    c = text.charCodeAt(i);
    if (i < n && (c === 43 || c === 45)) i++;
    const from = i;
    while (i < n && isDigit(text.charCodeAt(i))) i++;
    if (i === from) return false;
  }
  return i === n;
}

/**
 * Cleans one raw CSV row (keys are header names; canonical or not) into a record, or says
 * why the row cannot be used. `line` is the row's 1-based line in the file.
 */
export function cleanRawRow(
  raw: Record<string, string | undefined>,
  line: number,
): { record: FacilityRecord } | { rejected: RejectedRow } {
  const texts = COLUMNS.map((col) => {
    const direct = raw[col];
    if (direct !== undefined) return direct;
    for (const [key, value] of Object.entries(raw)) if (canonicalHeader(key) === col) return value;
    return undefined;
  });
  return cleanColumns(texts, line);
}

/** cleanColumns's scratch: one row's cleaned texts. */
const cleanedValues = new Array<string | null>(COLUMNS.length).fill(null);

/** Position of each column in COLUMNS. */
const AT = Object.fromEntries(COLUMNS.map((c, i) => [c, i])) as Record<ColumnName, number>;

/**
 * Cleans one row given as its columns' raw text in COLUMNS order (undefined: no such column) into
 * a record, or says why the row cannot be used. Each text is cleaned once (`cleanText`).
 */
export function cleanColumns(texts: ArrayLike<string | undefined>, line: number): { record: FacilityRecord } | { rejected: RejectedRow } {
  const reject = (column: ColumnName | null, reason: string) => ({ rejected: { line, column, reason } });
  const values = cleanedValues; // only read below, before returning: reused row after row
  let empty = true;
  for (let i = 0; i < COLUMNS.length; i++) {
    const v = cleanText(texts[i]);
    values[i] = v;
    if (v !== null) empty = false;
  }
  if (empty) return reject(null, 'empty row');
  for (let i = 0; i < COLUMNS.length; i++) {
    const v = values[i];
    if (v !== null && v !== undefined && v.length > MAX_TEXT_LENGTH) return reject(COLUMNS[i] ?? null, `longer than ${MAX_TEXT_LENGTH} characters`);
  }

  let rating: number | null = null;
  const ratingText = values[AT.rating] ?? null;
  if (ratingText !== null) {
    rating = parseNumber(ratingText);
    if (Number.isNaN(rating)) return reject('rating', `expected a number from 1 to 5, got "${ratingText}"`);
    if (rating < 1 || rating > 5) return reject('rating', `expected a number from 1 to 5, got ${rating}`);
  }

  let latitude: number | null = null;
  let longitude: number | null = null;
  const latText = values[AT.latitude] ?? null;
  if (latText !== null) {
    latitude = parseNumber(latText);
    if (Number.isNaN(latitude)) return reject('latitude', `expected a number in degrees, got "${latText}"`);
  }
  const lonText = values[AT.longitude] ?? null;
  if (lonText !== null) {
    longitude = parseNumber(lonText);
    if (Number.isNaN(longitude)) return reject('longitude', `expected a number in degrees, got "${lonText}"`);
  }
  if (latitude === null || longitude === null || !insideUganda(latitude, longitude)) {
    latitude = null;
    longitude = null;
  }

  let careSystem: CareSystem | null = null;
  const careText = values[AT.care_system] ?? null;
  if (careText !== null) {
    const parsed = parseCareSystem(careText);
    if (parsed === undefined) return reject('care_system', `expected one of ${CARE_SYSTEMS.join(', ')}, got "${careText}"`);
    careSystem = parsed;
  }

  return {
    record: {
      facilityName: values[AT.facility_name] ?? null,
      services: values[AT.services] ?? null,
      latitude,
      longitude,
      rating,
      operatingHours: values[AT.operating_hours] ?? null,
      website: values[AT.website] ?? null,
      phoneNumber: values[AT.phone_number] ?? null,
      careSystem,
      subcounty: values[AT.subcounty] ?? null,
    },
  };
}

const STRING_FIELDS = ['facilityName', 'services', 'operatingHours', 'website', 'phoneNumber', 'subcounty'] as const;
const NUMBER_RANGES = [['latitude', -90, 90], ['longitude', -180, 180], ['rating', 1, 5]] as const;

/** Input validation for prediction (used by GraphQL too): null when valid, else the first problem. */
export function validateFacilityInput(input: Partial<FacilityRecord>): { field: string; message: string } | null {
  return firstInputProblem(input, false);
}

/**
 * The part of `validateFacilityInput` a typed schema cannot express (GraphQL has already checked
 * that texts are strings, numbers finite and the care system one of the enum's): text lengths and
 * number ranges, in the same order, with the same messages.
 */
export function checkTypedFacilityInput(input: Partial<FacilityRecord>): { field: string; message: string } | null {
  return firstInputProblem(input, true);
}

function firstInputProblem(input: Partial<FacilityRecord>, typed: boolean): { field: string; message: string } | null {
  for (const field of STRING_FIELDS) {
    const v = input[field];
    if (v === undefined || v === null) continue;
    if (!typed && typeof v !== 'string') return { field, message: `${field} must be a string` };
    if (v.length > MAX_TEXT_LENGTH) return { field, message: `${field} must be at most ${MAX_TEXT_LENGTH} characters` };
  }
  for (const [field, min, max] of NUMBER_RANGES) {
    const v = input[field];
    if (v === undefined || v === null) continue;
    if (!typed && (typeof v !== 'number' || !Number.isFinite(v))) return { field, message: `${field} must be a finite number` };
    if (v < min || v > max) return { field, message: `${field} must be between ${min} and ${max}` };
  }
  const cs = input.careSystem;
  if (!typed && cs !== undefined && cs !== null && !(CARE_SYSTEMS as readonly string[]).includes(cs)) {
    return { field: 'careSystem', message: `careSystem must be one of ${CARE_SYSTEMS.join(', ')}` };
  }
  return null;
}

/**
 * Turns validated prediction input into a record with the same cleaning as the CSV path
 * (mojibake, placeholders, care-system case, coordinates outside Uganda become missing).
 */
export function normalizeFacilityInput(input: Partial<FacilityRecord>): FacilityRecord {
  const text = (v: string | null | undefined) => cleanText(v ?? null);
  let latitude = input.latitude ?? null;
  let longitude = input.longitude ?? null;
  if (latitude === null || longitude === null || !insideUganda(latitude, longitude)) {
    latitude = null;
    longitude = null;
  }
  const care = input.careSystem ? parseCareSystem(input.careSystem) ?? null : null;
  return {
    facilityName: text(input.facilityName),
    services: text(input.services),
    latitude,
    longitude,
    rating: input.rating ?? null,
    operatingHours: text(input.operatingHours),
    website: text(input.website),
    phoneNumber: text(input.phoneNumber),
    careSystem: care,
    subcounty: text(input.subcounty),
  };
}

/** Key under which rows count as duplicates: same normalised name and same coordinates. */
export function duplicateKey(record: FacilityRecord): string | null {
  if (record.facilityName === null || record.latitude === null || record.longitude === null) return null;
  const name = record.facilityName.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
  return `${name}|${record.latitude.toFixed(5)}|${record.longitude.toFixed(5)}`;
}

/**
 * Collapses rows with the same name and coordinates into one. The first labeled row of a group
 * wins (a label is worth more than an earlier unlabeled copy); otherwise the first row.
 */
export function collapseDuplicates<T extends { record: FacilityRecord }>(rows: readonly T[]): { rows: T[]; collapsed: number } {
  const chosen = new Map<string, number>();
  const out: (T | null)[] = [];
  for (const row of rows) {
    const key = duplicateKey(row.record);
    if (key === null) {
      out.push(row);
      continue;
    }
    const at = chosen.get(key);
    if (at === undefined) {
      chosen.set(key, out.length);
      out.push(row);
    } else if (out[at]?.record.rating === null && row.record.rating !== null) {
      out[at] = row;
    }
  }
  const kept = out.filter((r): r is T => r !== null);
  return { rows: kept, collapsed: rows.length - kept.length };
}
