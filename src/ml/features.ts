/**
 * Feature engineering: everything is fitted on the training split only (fitFeatureState) and saved
 * as JSON; FeatureEncoder turns one record into a fixed-length Float32 vector in microseconds.
 */
import { parseOperatingHours, type ParsedHours } from './hours.js';
import { fitLocationState, normalizeSubcounty, pointKey, LOCATION_K, LOCATION_FEATURE_NAMES, LocationIndex, locationFeatureCount, type LocationState } from './location.js';
import { CARE_SYSTEMS, LABELS, type FacilityRecord } from './types.js';

/** 2 adds the location-aware features (`location`); version-1 states (older bundles) still load, without them. */
export const FEATURE_STATE_VERSION = 2;
const SUPPORTED_STATE_VERSIONS = [1, 2];

export interface FeatureState {
  version: number;
  coordinates: { latMean: number; latStd: number; lonMean: number; lonStd: number };
  subcountyBuckets: number;
  /** normalised service names, multi-hot */
  services: string[];
  /** facility-type tokens found in names, multi-hot (fixed list, stored for traceability) */
  nameTokens: string[];
  /** coordinates ("lat|lon" at 4 decimals) shared by many training rows: the source's placeholder points */
  frequentPoints: string[];
  /** one name per feature column, in order */
  featureNames: string[];
  /** training points, their labels and subcounty label counts (version 2; see location.ts) */
  location?: LocationState;
}

export interface FeatureFitOptions {
  subcountyBuckets?: number;
  minServiceCount?: number;
  maxServices?: number;
  minPointCount?: number;
  maxPoints?: number;
}

const NAME_TOKENS: readonly [string, RegExp][] = [
  ['hc_iv', /\bhc\s*(iv|4)\b/],
  ['hc_iii', /\bhc\s*(iii|3)\b/],
  ['hc_ii', /\bhc\s*(ii|2)\b/],
  ['health_centre', /\bhc\b/],
  ['hospital', /\bhospital\b/],
  ['referral', /\breferral\b/],
  ['clinic', /\bclinic\b/],
  ['polyclinic', /\bpolyclinic\b/],
  ['medical_centre', /\bmedical cent(re|er)\b/],
  ['drug_shop', /\bdrug\s*shop\b/],
  ['pharmacy', /\bpharmac(y|ies)\b|\bchemist\b/],
  ['maternity', /\bmaternity\b|\bmaternal\b|\bbirth\b/],
  ['nursing_home', /\bnursing home\b/],
  ['dental', /\bdental\b|\bdentist/],
  ['laboratory', /\blab\b|\blaborator|\bdiagnostic/],
  ['eye', /\beye\b|\boptic/],
  ['faith', /\b(st|saint|mission|church|catholic|islamic|muslim|adventist|cou|mosque|christian)\b/],
  ['prison_army', /\b(prison|prisons|army|police|updf|barracks)\b/],
  ['domiciliary', /\bdomiciliary\b/],
];

const SERVICE_STOPWORDS = new Set(['service', 'services', 'care', 'department', 'dept', 'unit', 'the', 'of', 'for', 'and', 'clinic', 'clinics']);
const SERVICE_SYNONYMS: Record<string, string> = {
  opd: 'outpatient', ipd: 'inpatient', lab: 'laboratory', maternal: 'maternity', anc: 'antenatal',
  xray: 'x ray', immunisation: 'immunization', paediatric: 'pediatric', paediatrics: 'pediatric', pediatrics: 'pediatric',
  gynaecology: 'gynecology', obstetric: 'obstetrics', counselling: 'counseling', hiv: 'hiv', aid: 'aids',
};

