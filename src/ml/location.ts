/**
 * Location-aware features: what the training split says about a facility's place.
 *
 * In the shared data most labeled facilities share their exact coordinates with others, and such a
 * group almost always carries one rating class (328 of 332 same-point groups agree), so "which
 * training rows sit here or nearby, and what were they rated" is the strongest signal there is.
 * Standardized latitude/longitude cannot express it; these features can:
 * - same point: how many training rows sit at these coordinates (4 decimals) and their smoothed
 *   class distribution;
 * - k nearest training facilities (haversine): smoothed class distribution, nearest and mean distance;
 * - subcounty: smoothed class distribution of the training rows of the same subcounty (target encoding).
 * Unseen places get the training prior and "far"/"none" values, which is what the model sees for
 * training rows at singleton points too.
 *
 * Leakage: for a training row the features are computed leave-one-out (`encodeTraining`), so a row
 * never sees its own label; validation, test and served rows see all training rows.
 * Speed: training points sit in a 0.1° grid; a query scans rings of cells until the k-th distance
 * is closer than the ring, and results for a point are cached (most rows share points).
 */
import type { FacilityRecord } from './types.js';

export const LOCATION_K = 10;
/** pseudo-count of the prior mixed into every class distribution */
const SMOOTHING = 2;
const CELL_DEGREES = 0.1;
const EARTH_KM = 6371;
/** 1° of latitude in km; longitude cells are narrower by cos(lat), ≥ 0.997 inside Uganda (|lat| ≤ 4.3°) */
const KM_PER_DEGREE = (Math.PI / 180) * EARTH_KM;
const CACHE_LIMIT = 20_000;
const MIN_LON_SCALE = Math.cos((4.3 * Math.PI) / 180);

export interface LocationState {
  k: number;
  /** class prior of the training split (order of LABELS) */
  prior: number[];
  /** training rows with coordinates: [lat, lon, label] flattened */
  points: number[];
  /** normalised subcounty → class counts on the training split */
  subcounties: Record<string, number[]>;
}

export const LOCATION_FEATURE_NAMES = (k: number, classes: readonly string[]): string[] => [
  'loc_same_point_log_count', ...classes.map((c) => `loc_same_point_${c}`),
  ...classes.map((c) => `loc_knn${k}_${c}`), 'loc_nearest_km_log', 'loc_knn_mean_km_log',
  'loc_subcounty_log_count', ...classes.map((c) => `loc_subcounty_${c}`),
];

export function locationFeatureCount(classes: number): number {
  return 4 + 3 * classes;
}

/** A place: coordinates at 4 decimals (≈ 11 m). */
export function pointKey(lat: number, lon: number): string {
  return `${lat.toFixed(4)}|${lon.toFixed(4)}`;
}

export function normalizeSubcounty(s: string): string {
  return s.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
}

/** log-scaled distance: 0 km → 0, 1,000 km (beyond Uganda's extent) → 1; none found → 1 */
function distanceFeature(km: number): number {
  return Number.isFinite(km) ? Math.min(1, Math.log1p(km) / Math.log(1000)) : 1;
}

export function haversineKm(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const r = Math.PI / 180;
  const dLat = (lat2 - lat1) * r;
  const dLon = (lon2 - lon1) * r;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * r) * Math.cos(lat2 * r) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_KM * Math.asin(Math.min(1, Math.sqrt(a)));
}

/** Fits the location state on the TRAINING rows (labels as class indices). */
export function fitLocationState(train: readonly FacilityRecord[], labels: readonly number[], classes: number, k = LOCATION_K): LocationState {
  const prior = new Array<number>(classes).fill(0);
  const points: number[] = [];
  const subcounties: Record<string, number[]> = {};
  train.forEach((r, i) => {
    const y = labels[i] as number;
    prior[y] = (prior[y] ?? 0) + 1;
    if (r.latitude !== null && r.longitude !== null) points.push(r.latitude, r.longitude, y);
    if (r.subcounty !== null) {
      const key = normalizeSubcounty(r.subcounty);
      const counts = (subcounties[key] ??= new Array<number>(classes).fill(0));
      counts[y] = (counts[y] ?? 0) + 1;
    }
  });
  const n = train.length || 1;
  return { k, prior: prior.map((c) => (train.length === 0 ? 1 / classes : c / n)), points, subcounties };
}

interface Neighbours {
  /** class counts at the exact point */
  same: number[];
  sameCount: number;
  /** class counts of the k nearest */
  knn: number[];
  nearestKm: number;
  meanKm: number;
  found: number;
  /** sites (distinct coordinates) whose distance was computed: the grid's work; brute force would be every training point */
  scanned: number;
}

