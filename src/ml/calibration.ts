/** Validation-time scoring used by early stopping and the class-offset calibration. */
import { macroF1 } from './metrics.js';

/** Cross-entropy with class weights (the loss the model was trained on), averaged over the weights. */
export function weightedCrossEntropy(truth: readonly number[], probs: Float32Array, k: number, weights: readonly number[]): number {
  let sum = 0;
  let wsum = 0;
  truth.forEach((t, i) => {
    const w = weights[t] ?? 0;
    sum -= w * Math.log(Math.max(probs[i * k + t] ?? 0, 1e-7));
    wsum += w;
  });
  return wsum === 0 ? 0 : sum / wsum;
}

/**
 * Per-class additive logit offsets that maximise validation macro-F1 (last class fixed at 0), on a
 * coarse grid; ties go to the smallest offsets. Adding o_c to logit c is adding it to the output
 * bias, so the served model stays a plain MLP.
 */
export function tuneLogitOffsets(truth: readonly number[], probs: Float32Array, k: number): number[] {
  const grid: number[] = [];
  for (let v = -1.5; v <= 1.5 + 1e-9; v += 0.25) grid.push(Math.round(v * 100) / 100);
  const logp = Float32Array.from(probs, (p) => Math.log(Math.max(p, 1e-7)));
  let best = { f1: -1, size: Infinity, offsets: new Array<number>(k).fill(0) };
  const offsets = new Array<number>(k).fill(0);
  const predicted = new Array<number>(truth.length);
  const visit = (c: number) => {
    if (c === k - 1) {
      for (let i = 0; i < truth.length; i++) {
        let arg = 0;
        let max = -Infinity;
        for (let j = 0; j < k; j++) {
          const v = (logp[i * k + j] as number) + (offsets[j] as number);
          if (v > max) {
            max = v;
            arg = j;
          }
        }
        predicted[i] = arg;
      }
      const f1 = macroF1(truth, predicted, k);
      const size = offsets.reduce((a, o) => a + Math.abs(o), 0);
      if (f1 > best.f1 + 1e-9 || (Math.abs(f1 - best.f1) <= 1e-9 && size < best.size)) best = { f1, size, offsets: [...offsets] };
      return;
    }
    for (const g of grid) {
      offsets[c] = g;
      visit(c + 1);
    }
    offsets[c] = 0;
  };
  visit(0);
  return best.offsets;
}
