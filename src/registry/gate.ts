/**
 * The promotion gate: a newly trained version replaces the active one only if its macro-F1 on the
 * held-out test split is at least the active version's minus a tolerance. Pure, unit-tested.
 */
export interface GateDecision {
  promoted: boolean;
  reason: string;
  comparedToVersion: number | null;
  candidateMacroF1: number;
  activeMacroF1: number | null;
  tolerance: number;
}

const f = (n: number) => n.toFixed(4);

export function decideGate(candidateMacroF1: number, active: { version: number; macroF1: number } | null, tolerance: number): GateDecision {
  const base = { candidateMacroF1, tolerance };
  if (!active) {
    return { ...base, promoted: true, reason: 'no active model: the first trained version is activated', comparedToVersion: null, activeMacroF1: null };
  }
  const threshold = active.macroF1 - tolerance;
  const promoted = candidateMacroF1 >= threshold;
  const reason = promoted
    ? `macro-F1 ${f(candidateMacroF1)} >= ${f(threshold)} (active v${active.version} ${f(active.macroF1)} - tolerance ${tolerance})`
    : `macro-F1 ${f(candidateMacroF1)} < ${f(threshold)} (active v${active.version} ${f(active.macroF1)} - tolerance ${tolerance}): kept as candidate`;
  return { ...base, promoted, reason, comparedToVersion: active.version, activeMacroF1: active.macroF1 };
}