/** Normalises a name so spellings of "Health Centre III", "H/C 3" and "HC III" agree. */
export function normalizeName(name: string): string {
  return name
    .toLowerCase()
    .replace(/health\s*cent(re|er)|h\s*\/\s*c|\bh\.c\.?/g, 'hc')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** Facility-type tokens of a name (HC II/III/IV, clinic, hospital, drug shop, pharmacy, ...). */
export function nameTypeTokens(name: string | null): string[] {
  if (name === null) return [];
  const n = normalizeName(name);
  return NAME_TOKENS.filter(([, re]) => re.test(n)).map(([t]) => t);
}

/** Normalised form of one service name: case, punctuation, plurals and common synonyms folded. */
export function normalizeService(item: string): string {
  const words = item
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/x-ray/g, 'xray')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .split(' ')
    .filter((w) => w !== '');
  const out: string[] = [];
  for (let w of words) {
    if (w.length > 4 && w.endsWith('s') && !w.endsWith('ss') && !w.endsWith('is') && !w.endsWith('us')) w = w.slice(0, -1);
    w = SERVICE_SYNONYMS[w] ?? w;
    if (!SERVICE_STOPWORDS.has(w)) out.push(w);
  }
  return out.join(' ');
}

export function splitServices(services: string | null): string[] {
  if (services === null) return [];
  return services.split(/[,;]/).map((s) => s.trim()).filter((s) => s !== '');
}

export { pointKey };

/** FNV-1a, 32 bit: a stable hash for the subcounty hashing trick. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}


function meanStd(values: number[]): { mean: number; std: number } {
  if (values.length === 0) return { mean: 0, std: 1 };
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length;
  const std = Math.sqrt(variance);
  return { mean, std: std > 1e-9 ? std : 1 };
}

function topByCount(counts: Map<string, number>, min: number, max: number): string[] {
  return [...counts.entries()]
    .filter(([k, c]) => c >= min && k !== '')
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, max)
    .map(([k]) => k);
}

/**
 * Fits the feature state on the TRAINING records only. With `labels` (class indices of `train`),
 * the state includes the location-aware features, fitted on those labels.
 */
export function fitFeatureState(train: readonly FacilityRecord[], opts: FeatureFitOptions = {}, labels?: readonly number[]): FeatureState {
  const subcountyBuckets = opts.subcountyBuckets ?? 32;
  const lats: number[] = [];
  const lons: number[] = [];
  const serviceCounts = new Map<string, number>();
  const pointCounts = new Map<string, number>();
  for (const r of train) {
    if (r.latitude !== null && r.longitude !== null) {
      lats.push(r.latitude);
      lons.push(r.longitude);
      const key = pointKey(r.latitude, r.longitude);
      pointCounts.set(key, (pointCounts.get(key) ?? 0) + 1);
    }
    for (const s of new Set(splitServices(r.services).map(normalizeService))) serviceCounts.set(s, (serviceCounts.get(s) ?? 0) + 1);
  }
  const lat = meanStd(lats);
  const lon = meanStd(lons);
  const services = topByCount(serviceCounts, opts.minServiceCount ?? 5, opts.maxServices ?? 150);
  const frequentPoints = topByCount(pointCounts, opts.minPointCount ?? 3, opts.maxPoints ?? 100);
  const nameTokens = NAME_TOKENS.map(([t]) => t);
  const featureNames = [
    'lat_z', 'lon_z', 'coords_missing',
    ...CARE_SYSTEMS.map((c) => `care_${c}`), 'care_missing',
    ...Array.from({ length: subcountyBuckets }, (_, i) => `subcounty_hash_${i}`), 'subcounty_missing',
    ...services.map((s) => `service:${s}`), 'service_count', 'services_missing',
    'hours_days_24h', 'hours_days_closed', 'hours_weekly', 'hours_missing',
    'phone_present', 'website_present',
    ...nameTokens.map((t) => `name:${t}`), 'name_missing',
    ...frequentPoints.map((p) => `point:${p}`), 'point_shared',
    ...(labels ? LOCATION_FEATURE_NAMES(LOCATION_K, LABELS) : []),
  ];
  return {
    version: labels ? FEATURE_STATE_VERSION : 1,
    ...(labels ? { location: fitLocationState(train, labels, LABELS.length, LOCATION_K) } : {}),
    coordinates: { latMean: lat.mean, latStd: lat.std, lonMean: lon.mean, lonStd: lon.std },
    subcountyBuckets,
    services,
    nameTokens,
    frequentPoints,
    featureNames,
  };
}

