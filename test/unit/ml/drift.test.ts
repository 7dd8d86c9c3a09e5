/**
 * Drift of an upload against a model's training profile (src/ml/drift.ts): the shared data against
 * its own training split is stable; shifted coordinates and care systems come first in the report.
 */
import { createReadStream, existsSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { readFacilityCsv } from '../../../src/ml/csv.js';
import { compareWithProfile, MIN_DRIFT_ROWS, profileRecords, psi, PSI_DRIFT, type DriftProfile } from '../../../src/ml/drift.js';
import { prepareData } from '../../../src/ml/prepare.js';
import { SHARED_DATASET } from '../../../src/paths.js';
import type { FacilityRecord } from '../../../src/ml/types.js';

const dataset = SHARED_DATASET;
const missing = !existsSync(dataset);

describe('PSI', () => {
  it('is 0 for the same distribution, grows with the shift, and is symmetric in its terms', () => {
    expect(psi([0.5, 0.5], [0.5, 0.5])).toBe(0);
    expect(psi([0.5, 0.5], [0.6, 0.4])).toBeLessThan(psi([0.5, 0.5], [0.9, 0.1]));
    expect(psi([0.5, 0.5], [0.9, 0.1])).toBeCloseTo(psi([0.9, 0.1], [0.5, 0.5]), 10);
    expect(Number.isFinite(psi([1, 0], [0, 1]))).toBe(true); // empty bins are smoothed, never infinite
  });
});

// Skipped only when the shared dataset (never committed) is absent, as in shared-dataset.test.ts.
describe.skipIf(missing)('drift against the shared data\'s training profile', () => {
  let records: FacilityRecord[];
  let profile: DriftProfile;
  beforeAll(async () => {
    records = (await readFacilityCsv(createReadStream(dataset))).rows.map((r) => r.record);
    const prepared = prepareData(records, 42);
    profile = JSON.parse(JSON.stringify(profileRecords(prepared.split.train.map((i) => prepared.labeled[i] as FacilityRecord)))) as DriftProfile;
  });

  it('finds no drift in the data the model was trained from (labels compared among labeled rows)', () => {
    const report = compareWithProfile(profile, records);
    console.log(`[drift] same data: ${report.features.map((f) => `${f.feature} ${f.psi.toFixed(3)}`).join(', ')}`);
    expect(report.verdict).toBe('STABLE');
    expect(report.features.every((f) => f.psi < PSI_DRIFT)).toBe(true);
    expect(report.features.map((f) => f.feature)).toContain('label');
  });

  it('puts shifted coordinates and care systems first', () => {
    const shifted = records.map((r) => ({
      ...r,
      latitude: r.latitude === null ? null : r.latitude + 0.8,
      longitude: r.longitude === null ? null : r.longitude - 0.8,
      careSystem: r.careSystem === 'GOVT' ? ('PFP' as const) : r.careSystem,
    }));
    const report = compareWithProfile(profile, shifted);
    console.log(`[drift] shifted: ${report.features.map((f) => `${f.feature} ${f.psi.toFixed(3)}`).join(', ')}`);
    expect(report.verdict).toBe('DRIFT');
    expect(report.features.slice(0, 3).map((f) => f.feature).sort()).toEqual(['careSystem', 'latitude', 'longitude']);
    expect(report.features.slice(0, 3).every((f) => f.drifted)).toBe(true);
    expect(report.features.slice(3).every((f) => !f.drifted)).toBe(true);
  });

  it('a label shift is reported when the upload has labels; an unlabeled upload has no label row', () => {
    const flipped = records.filter((r) => r.rating !== null).map((r) => ({ ...r, rating: 6 - (r.rating as number) }));
    expect(compareWithProfile(profile, flipped).features[0]?.feature).toBe('label');
    const unlabeled = records.map((r) => ({ ...r, rating: null }));
    expect(compareWithProfile(profile, unlabeled).features.map((f) => f.feature)).not.toContain('label');
  });

  it('says too few rows instead of a verdict on a handful', () => {
    expect(compareWithProfile(profile, records.slice(0, MIN_DRIFT_ROWS - 1)).verdict).toBe('INSUFFICIENT_DATA');
  });
});