/**
 * Grid index over the training points plus the feature computation. Built once per encoder.
 * Rows at identical coordinates form one site (the shared file's placeholder points hold hundreds
 * of rows): one distance per site, its class counts added at once.
 */
export class LocationIndex {
  private readonly classes: number;
  private readonly label: Int32Array;
  /** per site: coordinates, place key, member rows (ascending), class counts */
  private readonly siteLat: number[] = [];
  private readonly siteLon: number[] = [];
  private readonly siteKey: string[] = [];
  private readonly siteMembers: number[][] = [];
  private readonly siteCounts: number[][] = [];
  private readonly siteOf: Int32Array;
  private readonly cells = new Map<number, number[]>();
  /** coordinate features of served points, latitude → longitude → values (numbers as keys: no string per row); most rows share a point */
  private readonly cache = new Map<number, Map<number, Float32Array>>();
  private cached = 0;
  /** raw subcounty text → its training class counts (undefined: not in training) */
  private readonly subcountyCache = new Map<string, number[] | undefined>();
  private readonly minCellX: number;
  private readonly maxCellX: number;
  private readonly minCellY: number;
  private readonly maxCellY: number;

  constructor(readonly state: LocationState) {
    this.classes = state.prior.length;
    const n = state.points.length / 3;
    this.label = new Int32Array(n);
    this.siteOf = new Int32Array(n);
    const siteIds = new Map<string, number>();
    let minX = Infinity;
    let maxX = -Infinity;
    let minY = Infinity;
    let maxY = -Infinity;
    for (let i = 0; i < n; i++) {
      const la = state.points[3 * i] as number;
      const lo = state.points[3 * i + 1] as number;
      const y0 = state.points[3 * i + 2] as number;
      this.label[i] = y0;
      const exact = `${la},${lo}`;
      let site = siteIds.get(exact);
      if (site === undefined) {
        site = this.siteLat.length;
        siteIds.set(exact, site);
        this.siteLat.push(la);
        this.siteLon.push(lo);
        this.siteKey.push(pointKey(la, lo));
        this.siteMembers.push([]);
        this.siteCounts.push(new Array<number>(this.classes).fill(0));
        const x = Math.floor(la / CELL_DEGREES);
        const y = Math.floor(lo / CELL_DEGREES);
        minX = Math.min(minX, x);
        maxX = Math.max(maxX, x);
        minY = Math.min(minY, y);
        maxY = Math.max(maxY, y);
        const cell = this.cellId(x, y);
        const list = this.cells.get(cell);
        if (list) list.push(site);
        else this.cells.set(cell, [site]);
      }
      this.siteOf[i] = site;
      (this.siteMembers[site] as number[]).push(i);
      const counts = this.siteCounts[site] as number[];
      counts[y0] = (counts[y0] as number) + 1;
    }
    this.minCellX = minX;
    this.maxCellX = maxX;
    this.minCellY = minY;
    this.maxCellY = maxY;
  }

  get pointCount(): number {
    return this.label.length;
  }

  private cellId(x: number, y: number): number {
    return (x + 10_000) * 100_000 + (y + 10_000);
  }

