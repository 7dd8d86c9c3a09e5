/**
 * Micro-batching of single predictions: requests arriving within a short window (or until a
 * batch is full) share one forward pass.
 *
 * Glossary
 * - window: the longest the first request of a batch waits for company (microBatchWindowMs; 0 =
 *   until the current turn of the event loop ends, via setImmediate).
 * - idle flush (flushWhenIdle, default on): a batch also runs as soon as one turn of the event loop
 *   passes without a new request joining it. Under load, requests join on every turn and batches
 *   fill up to the window or maxRows; when the process has nothing else to do, waiting out the
 *   window would only add latency and leave the CPU idle (measured: see README "Predictions").
 * - batch: the rows gathered for ONE LoadedModel. Batches are keyed by the LoadedModel object a
 *   request captured when it arrived, so different versions, or the old and new model around a
 *   hot swap, never share a forward pass.
 *
 * Each row is encoded into the batch's feature matrix as it arrives (FacilityClassifier.encodeInto,
 * microseconds), so the flush is only the dense forward pass.
 */
import type { LoadedModel } from '../registry/model-source.js';
import type { FacilityRecord } from '../ml/index.js';

export interface MicroBatcherOptions {
  windowMs: number;
  maxRows: number;
  flushWhenIdle?: boolean;
  /** told of each forward pass (n rows of an n × k probability matrix), e.g. for metrics */
  onBatch?: (model: LoadedModel, probabilities: Float32Array, n: number) => void;
}

export interface MicroBatchStats {
  batches: number;
  rows: number;
  largestBatch: number;
}

interface Waiter {
  resolve: (probabilities: Float32Array) => void;
  reject: (error: unknown) => void;
}

interface OpenBatch {
  model: LoadedModel;
  features: Float32Array;
  waiters: Waiter[];
  timer: NodeJS.Timeout | NodeJS.Immediate | null;
  /** idle flush: requests in the batch at the last check */
  seen: number;
  idle: NodeJS.Immediate | null;
}

export class MicroBatcher {
  private readonly open = new Map<LoadedModel, OpenBatch>();
  /** Spare feature matrices per model, reused across batches (no per-request allocation). */
  private readonly spare = new WeakMap<LoadedModel, Float32Array[]>();
  private readonly counters: MicroBatchStats = { batches: 0, rows: 0, largestBatch: 0 };

  constructor(private readonly options: MicroBatcherOptions) {
    if (options.maxRows < 1) throw new RangeError('maxRows must be at least 1');
  }

  /** Probabilities of `record` under `model` (a view of length labels.length, in label order). */
  submit(model: LoadedModel, record: FacilityRecord): Promise<Float32Array> {
    let batch = this.open.get(model);
    if (!batch) {
      batch = { model, features: this.takeBuffer(model), waiters: [], timer: null, seen: 0, idle: null };
      this.open.set(model, batch);
      const opened = batch;
      if (this.options.windowMs > 0) {
        batch.timer = setTimeout(() => this.flush(opened), this.options.windowMs);
        if (this.options.flushWhenIdle !== false) batch.idle = setImmediate(() => this.checkIdle(opened));
      } else {
        batch.timer = setImmediate(() => this.flush(opened));
      }
    }
    const classifier = model.classifier;
    const row = batch.waiters.length;
    try {
      classifier.encodeInto(record, batch.features, row * classifier.featureCount);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    const result = new Promise<Float32Array>((resolve, reject) => batch.waiters.push({ resolve, reject }));
    if (batch.waiters.length >= this.options.maxRows) this.flush(batch);
    return result;
  }

  /** How many forward passes ran for how many rows (for tests and metrics). */
  stats(): MicroBatchStats {
    return { ...this.counters };
  }

  /** Runs every open batch now (used on shutdown so no caller waits on a timer). */
  flushAll(): void {
    for (const batch of [...this.open.values()]) this.flush(batch);
  }

  /** Runs after each turn of the event loop while the batch is open: no newcomer → run it now. */
  private checkIdle(batch: OpenBatch): void {
    batch.idle = null;
    if (this.open.get(batch.model) !== batch) return;
    if (batch.waiters.length === batch.seen) {
      this.flush(batch);
      return;
    }
    batch.seen = batch.waiters.length;
    batch.idle = setImmediate(() => this.checkIdle(batch));
  }

  private flush(batch: OpenBatch): void {
    if (this.open.get(batch.model) !== batch) return; // already flushed (full batch beat the timer)
    this.open.delete(batch.model);
    if (batch.timer !== null) {
      if (this.options.windowMs > 0) clearTimeout(batch.timer as NodeJS.Timeout);
      else clearImmediate(batch.timer as NodeJS.Immediate);
    }
    if (batch.idle !== null) clearImmediate(batch.idle);
    const n = batch.waiters.length;
    const { classifier } = batch.model;
    const k = classifier.labels.length;
    let probabilities: Float32Array;
    try {
      probabilities = classifier.predictEncoded(batch.features, n);
    } catch (error) {
      for (const w of batch.waiters) w.reject(error);
      return;
    } finally {
      this.giveBuffer(batch.model, batch.features);
    }
    this.counters.batches++;
    this.counters.rows += n;
    if (n > this.counters.largestBatch) this.counters.largestBatch = n;
    this.options.onBatch?.(batch.model, probabilities, n);
    for (let i = 0; i < n; i++) (batch.waiters[i] as Waiter).resolve(probabilities.subarray(i * k, (i + 1) * k));
  }

  private takeBuffer(model: LoadedModel): Float32Array {
    const size = this.options.maxRows * model.classifier.featureCount;
    const buffer = this.spare.get(model)?.pop();
    return buffer ?? new Float32Array(size);
  }

  private giveBuffer(model: LoadedModel, buffer: Float32Array): void {
    let list = this.spare.get(model);
    if (!list) {
      list = [];
      this.spare.set(model, list);
    }
    if (list.length < 2) list.push(buffer);
  }
}