const CACHE_LIMIT = 20_000;
const NO_SERVICES = { slots: [], items: 0 } as const;

/** Encodes records with a fitted FeatureState. Lookup tables are built once, here. */
export class FeatureEncoder {
  readonly featureCount: number;
  private readonly serviceIndex = new Map<string, number>();
  private readonly pointIndex = new Map<string, number>();
  private readonly rawServiceCache = new Map<string, number>();
  /** services text → its service slots (-1: not in the vocabulary) and item count */
  private readonly servicesCache = new Map<string, { slots: readonly number[]; items: number }>();
  /** coordinates → frequent-point slot (-1: none), by number (no key string per row) */
  private readonly pointCache = new Map<number, Map<number, number>>();
  private pointsCached = 0;
  private readonly subcountyCache = new Map<string, number>();
  private readonly nameCache = new Map<string, readonly number[]>();
  private readonly hoursCache = new Map<string, ParsedHours>();
  private readonly tokenIndex: Map<string, number>;
  private readonly off: { care: number; sub: number; svc: number; hours: number; contact: number; name: number; point: number; location: number };
  private readonly location: LocationIndex | null;

  constructor(readonly state: FeatureState) {
    if (!SUPPORTED_STATE_VERSIONS.includes(state.version)) throw new Error(`unsupported feature state version ${state.version}, expected one of ${SUPPORTED_STATE_VERSIONS.join(', ')}`);
    if (state.version >= 2 && !state.location) throw new Error('feature state version 2 has no location state');
    this.location = state.location ? new LocationIndex(state.location) : null;
    state.services.forEach((s, i) => this.serviceIndex.set(s, i));
    state.frequentPoints.forEach((p, i) => this.pointIndex.set(p, i));
    this.tokenIndex = new Map(state.nameTokens.map((t, i) => [t, i]));
    const care = 3;
    const sub = care + CARE_SYSTEMS.length + 1;
    const svc = sub + state.subcountyBuckets + 1;
    const hours = svc + state.services.length + 2;
    const contact = hours + 4;
    const name = contact + 2;
    const point = name + state.nameTokens.length + 1;
    const location = point + state.frequentPoints.length + 1;
    this.off = { care, sub, svc, hours, contact, name, point, location };
    this.featureCount = location + (this.location ? locationFeatureCount(LABELS.length) : 0);
    if (this.featureCount !== state.featureNames.length) throw new Error(`feature state is inconsistent: ${state.featureNames.length} names for ${this.featureCount} features`);
  }

  private serviceSlot(item: string): number {
    let slot = this.rawServiceCache.get(item);
    if (slot === undefined) {
      slot = this.serviceIndex.get(normalizeService(item)) ?? -1;
      if (this.rawServiceCache.size < CACHE_LIMIT) this.rawServiceCache.set(item, slot);
    }
    return slot;
  }

  private servicesOf(text: string | null): { slots: readonly number[]; items: number } {
    if (text === null) return NO_SERVICES;
    let found = this.servicesCache.get(text);
    if (found === undefined) {
      const items = splitServices(text);
      found = { slots: items.map((item) => this.serviceSlot(item)), items: items.length };
      if (this.servicesCache.size < CACHE_LIMIT) this.servicesCache.set(text, found);
    }
    return found;
  }

  private pointSlot(lat: number, lon: number): number {
    let byLon = this.pointCache.get(lat);
    let slot = byLon?.get(lon);
    if (slot === undefined) {
      slot = this.pointIndex.get(pointKey(lat, lon)) ?? -1;
      if (this.pointsCached < CACHE_LIMIT) {
        if (!byLon) this.pointCache.set(lat, (byLon = new Map()));
        byLon.set(lon, slot);
        this.pointsCached++;
      }
    }
    return slot;
  }

  private subcountyBucket(name: string): number {
    let b = this.subcountyCache.get(name);
    if (b === undefined) {
      b = fnv1a(normalizeSubcounty(name)) % this.state.subcountyBuckets;
      if (this.subcountyCache.size < CACHE_LIMIT) this.subcountyCache.set(name, b);
    }
    return b;
  }