  /**
   * The exact-point and k-nearest neighbours of (lat, lon), leaving out training point `exclude`
   * (-1: none). Ties in distance go to the lower index, so every path gets the same neighbours.
   */
  neighbours(lat: number, lon: number, exclude: number): Neighbours {
    const k = this.state.k;
    const c = this.classes;
    const same = new Array<number>(c).fill(0);
    let sameCount = 0;
    const key = pointKey(lat, lon);
    const excludedSite = exclude >= 0 ? (this.siteOf[exclude] as number) : -1;
    // best k so far, sorted ascending by (distance, index)
    const bestD: number[] = [];
    const bestI: number[] = [];
    const cx = Math.floor(lat / CELL_DEGREES);
    const cy = Math.floor(lon / CELL_DEGREES);
    let scanned = 0;
    const maxRing = Math.max(this.maxCellX - cx, cx - this.minCellX, this.maxCellY - cy, cy - this.minCellY, 0);
    for (let ring = 0; ring <= maxRing; ring++) {
      for (let x = cx - ring; x <= cx + ring; x++) {
        for (let y = cy - ring; y <= cy + ring; y++) {
          if (Math.max(Math.abs(x - cx), Math.abs(y - cy)) !== ring) continue;
          const list = this.cells.get(this.cellId(x, y));
          if (!list) continue;
          for (const site of list) {
            if (this.siteKey[site] === key) {
              const counts = this.siteCounts[site] as number[];
              for (let j = 0; j < c; j++) same[j] = (same[j] as number) + (counts[j] as number);
              sameCount += (this.siteMembers[site] as number[]).length;
              if (site === excludedSite) {
                const own = this.label[exclude] as number;
                same[own] = (same[own] as number) - 1;
                sameCount--;
              }
            }
            const d = haversineKm(lat, lon, this.siteLat[site] as number, this.siteLon[site] as number);
            scanned++;
            // members share the distance and ascend: once one cannot enter the k best, none after it can
            for (const i of this.siteMembers[site] as number[]) {
              if (i === exclude) continue;
              if (bestD.length === k && (d > (bestD[k - 1] as number) || (d === bestD[k - 1] && i > (bestI[k - 1] as number)))) break;
              let pos = bestD.length;
              while (pos > 0 && ((bestD[pos - 1] as number) > d || (bestD[pos - 1] === d && (bestI[pos - 1] as number) > i))) pos--;
              bestD.splice(pos, 0, d);
              bestI.splice(pos, 0, i);
              if (bestD.length > k) {
                bestD.pop();
                bestI.pop();
              }
            }
          }
        }
      }
      // Any point outside this ring is at least `ring` cells away in latitude or longitude.
      const reach = ring * CELL_DEGREES * KM_PER_DEGREE * MIN_LON_SCALE;
      if (bestD.length === k && (bestD[k - 1] as number) < reach) break;
    }
    const knn = new Array<number>(c).fill(0);
    for (const i of bestI) {
      const l = this.label[i] as number;
      knn[l] = (knn[l] as number) + 1;
    }
    const found = bestD.length;
    return {
      same, sameCount, knn, found, scanned,
      nearestKm: found === 0 ? Infinity : (bestD[0] as number),
      meanKm: found === 0 ? Infinity : bestD.reduce((a, b) => a + b, 0) / found,
    };
  }

  private subcountyCounts(subcounty: string): number[] | undefined {
    if (this.subcountyCache.has(subcounty)) return this.subcountyCache.get(subcounty);
    const counts = this.state.subcounties[normalizeSubcounty(subcounty)];
    if (this.subcountyCache.size < CACHE_LIMIT) this.subcountyCache.set(subcounty, counts);
    return counts;
  }

  /** Writes locationFeatureCount(classes) values at out[offset...]. `exclude`: own training point index, or -1. */
  encodeInto(lat: number | null, lon: number | null, subcounty: string | null, out: Float32Array, offset: number, exclude = -1, excludeLabel = -1): void {
    const c = this.classes;
    const prior = this.state.prior;
    let o = offset;
    const coordinateValues = 2 * c + 3;
    const cacheable = lat !== null && lon !== null && exclude < 0;
    const cached = cacheable ? this.cache.get(lat)?.get(lon) : undefined;
    if (cached) {
      out.set(cached, o);
      o += coordinateValues;
    } else if (lat !== null && lon !== null && this.pointCount > 0) {
      const nb = this.neighbours(lat, lon, exclude);
      out[o++] = Math.log1p(nb.sameCount) / Math.log(64);
      for (let j = 0; j < c; j++) out[o++] = ((nb.same[j] as number) + SMOOTHING * (prior[j] as number)) / (nb.sameCount + SMOOTHING);
      for (let j = 0; j < c; j++) out[o++] = ((nb.knn[j] as number) + SMOOTHING * (prior[j] as number)) / (nb.found + SMOOTHING);
      out[o++] = distanceFeature(nb.nearestKm);
      out[o++] = distanceFeature(nb.meanKm);
      if (cacheable && this.cached < CACHE_LIMIT) {
        let byLon = this.cache.get(lat);
        if (!byLon) this.cache.set(lat, (byLon = new Map()));
        byLon.set(lon, out.slice(offset, o));
        this.cached++;
      }
    } else {
      // No coordinates: nothing at the point, the prior for the neighbourhood, "far" distances.
      out[o++] = 0;
      for (let j = 0; j < c; j++) out[o++] = prior[j] as number;
      for (let j = 0; j < c; j++) out[o++] = prior[j] as number;
      out[o++] = 1;
      out[o++] = 1;
    }
    const counts = subcounty === null ? undefined : this.subcountyCounts(subcounty);
    let n = 0;
    if (counts) for (let j = 0; j < c; j++) n += counts[j] as number;
    if (excludeLabel >= 0 && counts) n -= 1;
    out[o++] = Math.log1p(n) / Math.log(256);
    for (let j = 0; j < c; j++) {
      const own = excludeLabel === j && counts ? 1 : 0;
      const cj = counts ? (counts[j] as number) - own : 0;
      out[o++] = (cj + SMOOTHING * (prior[j] as number)) / (n + SMOOTHING);
    }
  }
}
