export interface Hyperparameters {
  learningRate: number;
  batchSize: number;
  /** maximum epochs; early stopping usually ends sooner */
  epochs: number;
  /** epochs without validation improvement before stopping */
  patience: number;
  hiddenUnits: number[];
  dropout: number;
  l2: number;
  seed: number;
}

export const DEFAULT_HYPERPARAMETERS: Hyperparameters = Object.freeze({
  learningRate: 0.0005,
  batchSize: 16,
  epochs: 100,
  patience: 15,
  hiddenUnits: Object.freeze([64, 32]) as unknown as number[],
  dropout: 0.2,
  l2: 1e-4,
  seed: 42,
});

/**
 * Accepted ranges, in one place: `resolveHyperparameters` enforces them on the server and the web
 * UI reads them through `serverInfo.inputLimits` for inline validation. `integer` fields take
 * whole numbers; `maxExclusive` means the bound itself is refused.
 */
export const HYPERPARAMETER_LIMITS = Object.freeze({
  learningRate: { min: 0, max: 1, minExclusive: true, integer: false },
  batchSize: { min: 1, max: 4096, integer: true },
  epochs: { min: 1, max: 1000, integer: true },
  patience: { min: 1, max: 1000, integer: true },
  dropout: { min: 0, max: 1, maxExclusive: true, integer: false },
  l2: { min: 0, max: 1, integer: false },
  seed: { min: 0, max: 0xffffffff, integer: true },
  /** per layer; 1 to `maxLayers` layers */
  hiddenUnits: { min: 1, max: 1024, integer: true, maxLayers: 4 },
});

export type ScalarHyperparameter = Exclude<keyof typeof HYPERPARAMETER_LIMITS, 'hiddenUnits'>;

interface Limit { min: number; max: number; integer: boolean; minExclusive?: boolean; maxExclusive?: boolean }

/** Whether `v` is inside a limit (the rule both the server and the UI apply). */
export function withinLimit(limit: Limit, v: unknown): v is number {
  if (typeof v !== 'number' || !Number.isFinite(v)) return false;
  if (limit.integer && !Number.isInteger(v)) return false;
  const aboveMin = limit.minExclusive ? v > limit.min : v >= limit.min;
  const belowMax = limit.maxExclusive ? v < limit.max : v <= limit.max;
  return aboveMin && belowMax;
}

/** The accepted range in words: "an integer from 1 to 4096", "a number in (0, 1]". */
export function describeLimit(limit: Limit): string {
  if (limit.integer) return `an integer from ${limit.min} to ${limit.max}`;
  return `a number in ${limit.minExclusive ? '(' : '['}${limit.min}, ${limit.max}${limit.maxExclusive ? ')' : ']'}`;
}

export class HyperparameterError extends Error {
  override name = 'HyperparameterError';
  constructor(readonly field: keyof Hyperparameters, message: string) {
    super(`${field}: ${message}`);
  }
}

function check(field: keyof Hyperparameters, ok: boolean, expected: string, value: unknown): void {
  if (!ok) throw new HyperparameterError(field, `expected ${expected}, got ${JSON.stringify(value)}`);
}


/** Fills defaults and validates ranges; throws HyperparameterError naming the field. */
export function resolveHyperparameters(partial: Partial<Hyperparameters> = {}): Hyperparameters {
  const defined = Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined && v !== null)) as Partial<Hyperparameters>;
  const hp: Hyperparameters = { ...DEFAULT_HYPERPARAMETERS, ...defined, hiddenUnits: [...(defined.hiddenUnits ?? DEFAULT_HYPERPARAMETERS.hiddenUnits)] };
  const scalars: ScalarHyperparameter[] = ['learningRate', 'batchSize', 'epochs', 'patience'];
  for (const field of scalars) check(field, withinLimit(HYPERPARAMETER_LIMITS[field], hp[field]), describeLimit(HYPERPARAMETER_LIMITS[field]), hp[field]);
  const layers = HYPERPARAMETER_LIMITS.hiddenUnits;
  check(
    'hiddenUnits',
    Array.isArray(hp.hiddenUnits) && hp.hiddenUnits.length >= 1 && hp.hiddenUnits.length <= layers.maxLayers && hp.hiddenUnits.every((u) => withinLimit(layers, u)),
    `1 to ${layers.maxLayers} layer sizes, each ${describeLimit(layers)}`,
    hp.hiddenUnits,
  );
  for (const field of ['dropout', 'l2', 'seed'] as const) check(field, withinLimit(HYPERPARAMETER_LIMITS[field], hp[field]), describeLimit(HYPERPARAMETER_LIMITS[field]), hp[field]);
  return hp;
}
