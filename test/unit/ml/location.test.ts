/** Location-aware features: exact kNN through the grid, leave-one-out on training rows, unseen places, speed. */
import { describe, expect, it } from 'vitest';
import { FeatureEncoder, fitFeatureState } from '../../../src/ml/features.js';
import { fitLocationState, haversineKm, LocationIndex, locationFeatureCount } from '../../../src/ml/location.js';
import { mulberry32 } from '../../../src/ml/random.js';
import { isPinnedIdentity, identityHash, rowIdentity, withoutPinned } from '../../../src/ml/pinned.js';
import type { FacilityRecord } from '../../../src/ml/types.js';

function record(lat: number | null, lon: number | null, subcounty: string | null = 'Kampala Central', name = 'X Clinic'): FacilityRecord {
  return { facilityName: name, services: 'OPD', latitude: lat, longitude: lon, rating: 4, operatingHours: null, website: null, phoneNumber: null, careSystem: 'PFP', subcounty };
}

function randomRecords(n: number, seed: number): { records: FacilityRecord[]; labels: number[] } {
  const rand = mulberry32(seed);
  const records: FacilityRecord[] = [];
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    // a third of the rows share one of 20 "placeholder" points, as in the real file
    const shared = rand() < 0.33;
    const p = Math.floor(rand() * 20);
    const lat = shared ? 0.3 + p * 0.01 : -1 + rand() * 5;
    const lon = shared ? 32.5 + p * 0.01 : 30 + rand() * 4.5;
    records.push(record(Number(lat.toFixed(5)), Number(lon.toFixed(5)), `Sub ${Math.floor(rand() * 30)}`, `Facility ${i}`));
    labels.push(shared ? p % 3 : Math.floor(rand() * 3));
  }
  return { records, labels };
}

