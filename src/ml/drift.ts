/**
 * Data drift: how an upload's features differ from the data a model was trained on.
 *
 * A model keeps a profile of its training split (profileRecords: a histogram per feature, fitted
 * on the training split only, like the features). An upload is binned the same way and each
 * feature compared with the Population Stability Index:
 *
 *   PSI = Σ (p_upload − p_train) · ln(p_upload / p_train)      (bins smoothed by PSI_EPSILON)
 *
 * Glossary
 * - profile: per feature, bin labels (numeric: quantile edges of the training split) and the
 *   training split's share in each bin. Plain JSON, kept with the model.
 * - drifted: PSI ≥ PSI_DRIFT (0.2). The customary reading: < 0.1 stable, 0.1–0.2 a moderate
 *   shift, ≥ 0.2 a shift a model's quality should be checked against.
 * - verdict: DRIFT when any feature is drifted, STABLE otherwise, INSUFFICIENT_DATA below
 *   MIN_DRIFT_ROWS rows (a histogram of a few rows differs from any other by chance alone).
 */
import { parseOperatingHours } from './hours.js';
import { nameTypeTokens, normalizeService, splitServices } from './features.js';
import { CARE_SYSTEMS, LABELS, labelForRating, type FacilityRecord } from './types.js';

export const PSI_DRIFT = 0.2;
export const PSI_MODERATE = 0.1;
export const PSI_EPSILON = 1e-4;
export const MIN_DRIFT_ROWS = 30;
export const DRIFT_PROFILE_VERSION = 1;

/** The features compared, in the order a report lists them when their PSI ties. */
export const DRIFT_FEATURES = ['latitude', 'longitude', 'careSystem', 'subcounty', 'services', 'operatingHours', 'nameTokens', 'label'] as const;
export type DriftFeature = (typeof DRIFT_FEATURES)[number];

const QUANTILE_BINS = 10;
const TOP_CATEGORIES = 30;
const MISSING = '(missing)';
const OTHER = '(other)';

export interface FeatureHistogram {
  kind: 'numeric' | 'categorical';
  /** numeric: the inner bin edges (QUANTILE_BINS − 1 of them, ascending) */
  edges?: number[];
  /** bin labels: numeric "[a, b)" ranges then MISSING; categorical values then OTHER and MISSING */
  bins: string[];
  /** the training split's share of each bin (sums to 1 over the rows that have the feature) */
  shares: number[];
}

export interface DriftProfile {
  version: number;
  rows: number;
  features: Partial<Record<DriftFeature, FeatureHistogram>>;
}

export interface FeatureDrift {
  feature: DriftFeature;
  psi: number;
  drifted: boolean;
  bins: Array<{ bin: string; reference: number; current: number }>;
}

export type DriftVerdict = 'STABLE' | 'DRIFT' | 'INSUFFICIENT_DATA';

export interface DriftReport {
  verdict: DriftVerdict;
  rows: number;
  referenceRows: number;
  threshold: number;
  /** drifted first, then by PSI, highest first */
  features: FeatureDrift[];
}

/** The value(s) of one feature for one record: a number, categories, or null when missing. */
type Extracted = number | string[] | null;

function hoursCategory(text: string | null): string[] | null {
  const parsed = parseOperatingHours(text);
  if (parsed.missing) return null;
  if (parsed.days24h >= 7) return ['always open'];
  if (parsed.weeklyHours === 0) return ['closed'];
  if (parsed.weeklyHours < 40) return ['under 40 h/week'];
  if (parsed.weeklyHours < 60) return ['40–60 h/week'];
  if (parsed.weeklyHours < 100) return ['60–100 h/week'];
  return ['100+ h/week'];
}

const EXTRACT: Record<DriftFeature, (r: FacilityRecord) => Extracted> = {
  latitude: (r) => r.latitude,
  longitude: (r) => r.longitude,
  careSystem: (r) => (r.careSystem === null ? null : [r.careSystem]),
  subcounty: (r) => (r.subcounty === null ? null : [r.subcounty.trim().toLowerCase()]),
  services: (r) => {
    const items = [...new Set(splitServices(r.services).map(normalizeService))].filter((s) => s !== '');
    return items.length === 0 ? null : items;
  },
  operatingHours: (r) => hoursCategory(r.operatingHours),
  nameTokens: (r) => {
    if (r.facilityName === null) return null;
    const tokens = nameTypeTokens(r.facilityName);
    return tokens.length === 0 ? ['(none)'] : tokens;
  },
  label: (r) => (r.rating === null ? null : [labelForRating(r.rating)]),
};

function quantileEdges(values: number[]): number[] {
  const sorted = [...values].sort((a, b) => a - b);
  const edges: number[] = [];
  for (let i = 1; i < QUANTILE_BINS; i++) {
    const edge = sorted[Math.min(sorted.length - 1, Math.floor((i * sorted.length) / QUANTILE_BINS))] as number;
    if (edges.length === 0 || edge > (edges[edges.length - 1] as number)) edges.push(edge);
  }
  return edges;
}

function numericBinLabels(edges: number[]): string[] {
  const bounds = [-Infinity, ...edges, Infinity];
  const fmt = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : x > 0 ? '∞' : '−∞');
  return bounds.slice(0, -1).map((low, i) => `[${fmt(low)}, ${fmt(bounds[i + 1] as number)})`);
}

