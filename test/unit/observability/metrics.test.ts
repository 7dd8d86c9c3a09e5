import { describe, expect, it } from 'vitest';
import { Metrics } from '../../../src/observability/metrics.js';

describe('Metrics', () => {
  it('counts a forward pass by predicted label, reads shared gauges when scraped, and keeps registries apart', async () => {
    const metrics = new Metrics({ jobCounts: async () => ({ QUEUED: 3, RUNNING: 1 }), activeVersion: () => 7 });
    // 3 rows: HIGH, LOW, HIGH
    metrics.countPredictions(7, new Float32Array([0.1, 0.2, 0.7, 0.8, 0.1, 0.1, 0.2, 0.3, 0.5]), 3);
    metrics.observeMicroBatch(3);
    metrics.timePredict('predict')();
    metrics.observeEpoch(250);
    metrics.countOperation('query', 'ok');
    const { body, contentType } = await metrics.exposition();
    expect(contentType).toMatch(/^text\/plain/);
    expect(body).toContain('trellis_predictions_total{model_version="7",label="HIGH"} 2');
    expect(body).toContain('trellis_predictions_total{model_version="7",label="LOW"} 1');
    expect(body).not.toContain('label="MEDIUM"');
    expect(body).toContain('trellis_training_jobs{status="QUEUED"} 3');
    expect(body).toContain('trellis_training_jobs{status="FAILED"} 0');
    expect(body).toContain('trellis_active_model_version 7');
    expect(body).toContain('trellis_microbatch_rows_count 1');
    expect(body).toContain('trellis_predict_duration_seconds_count{operation="predict"} 1');
    expect(body).toContain('trellis_training_epoch_duration_seconds_sum 0.25');
    expect(body).toContain('trellis_graphql_requests_total{operation_type="query",outcome="ok"} 1');
    expect(body).toContain('nodejs_eventloop_lag_seconds');
    expect(body).toContain('process_resident_memory_bytes');
    const other = new Metrics({ jobCounts: async () => ({}), activeVersion: () => null });
    expect((await other.exposition()).body).not.toContain('trellis_predictions_total{');
  });
});
