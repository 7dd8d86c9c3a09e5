/**
 * Prometheus metrics (prom-client), served at GET /metrics. One registry per process (no global
 * default registry), so tests and several apps in one process never share counters.
 *
 * Cheap on the predict path: predictions are counted once per forward pass (a micro-batch, a
 * predictBatch call or a file chunk), adding per-label counts, never once per GraphQL field.
 * Gauges that describe shared state (jobs by status, the active version) are read when scraped.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { JOB_STATUSES } from '../jobs/types.js';
import { LABELS } from '../ml/types.js';
import { argmax } from '../serving/predictor.js';

export type PredictOperation = 'predict' | 'batch' | 'file';

export interface MetricsSources {
  /** Jobs per status, read from the queue when /metrics is scraped. */
  jobCounts(): Promise<Record<string, number>>;
  /** The version this process serves, or null. */
  activeVersion(): number | null;
}

const PREDICT_LABELS: Record<PredictOperation, { operation: PredictOperation }> = {
  predict: { operation: 'predict' }, batch: { operation: 'batch' }, file: { operation: 'file' },
};

export class Metrics {
  readonly registry = new Registry();
  private readonly predictions: Counter<'model_version' | 'label'>;
  private readonly predictDuration: Histogram<'operation'>;
  private readonly microbatchRows: Histogram;
  private readonly epochDuration: Histogram;
  private readonly graphqlRequests: Counter<'operation_type' | 'outcome'>;
  private readonly labelCounts = new Float64Array(LABELS.length);

  constructor(sources: MetricsSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.predictions = new Counter({
      name: 'trellis_predictions_total', help: 'Predictions answered, by model version and predicted label.',
      labelNames: ['model_version', 'label'], registers,
    });
    this.predictDuration = new Histogram({
      name: 'trellis_predict_duration_seconds', help: 'Time to answer a prediction request, by operation (predict, batch, file).',
      labelNames: ['operation'], buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 30], registers,
    });
    this.microbatchRows = new Histogram({
      name: 'trellis_microbatch_rows', help: 'Rows per micro-batched forward pass of single predictions.',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256], registers,
    });
    this.epochDuration = new Histogram({
      name: 'trellis_training_epoch_duration_seconds', help: 'Duration of one training epoch (this process\'s trainer).',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60], registers,
    });
    this.graphqlRequests = new Counter({
      name: 'trellis_graphql_requests_total', help: 'GraphQL operations, by type (query, mutation, subscription) and outcome (ok or the error code).',
      labelNames: ['operation_type', 'outcome'], registers,
    });
    new Gauge({
      name: 'trellis_training_jobs', help: 'Training jobs in the queue, by status (shared by all processes).',
      labelNames: ['status'], registers,
      async collect() {
        const counts = await sources.jobCounts();
        // every status, so a status with no job reads 0 instead of vanishing from the scrape
        for (const status of JOB_STATUSES) this.set({ status }, counts[status] ?? 0);
      },
    });
    new Gauge({
      name: 'trellis_active_model_version', help: 'The model version this process serves (0 when none).', registers,
      collect() {
        this.set(sources.activeVersion() ?? 0);
      },
    });
  }

  /**
   * Counts the predictions of one forward pass: `n` rows of a row-major n × k probability matrix.
   * Adds per-label totals (k counter updates), not one update per row.
   */
  countPredictions(modelVersion: number, probabilities: Float32Array, n: number): void {
    const counts = this.labelCounts.fill(0);
    for (let row = 0; row < n; row++) {
      const best = argmax(probabilities, row);
      counts[best] = (counts[best] ?? 0) + 1;
    }
    this.countPredictionLabels(modelVersion, counts);
  }

  /** Counts predictions already tallied per label (a scored file's class counts, in LABELS order). */
  countPredictionLabels(modelVersion: number, counts: ArrayLike<number>): void {
    const version = String(modelVersion);
    for (let j = 0; j < LABELS.length; j++) if ((counts[j] ?? 0) > 0) this.predictions.inc({ model_version: version, label: LABELS[j] as string }, counts[j]);
  }

  observeMicroBatch(rows: number): void {
    this.microbatchRows.observe(rows);
  }

  /**
   * Starts a timer for one prediction request; call the returned function when it is answered.
   * One clock read each end and a constant label object: prom-client's startTimer would add an
   * hrtime pair, a closure and a merged label object per request.
   */
  timePredict(operation: PredictOperation): () => void {
    const started = performance.now();
    const labels = PREDICT_LABELS[operation];
    return () => {
      this.predictDuration.observe(labels, (performance.now() - started) / 1000);
    };
  }

  observeEpoch(durationMs: number): void {
    this.epochDuration.observe(durationMs / 1000);
  }

  countOperation(operationType: string, outcome: string): void {
    this.graphqlRequests.inc({ operation_type: operationType, outcome });
  }

  /** The Prometheus text exposition of every metric. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
