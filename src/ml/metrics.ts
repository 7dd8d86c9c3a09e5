import { pointKey } from './features.js';
import { LABELS, type FacilityRecord, type RatingClass } from './types.js';

export interface EpochMetrics {
  epoch: number;
  loss: number;
  accuracy: number;
  valLoss: number | null;
  valAccuracy: number | null;
  learningRate: number;
  durationMs: number;
}
export interface ClassMetrics {
  label: RatingClass;
  precision: number;
  recall: number;
  f1: number;
  support: number;
}
export interface EvaluationMetrics {
  accuracy: number;
  macroF1: number;
  weightedF1: number;
  testLoss: number;
  /** order of LABELS */
  perClass: ClassMetrics[];
  /** [true][predicted], order of LABELS */
  confusionMatrix: number[][];
  majorityBaselineMacroF1: number;
  trainRows: number;
  validationRows: number;
  testRows: number;
  /** scikit-learn classification_report layout */
  report: string;
  /**
   * Macro-F1 on the test rows whose location (coordinates) never occurs in the training split.
   * Facilities geocoded to one map place share its rating, so this is the honest figure for
   * places the model has not seen; null when no such test row exists.
   */
  unseenLocationMacroF1?: number | null;
  unseenLocationRows?: number;
  /** Macro-F1 on the test rows at known places (coordinates present in the training split); null when none. */
  knownPlaceMacroF1?: number | null;
  knownPlaceRows?: number;
  /** Macro-F1 on the test rows at new places (coordinates absent from training, or missing); null when none. */
  newPlaceMacroF1?: number | null;
  newPlaceRows?: number;
}

export interface PlaceScores {
  knownPlaceMacroF1: number | null;
  knownPlaceRows: number;
  newPlaceMacroF1: number | null;
  newPlaceRows: number;
  /** the same as newPlace*, under the name older clients read */
  unseenLocationMacroF1: number | null;
  unseenLocationRows: number;
}

const EPS = 1e-7;

export function argmaxRows(probs: Float32Array, k: number): number[] {
  const n = probs.length / k;
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let j = 1; j < k; j++) if ((probs[i * k + j] ?? 0) > (probs[i * k + best] ?? 0)) best = j;
    out[i] = best;
  }
  return out;
}

/** Mean categorical cross-entropy of probabilities against true class indices. */
export function crossEntropy(truth: readonly number[], probs: Float32Array, k: number): number {
  if (truth.length === 0) return 0;
  let sum = 0;
  truth.forEach((t, i) => {
    sum -= Math.log(Math.max(probs[i * k + t] ?? 0, EPS));
  });
  return sum / truth.length;
}

export function confusionMatrix(truth: readonly number[], predicted: readonly number[], k: number): number[][] {
  const m = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  truth.forEach((t, i) => {
    const row = m[t];
    const p = predicted[i] ?? 0;
    if (row) row[p] = (row[p] ?? 0) + 1;
  });
  return m;
}

/** Per-class precision/recall/F1 (0 when undefined, like scikit-learn's zero_division=0). */
export function classMetrics(matrix: number[][]): ClassMetrics[] {
  return LABELS.map((label, c) => {
    const tp = matrix[c]?.[c] ?? 0;
    const support = (matrix[c] ?? []).reduce((a, b) => a + b, 0);
    const predicted = matrix.reduce((a, row) => a + (row[c] ?? 0), 0);
    const precision = predicted === 0 ? 0 : tp / predicted;
    const recall = support === 0 ? 0 : tp / support;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    return { label, precision, recall, f1, support };
  });
}

export function macroF1(truth: readonly number[], predicted: readonly number[], k: number = LABELS.length): number {
  const pc = classMetrics(confusionMatrix(truth, predicted, k));
  return pc.reduce((a, c) => a + c.f1, 0) / pc.length;
}

