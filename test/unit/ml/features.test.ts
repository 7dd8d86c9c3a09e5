import { describe, expect, it } from 'vitest';
import { normalizeFacilityInput } from '../../../src/ml/clean.js';
import { FeatureEncoder, fitFeatureState, nameTypeTokens, normalizeService } from '../../../src/ml/features.js';
import type { FacilityRecord } from '../../../src/ml/types.js';

const rec = (over: Partial<FacilityRecord>): FacilityRecord => normalizeFacilityInput({ ...over });
const train: FacilityRecord[] = Array.from({ length: 40 }, (_, i) =>
  rec({
    facilityName: i % 2 ? `Kasubi ${i} HC III` : `Mengo ${i} Clinic`,
    services: i % 3 ? 'Maternity Care, Laboratory Services, OPD' : 'General Care',
    latitude: i < 10 ? 0.3047931 : 0.3 + i / 100,
    longitude: i < 10 ? 32.6112222 : 32.5,
    careSystem: i % 2 ? 'GOVT' : 'PFP',
    subcounty: `Sub ${i % 5}`,
    operatingHours: 'Monday: Open 24 hours',
    phoneNumber: i % 4 ? '0772 000000' : null,
  }),
);

describe('service and name normalisation', () => {
  it('folds spellings of the same service', () => {
    expect(normalizeService('Laboratory Services')).toBe(normalizeService('Lab'));
    expect(normalizeService('Maternal Care')).toBe(normalizeService('maternity'));
    expect(normalizeService('X-ray')).toBe(normalizeService('Xray services'));
    expect(normalizeService('OPD')).toBe(normalizeService('Outpatient Department'));
    expect(normalizeService('HIV/AIDS services')).toBe('hiv aids');
  });
  it('finds facility-type tokens in names', () => {
    expect(nameTypeTokens('Kasubi Health Centre III')).toEqual(['hc_iii', 'health_centre']);
    expect(nameTypeTokens('Tongolo HC II')).toEqual(['hc_ii', 'health_centre']);
    expect(nameTypeTokens('Busolwe H/C IV')).toEqual(['hc_iv', 'health_centre']);
    expect(nameTypeTokens('Mama Drug Shop')).toEqual(['drug_shop']);
    expect(nameTypeTokens('Nsambya Pharmacy')).toEqual(['pharmacy']);
    expect(nameTypeTokens('St. Francis Nyenga Hospital')).toEqual(['hospital', 'faith']);
    expect(nameTypeTokens('Mulago National Referral Hospital')).toEqual(['hospital', 'referral']);
    expect(nameTypeTokens(null)).toEqual([]);
  });
});

describe('fitFeatureState / FeatureEncoder', () => {
  const state = fitFeatureState(train);
  const enc = new FeatureEncoder(state);
  const at = (v: Float32Array, name: string) => v[state.featureNames.indexOf(name)];
  const encode = (r: FacilityRecord) => {
    const v = new Float32Array(enc.featureCount);
    enc.encodeInto(r, v, 0);
    return v;
  };

  it('learns vocabularies and scales from the training records only', () => {
    expect(state.services).toEqual(expect.arrayContaining(['maternity', 'laboratory', 'outpatient', 'general']));
    const lats = train.map((r) => r.latitude as number);
    expect(state.coordinates.latMean).toBeCloseTo(lats.reduce((a, b) => a + b, 0) / lats.length, 6);
    expect(state.frequentPoints).toEqual(['0.3048|32.6112']);
    expect(JSON.parse(JSON.stringify(state))).toEqual(state); // JSON state
  });

  it('encodes coordinates standardized, one-hots, multi-hots, hours and contact flags', () => {
    const v = encode(train[1] as FacilityRecord);
    expect(v).toHaveLength(state.featureNames.length);
    expect(at(v, 'coords_missing')).toBe(0);
    expect(at(v, 'care_GOVT')).toBe(1);
    expect(at(v, 'care_PFP')).toBe(0);
    expect(at(v, 'service:maternity')).toBe(1);
    expect(at(v, 'service:laboratory')).toBe(1);
    expect(at(v, 'service:general')).toBe(0);
    expect(at(v, 'name:hc_iii')).toBe(1);
    expect(at(v, 'hours_days_24h')).toBeCloseTo(1 / 7);
    expect(at(v, 'phone_present')).toBe(1);
    expect(at(v, 'website_present')).toBe(0);
    expect(at(v, 'point:0.3048|32.6112')).toBe(1);
    expect(at(v, 'point_shared')).toBe(1);
  });

  it('encodes a record never seen in training, and an empty one, without failing', () => {
    const unseen = encode(rec({ facilityName: 'Brand New Drug Shop', services: 'Teleportation, Dentistry', subcounty: 'Nowhere Town Council', careSystem: 'PNFP', latitude: 2.5, longitude: 31 }));
    expect(unseen.every(Number.isFinite)).toBe(true);
    expect(at(unseen, 'name:drug_shop')).toBe(1);
    expect(state.featureNames.filter((n) => n.startsWith('subcounty_hash_')).reduce((a, n) => a + (at(unseen, n) ?? 0), 0)).toBe(1);
    const empty = encode(rec({}));
    expect(at(empty, 'coords_missing')).toBe(1);
    expect(at(empty, 'care_missing')).toBe(1);
    expect(at(empty, 'subcounty_missing')).toBe(1);
    expect(at(empty, 'services_missing')).toBe(1);
    expect(at(empty, 'hours_missing')).toBe(1);
    expect(at(empty, 'name_missing')).toBe(1);
  });

  it('is deterministic and writes only its own slice of the output', () => {
    const out = new Float32Array(enc.featureCount * 3).fill(7);
    enc.encodeInto(train[3] as FacilityRecord, out, enc.featureCount);
    expect(out[0]).toBe(7);
    expect(out[enc.featureCount * 2]).toBe(7);
    expect(Array.from(out.subarray(enc.featureCount, enc.featureCount * 2))).toEqual(Array.from(encode(train[3] as FacilityRecord)));
  });

  it('encodes one record in microseconds', () => {
    const out = new Float32Array(enc.featureCount);
    const records = Array.from({ length: 1000 }, (_, i) => ({ ...(train[i % train.length] as FacilityRecord), subcounty: `Sub ${i % 50}` }));
    for (const r of records) enc.encodeInto(r, out, 0); // warm up
    const n = 20_000;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) enc.encodeInto(records[i % records.length] as FacilityRecord, out, 0);
    const microsPerRecord = ((performance.now() - t0) * 1000) / n;
    expect(microsPerRecord).toBeLessThan(50);
  });
});
