/**
 * The predictor: model choice (active or a requested version) → features → micro-batch → forward
 * pass → labelled probabilities. Knows nothing of GraphQL; inputs arrive validated and cleaned.
 */
import { LABELS, type FacilityRecord, type RatingClass } from '../ml/index.js';
import type { LoadedModel, ModelSource } from '../registry/model-source.js';
import { NoActiveModelError, UnknownModelVersionError } from '../errors.js';
import { MicroBatcher, type MicroBatchStats } from './micro-batcher.js';

export interface ClassProbabilityResult {
  label: RatingClass;
  probability: number;
}

export interface PredictionResult {
  label: RatingClass;
  /** probability of `label` */
  confidence: number;
  /** one per class, in LABELS order */
  probabilities: ClassProbabilityResult[];
  modelVersion: number;
}

export interface PredictorOptions {
  microBatchWindowMs: number;
  microBatchMaxRows: number;
  /** run a micro-batch as soon as the event loop has a turn without newcomers (default true) */
  microBatchFlushWhenIdle?: boolean;
  /** told of each forward pass of predict (micro-batched) and predictBatch, e.g. for metrics */
  observer?: PredictionObserver;
}

export interface PredictionObserver {
  /** n rows of a row-major n × k probability matrix, answered by `modelVersion` */
  forwardPass(modelVersion: number, probabilities: Float32Array, n: number, microBatched: boolean): void;
}

/** Index of the most probable class in row `row` of a n × k probability matrix (first wins ties). */
export function argmax(probabilities: Float32Array, row = 0, k = LABELS.length): number {
  const base = row * k;
  let best = 0;
  for (let j = 1; j < k; j++) if ((probabilities[base + j] as number) > (probabilities[base + best] as number)) best = j;
  return best;
}

/** Turns row `row` of a probability matrix into the API's prediction shape. */
export function toPredictionResult(probabilities: Float32Array, row: number, modelVersion: number): PredictionResult {
  const k = LABELS.length;
  const best = argmax(probabilities, row, k);
  const base = row * k;
  return {
    label: LABELS[best] as RatingClass,
    confidence: probabilities[base + best] as number,
    probabilities: [
      { label: 'LOW', probability: probabilities[base] as number },
      { label: 'MEDIUM', probability: probabilities[base + 1] as number },
      { label: 'HIGH', probability: probabilities[base + 2] as number },
    ],
    modelVersion,
  };
}

export class Predictor {
  private readonly batcher: MicroBatcher;

  private readonly observer: PredictionObserver | undefined;

  constructor(
    private readonly models: ModelSource,
    options: PredictorOptions,
  ) {
    const observer = options.observer;
    this.observer = observer;
    this.batcher = new MicroBatcher({
      windowMs: options.microBatchWindowMs, maxRows: options.microBatchMaxRows, flushWhenIdle: options.microBatchFlushWhenIdle ?? true,
      onBatch: observer ? (model, probabilities, n) => observer.forwardPass(model.version, probabilities, n, true) : undefined,
    });
  }

  /** The active model, or the requested version (loaded on demand by the ModelSource). */
  async model(version?: number | null): Promise<LoadedModel> {
    const active = this.models.active();
    if (version === undefined || version === null) {
      if (!active) throw new NoActiveModelError(this.models.unavailableReason?.());
      return active;
    }
    if (active?.version === version) return active;
    const loaded = await this.models.get(version);
    if (!loaded) throw new UnknownModelVersionError(version);
    return loaded;
  }

  /**
   * One prediction. The model is captured now, when the request arrives: a hot swap during the
   * micro-batch window does not change which model answers it.
   */
  async predict(record: FacilityRecord, version?: number | null): Promise<PredictionResult> {
    const active = version === undefined || version === null ? this.models.active() : null;
    const model = active ?? (await this.model(version));
    const probabilities = await this.batcher.submit(model, record);
    return toPredictionResult(probabilities, 0, model.version);
  }

  /** Many predictions in one forward pass (predictBatch): no micro-batching needed. */
  async predictMany(records: readonly FacilityRecord[], version?: number | null): Promise<PredictionResult[]> {
    const model = await this.model(version);
    const probabilities = model.classifier.predictProbabilities(records);
    this.observer?.forwardPass(model.version, probabilities, records.length, false);
    const out = new Array<PredictionResult>(records.length);
    for (let i = 0; i < records.length; i++) out[i] = toPredictionResult(probabilities, i, model.version);
    return out;
  }

  microBatchStats(): MicroBatchStats {
    return this.batcher.stats();
  }

  /** Answers every waiting micro-batch now (shutdown). */
  flush(): void {
    this.batcher.flushAll();
  }
}