describe('location features', () => {
  it('finds exactly the k nearest training points the brute-force way', () => {
    const { records, labels } = randomRecords(800, 1);
    const state = fitLocationState(records, labels, 3, 10);
    const index = new LocationIndex(state);
    const rand = mulberry32(2);
    for (let q = 0; q < 200; q++) {
      const lat = -1.5 + rand() * 5.7;
      const lon = 29.6 + rand() * 5.4;
      const brute = records.map((r, i) => ({ d: haversineKm(lat, lon, r.latitude as number, r.longitude as number), i })).sort((a, b) => a.d - b.d || a.i - b.i).slice(0, 10);
      const nb = index.neighbours(lat, lon, -1);
      expect(nb.found).toBe(10);
      expect(nb.nearestKm).toBeCloseTo(brute[0]!.d, 9);
      expect(nb.meanKm).toBeCloseTo(brute.reduce((a, b) => a + b.d, 0) / 10, 9);
      const counts = [0, 0, 0];
      for (const b of brute) counts[labels[b.i]!]! += 1;
      expect(nb.knn).toEqual(counts);
    }
  });

  it('leaves a training row\'s own label out, and a new row at the same place sees every training row there', () => {
    const train = [record(0.3, 32.5), record(0.3, 32.5), record(0.3, 32.5), record(1.5, 33)];
    const labels = [0, 0, 1, 2];
    const enc = new FeatureEncoder(fitFeatureState(train, {}, labels));
    const names = enc.state.featureNames;
    const col = (n: string) => names.indexOf(n);
    const f = enc.featureCount;
    const x = enc.encodeTraining(train, labels);
    const served = enc.encodeMany(train);
    const prior = [0.5, 0.25, 0.25];
    // row 2 (label MEDIUM) sees the two LOW rows at its point, not itself
    expect(x[2 * f + col('loc_same_point_MEDIUM')]).toBeCloseTo((0 + 2 * prior[1]!) / (2 + 2), 6);
    expect(x[2 * f + col('loc_same_point_LOW')]).toBeCloseTo((2 + 2 * prior[0]!) / (2 + 2), 6);
    // served, the same record sees all three
    expect(served[2 * f + col('loc_same_point_MEDIUM')]).toBeCloseTo((1 + 2 * prior[1]!) / (3 + 2), 6);
    // row 3 sits alone: in training it sees nobody at its point, like a new place
    expect(x[3 * f + col('loc_same_point_log_count')]).toBe(0);
    expect(x[3 * f + col('loc_same_point_HIGH')]).toBeCloseTo(prior[2]!, 6);
  });

  it('gives places and subcounties never seen the prior, and rows without coordinates sensible values', () => {
    const { records, labels } = randomRecords(300, 4);
    const enc = new FeatureEncoder(fitFeatureState(records, {}, labels));
    const col = (n: string) => enc.state.featureNames.indexOf(n);
    const [nowhere] = [enc.encodeMany([record(null, null, 'Nowhere At All')])];
    const prior = enc.state.location!.prior;
    expect(nowhere[col('loc_same_point_log_count')]).toBe(0);
    expect(nowhere[col('loc_knn10_LOW')]).toBeCloseTo(prior[0]!, 6);
    expect(nowhere[col('loc_nearest_km_log')]).toBe(1);
    expect(nowhere[col('loc_subcounty_log_count')]).toBe(0);
    expect(nowhere[col('loc_subcounty_HIGH')]).toBeCloseTo(prior[2]!, 6);
    expect(enc.featureCount).toBe(enc.state.featureNames.length);
    expect(enc.state.featureNames.filter((n) => n.startsWith('loc_'))).toHaveLength(locationFeatureCount(3));
    for (const v of nowhere) expect(Number.isFinite(v)).toBe(true);
  });

  it('still encodes with a version-1 state (bundles trained before the location features)', () => {
    const { records, labels } = randomRecords(100, 7);
    const old = new FeatureEncoder(fitFeatureState(records));
    const now = new FeatureEncoder(fitFeatureState(records, {}, labels));
    expect(old.state.version).toBe(1);
    expect(old.state.location).toBeUndefined();
    expect(now.featureCount - old.featureCount).toBe(locationFeatureCount(3));
    // the features before the location block are the same
    const a = old.encodeMany(records.slice(0, 5));
    const b = now.encodeMany(records.slice(0, 5));
    for (let i = 0; i < 5; i++) expect(Array.from(b.subarray(i * now.featureCount, i * now.featureCount + old.featureCount))).toEqual(Array.from(a.subarray(i * old.featureCount, (i + 1) * old.featureCount)));
  });

  it('encodes a served row in microseconds (grid index + per-point cache)', () => {
    const { records, labels } = randomRecords(2500, 5);
    const enc = new FeatureEncoder(fitFeatureState(records, {}, labels));
    const queries = randomRecords(2000, 6).records;
    const out = new Float32Array(enc.featureCount);
    const started = performance.now();
    for (const q of queries) enc.encodeInto(q, out, 0); // every point new: no cache hit
    const coldUs = ((performance.now() - started) * 1000) / queries.length;
    const again = performance.now();
    for (const q of queries) enc.encodeInto(q, out, 0);
    const warmUs = ((performance.now() - again) * 1000) / queries.length;
    const index = new LocationIndex(enc.state.location!);
    const scanned = queries.reduce((a, q) => a + index.neighbours(q.latitude as number, q.longitude as number, -1).scanned, 0) / queries.length;
    console.log(`[location] encodeInto per row over 2,500 training points: ${coldUs.toFixed(1)} µs new point, ${warmUs.toFixed(1)} µs cached point; ${scanned.toFixed(0)} distances per query`);
    // the grid looks at a small neighbourhood, not at every training point (timings vary with the machine's load)
    expect(scanned).toBeLessThan(2500 / 5);
  });
});

describe('pinned evaluation identities', () => {
  it('are stable, ignore the label and the spelling of name and subcounty, and pin about a tenth', () => {
    const a = record(0.31234, 32.51234, 'Kawempe  Division', 'Kasubi Health Centre III');
    const b = { ...record(0.31234, 32.51234, 'kawempe division', 'KASUBI HC III'), rating: 1 };
    expect(rowIdentity(a)).toBe(rowIdentity(b));
    expect(identityHash(a)).toBe(identityHash(b));
    const { records } = randomRecords(5000, 9);
    const pinned = records.filter((r) => isPinnedIdentity(identityHash(r))).length;
    expect(pinned / records.length).toBeGreaterThan(0.08);
    expect(pinned / records.length).toBeLessThan(0.12);
    expect(withoutPinned(records)).toHaveLength(records.length - pinned);
  });
});
