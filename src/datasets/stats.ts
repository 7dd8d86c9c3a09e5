/**
 * Dataset statistics for the UI, computed once at upload time and stored in dataset.stats (jsonb).
 * Pure: records in, a JSON-safe object out.
 */
import { CARE_SYSTEMS, LABELS, labelForRating, type FacilityRecord, type RatingClass } from '../ml/index.js';

export interface DatasetStats {
  rows: number;
  labeledRows: number;
  unlabeledRows: number;
  labelDistribution: Array<{ label: RatingClass; count: number }>;
  missingRates: Array<{ column: string; missingRate: number }>;
  careSystemCounts: Array<{ name: string; count: number }>;
  topServices: Array<{ name: string; count: number }>;
  ratingHistogram: Array<{ from: number; to: number; count: number }>;
  /** up to POINTS_STORED points, evenly sampled; the query's `limit` trims further */
  points: Array<{ latitude: number; longitude: number; label: RatingClass | null }>;
}

export const POINTS_STORED = 5000;
const TOP_SERVICES = 15;

/** Dataset columns and the record field each comes from (missing = null or empty). */
const COLUMN_FIELDS: Array<[string, keyof FacilityRecord]> = [
  ['facility_name', 'facilityName'],
  ['services', 'services'],
  ['latitude', 'latitude'],
  ['longitude', 'longitude'],
  ['rating', 'rating'],
  ['operating_hours', 'operatingHours'],
  ['website', 'website'],
  ['phone_number', 'phoneNumber'],
  ['care_system', 'careSystem'],
  ['subcounty', 'subcounty'],
];

const round = (n: number, digits = 4) => Math.round(n * 10 ** digits) / 10 ** digits;

/**
 * Statistics built one record at a time, so a dataset of any size is described with bounded
 * memory. `pointsTotal` (how many records have coordinates) spaces the stored points evenly; a
 * builder given no total keeps every point up to POINTS_STORED.
 */
export class DatasetStatsBuilder {
  private n = 0;
  private labeled = 0;
  private readonly labels = new Map<RatingClass, number>(LABELS.map((l) => [l, 0]));
  private readonly missing = new Map<string, number>(COLUMN_FIELDS.map(([c]) => [c, 0]));
  private readonly care = new Map<string, number>([...CARE_SYSTEMS.map((c): [string, number] => [c, 0]), ['UNKNOWN', 0]]);
  private readonly services = new Map<string, { name: string; count: number }>();
  // Bins of 0.5 from 1.0 to 5.0; the last bin includes 5.0.
  private readonly bins = Array.from({ length: 8 }, (_, i) => ({ from: 1 + i * 0.5, to: 1.5 + i * 0.5, count: 0 }));
  private readonly points: DatasetStats['points'] = [];
  private readonly pointStep: number;
  private pointIndex = 0;
  private nextPoint = 0;

  constructor(pointsTotal = POINTS_STORED) {
    this.pointStep = Math.max(1, pointsTotal / POINTS_STORED);
  }

  add(r: FacilityRecord): void {
    this.n++;
    for (const [column, field] of COLUMN_FIELDS) {
      const v = r[field];
      if (v === null || v === '') this.missing.set(column, (this.missing.get(column) ?? 0) + 1);
    }
    const label = r.rating === null ? null : labelForRating(r.rating);
    if (label) {
      this.labeled++;
      this.labels.set(label, (this.labels.get(label) ?? 0) + 1);
    }
    if (r.rating !== null) {
      const i = Math.min(7, Math.max(0, Math.floor((r.rating - 1) / 0.5)));
      const bin = this.bins[i];
      if (bin) bin.count++;
    }
    const cs = r.careSystem ?? 'UNKNOWN';
    this.care.set(cs, (this.care.get(cs) ?? 0) + 1);
    // Each service counted once per facility; case-insensitive, first spelling kept.
    const seen = new Set<string>();
    for (const raw of (r.services ?? '').split(',')) {
      const name = raw.trim();
      const key = name.toLowerCase();
      if (!name || seen.has(key)) continue;
      seen.add(key);
      const entry = this.services.get(key);
      if (entry) entry.count++;
      else this.services.set(key, { name, count: 1 });
    }
    if (r.latitude !== null && r.longitude !== null) {
      // the points at indices ⌊k·step⌋, k = 0, 1, …: evenly spaced over all points
      if (this.pointIndex === Math.floor(this.nextPoint) && this.points.length < POINTS_STORED) {
        this.points.push({ latitude: r.latitude, longitude: r.longitude, label });
        this.nextPoint += this.pointStep;
      }
      this.pointIndex++;
    }
  }

  result(): DatasetStats {
    const n = this.n;
    return {
      rows: n,
      labeledRows: this.labeled,
      unlabeledRows: n - this.labeled,
      labelDistribution: LABELS.map((label) => ({ label, count: this.labels.get(label) ?? 0 })),
      missingRates: COLUMN_FIELDS.map(([column]) => ({ column, missingRate: n === 0 ? 0 : round((this.missing.get(column) ?? 0) / n) })),
      careSystemCounts: [...this.care].map(([name, count]) => ({ name, count })).filter((c) => c.count > 0 || c.name !== 'UNKNOWN'),
      topServices: [...this.services.values()].sort((a, b) => b.count - a.count || a.name.localeCompare(b.name)).slice(0, TOP_SERVICES),
      ratingHistogram: this.bins,
      points: this.points,
    };
  }
}

export function computeDatasetStats(records: readonly FacilityRecord[]): DatasetStats {
  const pointsTotal = records.reduce((n, r) => n + (r.latitude !== null && r.longitude !== null ? 1 : 0), 0);
  const builder = new DatasetStatsBuilder(pointsTotal);
  for (const r of records) builder.add(r);
  return builder.result();
}
