/** The pipeline's pure pieces, without a database: gate, rollback history, stats, dedupe keys, cursors. */
import { describe, expect, it } from 'vitest';
import { computeDatasetStats } from '../../../src/datasets/stats.js';
import { decodeCursor, dedupeKey, encodeCursor } from '../../../src/jobs/queue.js';
import { DEFAULT_HYPERPARAMETERS, type FacilityRecord } from '../../../src/ml/index.js';
import { decideGate } from '../../../src/registry/gate.js';
import { previousActive } from '../../../src/registry/registry.js';

const record = (r: Partial<FacilityRecord>): FacilityRecord => ({
  facilityName: null, services: null, latitude: null, longitude: null, rating: null, operatingHours: null,
  website: null, phoneNumber: null, careSystem: null, subcounty: null, ...r,
});

describe('gate', () => {
  it('activates the first version when nothing is active', () => {
    expect(decideGate(0.4, null, 0)).toMatchObject({ promoted: true, comparedToVersion: null, activeMacroF1: null });
  });
  it('promotes at or above active − tolerance and keeps a worse one as candidate', () => {
    expect(decideGate(0.70, { version: 3, macroF1: 0.70 }, 0).promoted).toBe(true);
    expect(decideGate(0.69, { version: 3, macroF1: 0.70 }, 0).promoted).toBe(false);
    expect(decideGate(0.69, { version: 3, macroF1: 0.70 }, 0.02).promoted).toBe(true);
    const lost = decideGate(0.5, { version: 3, macroF1: 0.7 }, 0.05);
    expect(lost).toMatchObject({ promoted: false, comparedToVersion: 3, activeMacroF1: 0.7, candidateMacroF1: 0.5, tolerance: 0.05 });
    expect(lost.reason).toMatch(/0\.5000 < 0\.6500.*kept as candidate/);
  });
});

describe('rollback target', () => {
  const a = (toVersion: number, kind: 'bundled' | 'gate' | 'promote' | 'rollback' = 'gate') => ({ toVersion, kind });
  it('walks the activation history back like a stack', () => {
    expect(previousActive([a(1, 'bundled')])).toBeNull();
    expect(previousActive([a(1, 'bundled'), a(2), a(3)])).toBe(2);
    expect(previousActive([a(1, 'bundled'), a(2), a(3), a(2, 'rollback')])).toBe(1);
    expect(previousActive([a(1, 'bundled'), a(2), a(3), a(2, 'rollback'), a(1, 'rollback')])).toBeNull();
    expect(previousActive([a(1, 'bundled'), a(2), a(1, 'rollback'), a(4, 'promote')])).toBe(1);
  });
});

describe('dataset statistics', () => {
  it('counts labels, missing values, care systems, services, rating bins and points', () => {
    const stats = computeDatasetStats([
      record({ rating: 1.0, services: 'Maternity, Laboratory, maternity', careSystem: 'GOVT', latitude: 0.3, longitude: 32.5 }),
      record({ rating: 2.5, services: 'Laboratory', careSystem: 'PFP' }),
      record({ rating: 3.5, services: '' }),
      record({ rating: 5.0, careSystem: 'GOVT', latitude: 1, longitude: 33 }),
      record({}),
    ]);
    expect(stats).toMatchObject({ rows: 5, labeledRows: 4, unlabeledRows: 1 });
    expect(stats.labelDistribution).toEqual([{ label: 'LOW', count: 2 }, { label: 'MEDIUM', count: 1 }, { label: 'HIGH', count: 1 }]);
    expect(stats.missingRates.find((m) => m.column === 'rating')?.missingRate).toBe(0.2);
    expect(stats.missingRates.find((m) => m.column === 'services')?.missingRate).toBe(0.6);
    expect(stats.careSystemCounts).toEqual([{ name: 'GOVT', count: 2 }, { name: 'PFP', count: 1 }, { name: 'PNFP', count: 0 }, { name: 'UNKNOWN', count: 2 }]);
    expect(stats.topServices).toEqual([{ name: 'Laboratory', count: 2 }, { name: 'Maternity', count: 1 }]);
    expect(stats.ratingHistogram.map((b) => b.count)).toEqual([1, 0, 0, 1, 0, 1, 0, 1]); // 1.0 | 2.5 | 3.5 | 5.0 (last bin closed)
    expect(stats.points).toEqual([{ latitude: 0.3, longitude: 32.5, label: 'LOW' }, { latitude: 1, longitude: 33, label: 'HIGH' }]);
  });
});

describe('queue keys', () => {
  it('dedupe keys ignore dataset order and change with hyperparameters', () => {
    const hp = { ...DEFAULT_HYPERPARAMETERS };
    expect(dedupeKey(['b', 'a'], hp)).toBe(dedupeKey(['a', 'b'], hp));
    expect(dedupeKey(['a'], hp)).not.toBe(dedupeKey(['a'], { ...hp, seed: 1 }));
  });
  it('cursors round-trip and reject garbage with BAD_USER_INPUT', () => {
    const id = '6f1c2d3e-4a5b-4c6d-8e7f-901234567890';
    expect(decodeCursor(encodeCursor('2026-11-27T10:00:00.123456Z', id))).toEqual({ createdAt: '2026-11-27T10:00:00.123456Z', id });
    expect(() => decodeCursor('zzz')).toThrow(expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) }));
  });
});