  private nameSlots(name: string): readonly number[] {
    let slots = this.nameCache.get(name);
    if (slots === undefined) {
      slots = nameTypeTokens(name).map((t) => this.tokenIndex.get(t) ?? -1).filter((i) => i >= 0);
      if (this.nameCache.size < CACHE_LIMIT) this.nameCache.set(name, slots);
    }
    return slots;
  }

  private hours(text: string | null): ParsedHours {
    if (text === null) return parseOperatingHours(null);
    let h = this.hoursCache.get(text);
    if (h === undefined) {
      h = parseOperatingHours(text);
      if (this.hoursCache.size < CACHE_LIMIT) this.hoursCache.set(text, h);
    }
    return h;
  }

  /** Writes the features of one record into out[offset..offset+featureCount). */
  encodeInto(r: FacilityRecord, out: Float32Array, offset: number): void {
    this.encodeRow(r, out, offset, -1, -1);
  }

  /**
   * Encodes the TRAINING records the state was fitted on (same records, same order, labels as
   * class indices): location features leave each row's own label out, as if it were a new row at
   * its place (without it, the model would learn to read its own label back).
   */
  encodeTraining(train: readonly FacilityRecord[], labels: readonly number[]): Float32Array {
    const out = new Float32Array(train.length * this.featureCount);
    let point = 0;
    train.forEach((r, i) => {
      const hasPoint = r.latitude !== null && r.longitude !== null;
      this.encodeRow(r, out, i * this.featureCount, hasPoint ? point : -1, labels[i] ?? -1);
      if (hasPoint) point++;
    });
    return out;
  }

  private encodeRow(r: FacilityRecord, out: Float32Array, offset: number, ownPoint: number, ownLabel: number): void {
    out.fill(0, offset, offset + this.featureCount);
    const { coordinates: c } = this.state;
    const o = this.off;
    if (r.latitude !== null && r.longitude !== null) {
      out[offset] = (r.latitude - c.latMean) / c.latStd;
      out[offset + 1] = (r.longitude - c.lonMean) / c.lonStd;
      const p = this.pointSlot(r.latitude, r.longitude);
      if (p >= 0) {
        out[offset + o.point + p] = 1;
        out[offset + o.point + this.state.frequentPoints.length] = 1;
      }
    } else {
      out[offset + 2] = 1;
    }
    const care = r.careSystem === null ? -1 : CARE_SYSTEMS.indexOf(r.careSystem);
    out[offset + o.care + (care < 0 ? CARE_SYSTEMS.length : care)] = 1;
    out[offset + o.sub + (r.subcounty === null ? this.state.subcountyBuckets : this.subcountyBucket(r.subcounty))] = 1;

    const services = this.servicesOf(r.services);
    for (const slot of services.slots) if (slot >= 0) out[offset + o.svc + slot] = 1;
    const nSvc = this.state.services.length;
    out[offset + o.svc + nSvc] = Math.log1p(services.items) / Math.log(16);
    out[offset + o.svc + nSvc + 1] = services.items === 0 ? 1 : 0;

    const h = this.hours(r.operatingHours);
    out[offset + o.hours] = h.days24h / 7;
    out[offset + o.hours + 1] = h.daysClosed / 7;
    out[offset + o.hours + 2] = h.weeklyHours / 168;
    out[offset + o.hours + 3] = h.missing ? 1 : 0;

    out[offset + o.contact] = r.phoneNumber !== null ? 1 : 0;
    out[offset + o.contact + 1] = r.website !== null ? 1 : 0;

    if (r.facilityName === null) out[offset + o.name + this.state.nameTokens.length] = 1;
    else for (const s of this.nameSlots(r.facilityName)) out[offset + o.name + s] = 1;

    this.location?.encodeInto(r.latitude, r.longitude, r.subcounty, out, offset + o.location, ownPoint, ownLabel);
  }

  /** Encodes many records into one row-major matrix. */
  encodeMany(records: readonly FacilityRecord[]): Float32Array {
    const out = new Float32Array(records.length * this.featureCount);
    records.forEach((r, i) => this.encodeInto(r, out, i * this.featureCount));
    return out;
  }
}
