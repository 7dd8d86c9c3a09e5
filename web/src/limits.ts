/**
 * What the API accepts (`serverInfo.inputLimits`, read once at sign-in), so forms refuse exactly
 * what the server would without copying its numbers: the longest facility text, the
 * hyperparameter defaults and ranges.
 */
import { createContext, useContext } from 'react';
import type { NumberRangeFragment, SessionQuery } from './api/types';

export type InputLimits = SessionQuery['serverInfo']['inputLimits'];

export const InputLimitsContext = createContext<InputLimits | null>(null);

export function useInputLimits(): InputLimits {
  const limits = useContext(InputLimitsContext);
  if (!limits) throw new Error('useInputLimits needs <InputLimitsContext.Provider> (App provides it after sign-in)');
  return limits;
}

/** Whether `value` is inside `range`: the rule the server applies (withinLimit in src/ml/hyperparameters.ts). */
export function withinRange(range: NumberRangeFragment, value: number): boolean {
  if (!Number.isFinite(value)) return false;
  if (range.integer && !Number.isInteger(value)) return false;
  const aboveMin = range.minExclusive ? value > range.min : value >= range.min;
  const belowMax = range.maxExclusive ? value < range.max : value <= range.max;
  return aboveMin && belowMax;
}

/** The range as a hint: "1 to 4096", "(0, 1]". */
export function rangeHint(range: NumberRangeFragment): string {
  if (range.integer) return `${range.min} to ${range.max}`;
  return `${range.minExclusive ? '(' : '['}${range.min}, ${range.max}${range.maxExclusive ? ')' : ']'}`;
}

/** What to enter instead of a value outside the range. */
export function rangeMessage(range: NumberRangeFragment): string {
  if (range.integer) return `Enter a whole number from ${range.min} to ${range.max}`;
  const low = range.minExclusive ? `greater than ${range.min}` : `from ${range.min}`;
  const high = range.maxExclusive ? `up to (not including) ${range.max}` : `at most ${range.max}`;
  return `Enter a number ${low} and ${high}`;
}
