/**
 * The promotion gate. Pure, unit-tested.
 *
 * Champion (the active version) and challenger (the newly trained one) are scored on the same
 * pinned evaluation rows (see evaluation-set.ts: rows no candidate trains on and no upload can
 * relabel). The challenger is activated only when
 * - GATE_POLICY is auto (manual: every candidate waits for promoteModel),
 * - at least `minRows` pinned rows exist, and
 * - a paired bootstrap over those rows puts the lower end of the confidence interval of
 *   (challenger macro-F1 − champion macro-F1) above −tolerance (tolerance 0: a real improvement;
 *   negative: an improvement of at least that much).
 * The decision keeps both scores, the interval and the rows used.
 */
import { mulberry32 } from '../ml/random.js';

export type GatePolicy = 'auto' | 'manual';

export interface GateDecision {
  promoted: boolean;
  reason: string;
  comparedToVersion: number | null;
  /** the challenger's macro-F1 on the pinned evaluation rows (its own test split's when there were none) */
  candidateMacroF1: number;
  /** the champion's macro-F1 on the same rows; null with nothing to compare */
  activeMacroF1: number | null;
  tolerance: number;
  /** fields below are absent on decisions made before the pinned evaluation set existed */
  policy?: GatePolicy;
  /** pinned evaluation rows both models were scored on */
  evaluationRows?: number;
  /** sha256 of the evaluation rows' identities and labels: equal checksums, equal rows */
  evaluationChecksum?: string | null;
  minEvaluationRows?: number;
  /** challenger − champion macro-F1 and its paired-bootstrap confidence interval */
  difference?: number | null;
  intervalLow?: number | null;
  intervalHigh?: number | null;
  confidence?: number;
  bootstrapIterations?: number;
}

export interface GateSettings {
  policy: GatePolicy;
  tolerance: number;
  minEvaluationRows: number;
  confidence: number;
  bootstrapIterations: number;
  seed?: number;
}

export interface PairedScores {
  /** true class per pinned row */
  truth: readonly number[];
  champion: readonly number[];
  challenger: readonly number[];
  checksum: string | null;
}

const K = 3;
const f = (n: number) => n.toFixed(4);
const signed = (n: number) => `${n >= 0 ? '+' : ''}${n.toFixed(4)}`;

/** Macro-F1 from a flat K×K confusion matrix (zero_division = 0, like scikit-learn). */
function macroF1FromCounts(m: Int32Array): number {
  let sum = 0;
  for (let c = 0; c < K; c++) {
    const tp = m[c * K + c] as number;
    let support = 0;
    let predicted = 0;
    for (let j = 0; j < K; j++) {
      support += m[c * K + j] as number;
      predicted += m[j * K + c] as number;
    }
    const p = predicted === 0 ? 0 : tp / predicted;
    const r = support === 0 ? 0 : tp / support;
    sum += p + r === 0 ? 0 : (2 * p * r) / (p + r);
  }
  return sum / K;
}

export function macroF1Of(truth: readonly number[], predicted: readonly number[]): number {
  const m = new Int32Array(K * K);
  truth.forEach((t, i) => {
    const cell = t * K + (predicted[i] as number);
    m[cell] = (m[cell] as number) + 1;
  });
  return macroF1FromCounts(m);
}

/**
 * Paired bootstrap of (challenger − champion) macro-F1: rows are resampled with replacement and
 * both models are scored on the same resample, so what the rows have in common cancels out.
 * Percentile interval; seeded, so a decision can be reproduced.
 */