/** Layout of scikit-learn's classification_report (digits=2). */
export function classificationReport(perClass: readonly ClassMetrics[], accuracy: number): string {
  const total = perClass.reduce((a, c) => a + c.support, 0);
  const width = Math.max(12, ...perClass.map((c) => c.label.length));
  // scikit-learn: "{:>{width}s} " then " {:>9}" per column.
  const line = (label: string, cols: string[]) => `${label.padStart(width)} ${cols.map((c) => ` ${c.padStart(9)}`).join('')}`;
  const f = (x: number) => x.toFixed(2);
  const lines = [line('', ['precision', 'recall', 'f1-score', 'support']), ''];
  for (const c of perClass) lines.push(line(c.label, [f(c.precision), f(c.recall), f(c.f1), String(c.support)]));
  lines.push('');
  lines.push(line('accuracy', ['', '', f(accuracy), String(total)]));
  const avg = (key: 'precision' | 'recall' | 'f1', weighted: boolean) =>
    weighted
      ? total === 0 ? 0 : perClass.reduce((a, c) => a + c[key] * c.support, 0) / total
      : perClass.reduce((a, c) => a + c[key], 0) / perClass.length;
  lines.push(line('macro avg', [f(avg('precision', false)), f(avg('recall', false)), f(avg('f1', false)), String(total)]));
  lines.push(line('weighted avg', [f(avg('precision', true)), f(avg('recall', true)), f(avg('f1', true)), String(total)]));
  return lines.join('\n') + '\n';
}

/**
 * Evaluates predicted probabilities against the truth. `majorityClass` is the training split's
 * most frequent class: the baseline that always predicts it is scored beside the model.
 */
export function evaluate(
  truth: readonly number[],
  probs: Float32Array,
  majorityClass: number,
  rows: { trainRows: number; validationRows: number; testRows: number },
): EvaluationMetrics {
  const k = LABELS.length;
  const predicted = argmaxRows(probs, k);
  const matrix = confusionMatrix(truth, predicted, k);
  const perClass = classMetrics(matrix);
  const total = truth.length;
  const correct = truth.reduce((a, t, i) => a + (predicted[i] === t ? 1 : 0), 0);
  const accuracy = total === 0 ? 0 : correct / total;
  const macro = perClass.reduce((a, c) => a + c.f1, 0) / k;
  const weighted = total === 0 ? 0 : perClass.reduce((a, c) => a + c.f1 * c.support, 0) / total;
  return {
    accuracy,
    macroF1: macro,
    weightedF1: weighted,
    testLoss: crossEntropy(truth, probs, k),
    perClass,
    confusionMatrix: matrix,
    majorityBaselineMacroF1: macroF1(truth, truth.map(() => majorityClass), k),
    ...rows,
    report: classificationReport(perClass, accuracy),
  };
}

/** Which test rows sit at a known place: coordinates (4 decimals) that occur in the training split. */
export function knownPlaceMask(train: readonly FacilityRecord[], test: readonly FacilityRecord[]): boolean[] {
  const key = (r: FacilityRecord) => (r.latitude === null || r.longitude === null ? null : pointKey(r.latitude, r.longitude));
  const seen = new Set(train.map(key).filter((k): k is string => k !== null));
  return test.map((r) => {
    const point = key(r);
    return point !== null && seen.has(point);
  });
}

/**
 * Macro-F1 on the test rows at known places (coordinates present in training) and at new places
 * (the rest, rows without coordinates included). Facilities geocoded to one map point share its
 * rating, so the new-place figure is the honest one for a facility somewhere the model never saw.
 */
export function placeScores(train: readonly FacilityRecord[], test: readonly FacilityRecord[], yTest: readonly number[], probs: Float32Array): PlaceScores {
  const known = knownPlaceMask(train, test);
  const predicted = argmaxRows(probs, LABELS.length);
  const part = (want: boolean) => {
    const t: number[] = [];
    const p: number[] = [];
    known.forEach((isKnown, i) => {
      if (isKnown !== want) return;
      t.push(yTest[i] as number);
      p.push(predicted[i] as number);
    });
    return { f1: t.length === 0 ? null : macroF1(t, p, LABELS.length), rows: t.length };
  };
  const k = part(true);
  const n = part(false);
  return { knownPlaceMacroF1: k.f1, knownPlaceRows: k.rows, newPlaceMacroF1: n.f1, newPlaceRows: n.rows, unseenLocationMacroF1: n.f1, unseenLocationRows: n.rows };
}

/** @deprecated use placeScores; kept for callers of the old name */
export function unseenLocationScore(
  train: readonly FacilityRecord[],
  test: readonly FacilityRecord[],
  yTest: readonly number[],
  probs: Float32Array,
): { unseenLocationMacroF1: number | null; unseenLocationRows: number } {
  const s = placeScores(train, test, yTest, probs);
  return { unseenLocationMacroF1: s.unseenLocationMacroF1, unseenLocationRows: s.unseenLocationRows };
}
