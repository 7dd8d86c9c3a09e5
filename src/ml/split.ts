import { duplicateKey } from './clean.js';
import { mulberry32, shuffleInPlace } from './random.js';

export interface SplitFractions {
  validation: number;
  test: number;
}
export interface SplitIndices {
  train: number[];
  validation: number[];
  test: number[];
}

/**
 * Stratified train / validation / test split with a fixed seed. Rows that share a duplicate key
 * (same name and coordinates) move together as one group, so duplicates never straddle splits.
 * Each class is split separately (largest-remainder rounding), so every split keeps the class mix.
 */
export function stratifiedSplit(
  labels: readonly number[],
  groupKeys: readonly (string | null)[],
  seed: number,
  fractions: SplitFractions = { validation: 0.15, test: 0.15 },
): SplitIndices {
  const rand = mulberry32(seed ^ 0x5eed5);
  // A group takes the label of its first row; groups are the unit of assignment.
  const groups = new Map<string, number[]>();
  labels.forEach((_, i) => {
    const key = groupKeys[i] ?? `#${i}`;
    const g = groups.get(key);
    if (g) g.push(i);
    else groups.set(key, [i]);
  });
  const byClass = new Map<number, number[][]>();
  for (const members of groups.values()) {
    const label = labels[members[0] ?? 0] ?? 0;
    const list = byClass.get(label) ?? [];
    list.push(members);
    byClass.set(label, list);
  }
  const out: SplitIndices = { train: [], validation: [], test: [] };
  for (const label of [...byClass.keys()].sort((a, b) => a - b)) {
    const list = byClass.get(label) ?? [];
    shuffleInPlace(list, rand);
    const n = list.length;
    const nTest = Math.round(n * fractions.test);
    const nVal = Math.round(n * fractions.validation);
    list.forEach((members, i) => {
      const target = i < nTest ? out.test : i < nTest + nVal ? out.validation : out.train;
      target.push(...members);
    });
  }
  for (const k of ['train', 'validation', 'test'] as const) out[k].sort((a, b) => a - b);
  return out;
}

export { duplicateKey };