export function pairedBootstrap(
  scores: Pick<PairedScores, 'truth' | 'champion' | 'challenger'>,
  iterations: number,
  confidence: number,
  seed = 12,
): { champion: number; challenger: number; difference: number; low: number; high: number } {
  const { truth, champion, challenger } = scores;
  const n = truth.length;
  const championF1 = macroF1Of(truth, champion);
  const challengerF1 = macroF1Of(truth, challenger);
  const diffs = new Float64Array(iterations);
  const rand = mulberry32(seed);
  const a = new Int32Array(K * K);
  const b = new Int32Array(K * K);
  for (let it = 0; it < iterations; it++) {
    a.fill(0);
    b.fill(0);
    for (let s = 0; s < n; s++) {
      const i = Math.floor(rand() * n);
      const t = (truth[i] as number) * K;
      const ca = t + (champion[i] as number);
      const cb = t + (challenger[i] as number);
      a[ca] = (a[ca] as number) + 1;
      b[cb] = (b[cb] as number) + 1;
    }
    diffs[it] = macroF1FromCounts(b) - macroF1FromCounts(a);
  }
  diffs.sort();
  const alpha = (1 - confidence) / 2;
  const at = (q: number) => diffs[Math.min(iterations - 1, Math.max(0, Math.floor(q * iterations)))] as number;
  return { champion: championF1, challenger: challengerF1, difference: challengerF1 - championF1, low: at(alpha), high: at(1 - alpha) };
}

/**
 * The decision. `candidateOwnMacroF1` is the challenger's figure on its own test split, used only
 * when there is no champion. `scores` is null when no pinned evaluation rows could be scored.
 */
export function decideGate(
  candidateOwnMacroF1: number,
  active: { version: number } | null,
  scores: PairedScores | null,
  settings: GateSettings,
): GateDecision {
  const { policy, tolerance, minEvaluationRows, confidence, bootstrapIterations } = settings;
  const base = { tolerance, policy, minEvaluationRows, confidence, bootstrapIterations, evaluationRows: scores?.truth.length ?? 0, evaluationChecksum: scores?.checksum ?? null };
  const manual = policy === 'manual' ? 'GATE_POLICY=manual: waits for promoteModel' : null;
  if (!active) {
    return {
      ...base, comparedToVersion: null, candidateMacroF1: candidateOwnMacroF1, activeMacroF1: null, difference: null, intervalLow: null, intervalHigh: null,
      promoted: manual === null,
      reason: manual ?? 'no active model: the first trained version is activated',
    };
  }
  const n = scores?.truth.length ?? 0;
  if (!scores || n === 0) {
    return {
      ...base, comparedToVersion: active.version, candidateMacroF1: candidateOwnMacroF1, activeMacroF1: null, difference: null, intervalLow: null, intervalHigh: null,
      promoted: false,
      reason: `${manual ?? 'kept as candidate'}: no pinned evaluation rows to compare v${active.version} and the candidate on (upload labeled data, or pin an evaluation dataset)`,
    };
  }
  const b = pairedBootstrap(scores, bootstrapIterations, confidence, settings.seed);
  const scored = {
    ...base, comparedToVersion: active.version, candidateMacroF1: b.challenger, activeMacroF1: b.champion,
    difference: b.difference, intervalLow: b.low, intervalHigh: b.high,
  };
  const pct = Math.round(confidence * 100);
  const summary = `macro-F1 ${f(b.challenger)} vs active v${active.version} ${f(b.champion)} on ${n} pinned evaluation rows: difference ${signed(b.difference)}, ${pct}% paired-bootstrap interval [${signed(b.low)}, ${signed(b.high)}]`;
  const bar = tolerance === 0 ? 'above 0' : `above ${signed(-tolerance)} (tolerance ${tolerance})`;
  if (n < minEvaluationRows) {
    return { ...scored, promoted: false, reason: `${manual ?? 'kept as candidate'}: too few pinned evaluation rows (${n} < GATE_MIN_EVALUATION_ROWS ${minEvaluationRows}); ${summary}` };
  }
  const wins = b.low > -tolerance;
  if (manual) return { ...scored, promoted: false, reason: `${manual}; ${summary}; the automatic gate would ${wins ? '' : 'not '}promote it` };
  if (wins) return { ...scored, promoted: true, reason: `${summary}: lower end ${bar}, promoted` };
  const why = b.difference > -tolerance
    ? `the interval is too wide to tell the gain from noise (lower end ${signed(b.low)} is not ${bar})`
    : `not better than the active model (lower end ${signed(b.low)} is not ${bar})`;
  return { ...scored, promoted: false, reason: `${summary}: ${why}; kept as candidate` };
}
