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

export class HyperparameterError extends Error {
  override name = 'HyperparameterError';
  constructor(readonly field: keyof Hyperparameters, message: string) {
    super(`${field}: ${message}`);
  }
}

function check(field: keyof Hyperparameters, ok: boolean, expected: string, value: unknown): void {
  if (!ok) throw new HyperparameterError(field, `expected ${expected}, got ${JSON.stringify(value)}`);
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Fills defaults and validates ranges; throws HyperparameterError naming the field. */
export function resolveHyperparameters(partial: Partial<Hyperparameters> = {}): Hyperparameters {
  const defined = Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined && v !== null)) as Partial<Hyperparameters>;
  const hp: Hyperparameters = { ...DEFAULT_HYPERPARAMETERS, ...defined, hiddenUnits: [...(defined.hiddenUnits ?? DEFAULT_HYPERPARAMETERS.hiddenUnits)] };
  check('learningRate', isNum(hp.learningRate) && hp.learningRate > 0 && hp.learningRate <= 1, 'a number in (0, 1]', hp.learningRate);
  check('batchSize', isInt(hp.batchSize) && hp.batchSize >= 1 && hp.batchSize <= 4096, 'an integer from 1 to 4096', hp.batchSize);
  check('epochs', isInt(hp.epochs) && hp.epochs >= 1 && hp.epochs <= 1000, 'an integer from 1 to 1000', hp.epochs);
  check('patience', isInt(hp.patience) && hp.patience >= 1 && hp.patience <= 1000, 'an integer from 1 to 1000', hp.patience);
  check(
    'hiddenUnits',
    Array.isArray(hp.hiddenUnits) && hp.hiddenUnits.length >= 1 && hp.hiddenUnits.length <= 4 && hp.hiddenUnits.every((u) => isInt(u) && u >= 1 && u <= 1024),
    '1 to 4 layer sizes, each an integer from 1 to 1024',
    hp.hiddenUnits,
  );
  check('dropout', isNum(hp.dropout) && hp.dropout >= 0 && hp.dropout < 1, 'a number in [0, 1)', hp.dropout);
  check('l2', isNum(hp.l2) && hp.l2 >= 0 && hp.l2 <= 1, 'a number in [0, 1]', hp.l2);
  check('seed', isInt(hp.seed) && hp.seed >= 0 && hp.seed <= 0xffffffff, 'an integer from 0 to 4294967295', hp.seed);
  return hp;
}
