/** The pipeline's pure pieces, without a database: gate, rollback history, stats, dedupe keys, cursors. */
import { describe, expect, it } from 'vitest';
import { computeDatasetStats } from '../../../src/datasets/stats.js';
import { decodeCursor, dedupeKey, encodeCursor } from '../../../src/jobs/queue.js';
import { DEFAULT_HYPERPARAMETERS, type FacilityRecord } from '../../../src/ml/index.js';
import { decideGate, pairedBootstrap, type GateSettings, type PairedScores } from '../../../src/registry/gate.js';
import { mulberry32 } from '../../../src/ml/random.js';
import { previousActive } from '../../../src/registry/registry.js';

const record = (r: Partial<FacilityRecord>): FacilityRecord => ({
  facilityName: null, services: null, latitude: null, longitude: null, rating: null, operatingHours: null,
  website: null, phoneNumber: null, careSystem: null, subcounty: null, ...r,
});

const settings: GateSettings = { policy: 'auto', tolerance: 0, minEvaluationRows: 100, confidence: 0.95, bootstrapIterations: 2000 };

/** Pinned rows with a class mix like the real file's (80 % HIGH); `accuracy` of each model by seed. */
function pairedRows(n: number, championAccuracy: number, challengerAccuracy: number, seed: number): PairedScores {
  const rand = mulberry32(seed);
  const truth: number[] = [];
  const champion: number[] = [];
  const challenger: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = i % 10 === 0 ? 0 : i % 10 < 3 ? 1 : 2;
    truth.push(t);
    champion.push(rand() < championAccuracy ? t : (t + 1) % 3);
    challenger.push(rand() < challengerAccuracy ? t : (t + 1) % 3);
  }
  return { truth, champion, challenger, checksum: 'test' };
}

describe('gate', () => {
  it('activates the first version when nothing is active (auto), and waits under GATE_POLICY=manual', () => {
    expect(decideGate(0.4, null, null, settings)).toMatchObject({ promoted: true, comparedToVersion: null, activeMacroF1: null });
    const manual = decideGate(0.4, null, null, { ...settings, policy: 'manual' });
    expect(manual).toMatchObject({ promoted: false, policy: 'manual' });
    expect(manual.reason).toMatch(/GATE_POLICY=manual/);
  });

  it('promotes a candidate whose gain the paired bootstrap says is real, and records scores, interval and rows', () => {
    const d = decideGate(0.5, { version: 3 }, pairedRows(400, 0.6, 0.85, 1), settings);
    expect(d.promoted).toBe(true);
    expect(d.evaluationRows).toBe(400);
    expect(d.candidateMacroF1).toBeGreaterThan(d.activeMacroF1 as number);
    expect(d.intervalLow).toBeGreaterThan(0);
    expect(d.intervalHigh).toBeGreaterThan(d.intervalLow as number);
    expect(d.difference).toBeCloseTo(d.candidateMacroF1 - (d.activeMacroF1 as number), 12);
    expect(d.reason).toMatch(/on 400 pinned evaluation rows.*95% paired-bootstrap interval \[\+0\.\d{4}, \+0\.\d{4}\].*promoted/);
    expect(decideGate(0.5, { version: 3 }, pairedRows(400, 0.6, 0.85, 1), { ...settings, policy: 'manual' }).promoted).toBe(false);
  });

  it('keeps a worse candidate, and an identical one (no gain is not a gain)', () => {
    const worse = decideGate(0.9, { version: 3 }, pairedRows(400, 0.85, 0.6, 2), settings);
    expect(worse).toMatchObject({ promoted: false, comparedToVersion: 3 });
    expect(worse.reason).toMatch(/not better than the active model.*kept as candidate/);
    const rows = pairedRows(400, 0.8, 0.8, 3);
    const same = decideGate(0.9, { version: 3 }, { ...rows, challenger: rows.champion }, settings);
    expect(same).toMatchObject({ promoted: false, difference: 0, intervalLow: 0, intervalHigh: 0 });
  });

  it('a candidate ahead on a handful of rows cannot win on noise: the interval is too wide', () => {
    // 40 pinned rows (a tiny upload's share); the challenger is right on 3 more of them than the champion
    for (let seed = 1; seed <= 10; seed++) {
      const rows = pairedRows(40, 0.75, 0.75, seed);
      const challenger = [...rows.champion];
      let fixed = 0;
      rows.truth.forEach((t, i) => {
        if (fixed < 3 && challenger[i] !== t) {
          challenger[i] = t;
          fixed++;
        }
      });
      const d = decideGate(0.9, { version: 3 }, { ...rows, challenger }, { ...settings, minEvaluationRows: 10 });
      expect(d.difference).toBeGreaterThan(0);
      expect(d.promoted).toBe(false);
      expect((d.intervalHigh as number) - (d.intervalLow as number)).toBeGreaterThan(0.1);
      expect(d.reason).toMatch(/interval is too wide to tell the gain from noise.*kept as candidate/);
    }
  });

  it('needs GATE_MIN_EVALUATION_ROWS pinned rows, and some rows at all', () => {
    const few = decideGate(0.9, { version: 3 }, pairedRows(60, 0.2, 0.95, 4), settings);
    expect(few.promoted).toBe(false);
    expect(few.reason).toMatch(/too few pinned evaluation rows \(60 < GATE_MIN_EVALUATION_ROWS 100\)/);
    const none = decideGate(0.9, { version: 3 }, null, settings);
    expect(none).toMatchObject({ promoted: false, evaluationRows: 0 });
    expect(none.reason).toMatch(/no pinned evaluation rows/);
  });

  it('tolerance moves the bar: −tolerance for the lower end of the interval', () => {
    const rows = pairedRows(400, 0.8, 0.78, 5);
    expect(decideGate(0.9, { version: 3 }, rows, settings).promoted).toBe(false);
    expect(decideGate(0.9, { version: 3 }, rows, { ...settings, tolerance: 0.5 }).promoted).toBe(true);
    expect(decideGate(0.9, { version: 3 }, pairedRows(400, 0.6, 0.85, 1), { ...settings, tolerance: -1 }).promoted).toBe(false);
  });

  it('the bootstrap is paired and reproducible', () => {
    const rows = pairedRows(300, 0.7, 0.75, 6);
    expect(pairedBootstrap(rows, 500, 0.95, 1)).toEqual(pairedBootstrap(rows, 500, 0.95, 1));
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