function binIndex(edges: number[], value: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (value >= (edges[mid] as number)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Adds one record to the bin counts of `histogram` (the last bin is MISSING). */
function binCounter(feature: DriftFeature, histogram: Pick<FeatureHistogram, 'kind' | 'edges' | 'bins'>): { counts: number[]; add: (record: FacilityRecord) => void } {
  const counts = new Array<number>(histogram.bins.length).fill(0);
  const missing = histogram.bins.length - 1;
  const index = new Map(histogram.bins.map((b, i) => [b, i]));
  const other = index.get(OTHER);
  const add = (record: FacilityRecord): void => {
    const value = EXTRACT[feature](record);
    if (value === null) {
      counts[missing] = (counts[missing] ?? 0) + 1;
    } else if (typeof value === 'number') {
      const i = binIndex(histogram.edges ?? [], value);
      counts[i] = (counts[i] ?? 0) + 1;
    } else {
      // A multi-valued row (services, name tokens) spreads one unit over its values.
      for (const v of value) {
        const i = index.get(v) ?? other ?? missing;
        counts[i] = (counts[i] ?? 0) + 1 / value.length;
      }
    }
  };
  return { counts, add };
}

/** Counts of each bin of `histogram` over `records` (the last bin is MISSING). */
function countBins(feature: DriftFeature, histogram: Pick<FeatureHistogram, 'kind' | 'edges' | 'bins'>, records: readonly FacilityRecord[]): number[] {
  const counter = binCounter(feature, histogram);
  for (const record of records) counter.add(record);
  return counter.counts;
}

/** Features compared among the rows that have them: an unlabeled row is normal, not a shift. */
const COMPARED_WHEN_PRESENT: ReadonlySet<DriftFeature> = new Set(['label']);

function binShares(feature: DriftFeature, counts: number[]): number[] {
  if (COMPARED_WHEN_PRESENT.has(feature)) counts[counts.length - 1] = 0;
  return shares(counts);
}

function shares(counts: number[]): number[] {
  const total = counts.reduce((a, b) => a + b, 0);
  return counts.map((c) => (total === 0 ? 0 : c / total));
}

/** The training split's profile: what an upload is later compared with. */
export function profileRecords(records: readonly FacilityRecord[]): DriftProfile {
  const features: Partial<Record<DriftFeature, FeatureHistogram>> = {};
  for (const feature of DRIFT_FEATURES) {
    const values = records.map(EXTRACT[feature]);
    let histogram: Omit<FeatureHistogram, 'shares'>;
    if (feature === 'latitude' || feature === 'longitude') {
      const edges = quantileEdges(values.filter((v): v is number => typeof v === 'number'));
      histogram = { kind: 'numeric', edges, bins: [...numericBinLabels(edges), MISSING] };
    } else {
      const counts = new Map<string, number>();
      for (const v of values) if (Array.isArray(v)) for (const c of v) counts.set(c, (counts.get(c) ?? 0) + 1);
      const fixed: readonly string[] | null = feature === 'careSystem' ? CARE_SYSTEMS : feature === 'label' ? LABELS : null;
      const top = fixed ? [...fixed] : [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, TOP_CATEGORIES).map(([c]) => c);
      histogram = { kind: 'categorical', bins: [...top, OTHER, MISSING] };
    }
    features[feature] = { ...histogram, shares: binShares(feature, countBins(feature, histogram, records)) };
  }
  return { version: DRIFT_PROFILE_VERSION, rows: records.length, features };
}

export function psi(reference: readonly number[], current: readonly number[]): number {
  let total = 0;
  for (let i = 0; i < reference.length; i++) {
    const p = Math.max(current[i] ?? 0, PSI_EPSILON);
    const q = Math.max(reference[i] ?? 0, PSI_EPSILON);
    total += (p - q) * Math.log(p / q);
  }
  return total;
}

/**
 * An upload compared with a model's training profile, one record at a time (bounded memory for
 * any upload size); `report()` gives the same answer as `compareWithProfile` over the same records.
 */
export class DriftComparison {
  private rows = 0;
  private readonly counters: Array<{ feature: DriftFeature; histogram: FeatureHistogram; counts: number[]; add: (record: FacilityRecord) => void }> = [];

  constructor(private readonly profile: DriftProfile) {
    for (const feature of DRIFT_FEATURES) {
      const histogram = profile.features[feature];
      if (histogram) this.counters.push({ feature, histogram, ...binCounter(feature, histogram) });
    }
  }

  add(record: FacilityRecord): void {
    this.rows++;
    for (const counter of this.counters) counter.add(record);
  }

  report(): DriftReport {
    const features: FeatureDrift[] = [];
    for (const { feature, histogram, counts } of this.counters) {
      // An upload without labels says nothing about label shift (unlabeled rows are normal).
      if (feature === 'label' && counts.slice(0, -1).every((c) => c === 0)) continue;
      const current = binShares(feature, [...counts]);
      const value = psi(histogram.shares, current);
      features.push({
        feature,
        psi: value,
        drifted: value >= PSI_DRIFT,
        bins: histogram.bins.map((bin, i) => ({ bin, reference: histogram.shares[i] ?? 0, current: current[i] ?? 0 })),
      });
    }
    features.sort((a, b) => Number(b.drifted) - Number(a.drifted) || b.psi - a.psi);
    const verdict: DriftVerdict = this.rows < MIN_DRIFT_ROWS ? 'INSUFFICIENT_DATA' : features.some((f) => f.drifted) ? 'DRIFT' : 'STABLE';
    return { verdict, rows: this.rows, referenceRows: this.profile.rows, threshold: PSI_DRIFT, features };
  }
}

/** Compares `records` (an upload) with a model's training profile, feature by feature. */
export function compareWithProfile(profile: DriftProfile, records: readonly FacilityRecord[]): DriftReport {
  const comparison = new DriftComparison(profile);
  for (const record of records) comparison.add(record);
  return comparison.report();
}
