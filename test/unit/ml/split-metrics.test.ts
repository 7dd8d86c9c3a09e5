import { describe, expect, it } from 'vitest';
import { DEFAULT_HYPERPARAMETERS, HyperparameterError, resolveHyperparameters } from '../../../src/ml/hyperparameters.js';
import { classificationReport, classMetrics, evaluate } from '../../../src/ml/metrics.js';
import { stratifiedSplit } from '../../../src/ml/split.js';
import { classWeights } from '../../../src/ml/prepare.js';

describe('stratifiedSplit', () => {
  const labels = Array.from({ length: 1000 }, (_, i) => (i % 20 === 0 ? 0 : i % 5 === 0 ? 1 : 2));
  const keys = labels.map((_, i) => `k${i}`);
  it('keeps the class mix in every split and is seeded', () => {
    const s = stratifiedSplit(labels, keys, 42);
    expect(s.train.length + s.validation.length + s.test.length).toBe(1000);
    expect(new Set([...s.train, ...s.validation, ...s.test]).size).toBe(1000);
    const share = (idx: number[], c: number) => idx.filter((i) => labels[i] === c).length / idx.length;
    for (const c of [0, 1, 2]) {
      expect(Math.abs(share(s.test, c) - share(labels.map((_, i) => i), c))).toBeLessThan(0.01);
      expect(Math.abs(share(s.validation, c) - share(s.train, c))).toBeLessThan(0.01);
    }
    expect(Math.abs(s.test.length - 150)).toBeLessThanOrEqual(2);
    expect(stratifiedSplit(labels, keys, 42)).toEqual(s);
    expect(stratifiedSplit(labels, keys, 43)).not.toEqual(s);
  });
  it('never lets rows with the same duplicate key straddle splits', () => {
    const grouped = labels.map((_, i) => `g${Math.floor(i / 4)}`);
    const s = stratifiedSplit(labels, grouped, 1);
    const where = new Map<string, string>();
    for (const part of ['train', 'validation', 'test'] as const) {
      for (const i of s[part]) {
        const g = grouped[i] as string;
        expect(where.get(g) ?? part).toBe(part);
        where.set(g, part);
      }
    }
  });
});

describe('class weights', () => {
  it('balance classes on the training labels', () => {
    expect(classWeights([0, 1, 1, 1], 3)).toEqual([2, 2 / 3, 0]);
    expect(classWeights([0, 1, 1, 1], 3, 0.5)[0]).toBeCloseTo(Math.SQRT2);
  });
});

describe('evaluation', () => {
  // truth and predictions checked against scikit-learn's classification_report by hand.
  const truth = [0, 0, 1, 1, 1, 2, 2, 2, 2, 2];
  const pred = [0, 1, 1, 1, 2, 2, 2, 2, 2, 0];
  const probs = new Float32Array(pred.flatMap((p) => [0, 1, 2].map((c) => (c === p ? 0.8 : 0.1))));
  const m = evaluate(truth, probs, 2, { trainRows: 1, validationRows: 2, testRows: 10 });
  it('computes accuracy, per-class metrics, averages, confusion matrix, loss and the baseline', () => {
    expect(m.accuracy).toBeCloseTo(0.7);
    expect(m.confusionMatrix).toEqual([[1, 1, 0], [0, 2, 1], [1, 0, 4]]);
    expect(m.perClass.map((c) => c.label)).toEqual(['LOW', 'MEDIUM', 'HIGH']);
    expect(m.perClass[0]).toMatchObject({ precision: 0.5, recall: 0.5, f1: 0.5, support: 2 });
    expect(m.perClass[1]?.f1).toBeCloseTo(2 / 3);
    expect(m.perClass[2]?.f1).toBeCloseTo(0.8);
    expect(m.macroF1).toBeCloseTo((0.5 + 2 / 3 + 0.8) / 3);
    expect(m.weightedF1).toBeCloseTo((0.5 * 2 + (2 / 3) * 3 + 0.8 * 5) / 10);
    expect(m.testLoss).toBeCloseTo(-(7 * Math.log(0.8) + 3 * Math.log(0.1)) / 10, 5);
    // Always "HIGH": f1 HIGH = 2·0.5·1/1.5 = 0.667, others 0.
    expect(m.majorityBaselineMacroF1).toBeCloseTo(2 / 3 / 3);
  });
  it('lays the report out like scikit-learn', () => {
    expect(m.report).toBe(
      [
        '              precision    recall  f1-score   support',
        '',
        '         LOW       0.50      0.50      0.50         2',
        '      MEDIUM       0.67      0.67      0.67         3',
        '        HIGH       0.80      0.80      0.80         5',
        '',
        '    accuracy                           0.70        10',
        '   macro avg       0.66      0.66      0.66        10',
        'weighted avg       0.70      0.70      0.70        10',
        '',
      ].join('\n'),
    );
  });
  it('scores an absent class as zero (zero_division=0)', () => {
    expect(classMetrics([[0, 0, 0], [0, 0, 0], [0, 0, 3]])[0]).toMatchObject({ precision: 0, recall: 0, f1: 0, support: 0 });
    expect(classificationReport(classMetrics([[0, 0, 0], [0, 0, 0], [0, 0, 3]]), 1)).toContain(`    accuracy${' '.repeat(27)}1.00         3`);
  });
});

describe('hyperparameters', () => {
  it('has the documented defaults', () => {
    expect(DEFAULT_HYPERPARAMETERS).toMatchObject({ learningRate: 0.0005, batchSize: 16, epochs: 100, patience: 15, seed: 42 });
    expect(resolveHyperparameters({ learningRate: 0.01 })).toMatchObject({ learningRate: 0.01, batchSize: 16 });
  });
  it('rejects out-of-range values naming the field', () => {
    expect(() => resolveHyperparameters({ batchSize: 0 })).toThrow(HyperparameterError);
    expect(() => resolveHyperparameters({ batchSize: 1.5 })).toThrow(/^batchSize: expected an integer/);
    expect(() => resolveHyperparameters({ dropout: 1 })).toThrow(/^dropout:/);
    expect(() => resolveHyperparameters({ hiddenUnits: [] })).toThrow(/^hiddenUnits:/);
    expect(() => resolveHyperparameters({ learningRate: -1 })).toThrow(/^learningRate:/);
  });
});

describe('split groups in training data preparation', () => {
  it("'location' keeps rows at the same coordinates in one split; 'duplicate' only same name and coordinates", async () => {
    const { prepareData } = await import('../../../src/ml/prepare.js');
    const { normalizeFacilityInput } = await import('../../../src/ml/clean.js');
    // 40 places with 3 differently named facilities each, all sharing the place's rating.
    const records = Array.from({ length: 120 }, (_, i) => {
      const place = Math.floor(i / 3);
      return { ...normalizeFacilityInput({ facilityName: `Facility ${i}`, latitude: 0.3 + place / 100, longitude: 32.5 }), rating: [1.5, 3, 4.5][place % 3] as number };
    });
    const placeOf = (i: number) => Math.floor(i / 3);
    const straddling = (mode: 'location' | 'duplicate') => {
      const { split } = prepareData(records, 42, {}, mode);
      const where = new Map<number, Set<string>>();
      for (const part of ['train', 'validation', 'test'] as const) for (const i of split[part]) where.set(placeOf(i), (where.get(placeOf(i)) ?? new Set()).add(part));
      return [...where.values()].filter((s) => s.size > 1).length;
    };
    expect(straddling('location')).toBe(0);
    expect(straddling('duplicate')).toBeGreaterThan(0);
  });
});
