/**
 * The predictor never blocks on training: training runs in a process of its own, so predictions keep
 * answering (with bounded latency) while a job trains in the same process.
 */
import { createReadStream, existsSync } from 'node:fs';
import { Readable } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { readFacilityCsv, resolveHyperparameters, trainInWorker, TrainingCancelledError, type FacilityRecord } from '../../../src/ml/index.js';
import { Predictor } from '../../../src/serving/predictor.js';
import { syntheticCsv } from '../../fixtures/synthetic.js';
import { loadTestModel, REAL_DATASET, StaticModelSource } from './model-fixture.js';

let records: FacilityRecord[];
let predictor: Predictor;

beforeAll(async () => {
  const source = existsSync(REAL_DATASET) ? createReadStream(REAL_DATASET) : Readable.from([syntheticCsv({ rows: 2000, seed: 9 })]);
  records = (await readFacilityCsv(source)).rows.map((r) => r.record);
  predictor = new Predictor(new StaticModelSource(new Map([[1, await loadTestModel(1)]]), 1), { microBatchWindowMs: 2, microBatchMaxRows: 64 });
});

/** Bursts of 16 concurrent predictions (at least `rounds`, and until `until()` says so); latencies in ms. */
async function measure(rounds: number, until: () => boolean = () => true): Promise<number[]> {
  const latencies: number[] = [];
  for (let round = 0; round < rounds || !until(); round++) {
    const burst = records.slice((round * 16) % (records.length - 16), ((round * 16) % (records.length - 16)) + 16);
    await Promise.all(burst.map(async (r) => {
      const t = performance.now();
      await predictor.predict(r);
      latencies.push(performance.now() - t);
    }));
  }
  return latencies.sort((a, b) => a - b);
}

const p99 = (sorted: number[]) => sorted[Math.floor(sorted.length * 0.99)] as number;

describe('predictions while a model trains', () => {
  it('keep answering with bounded latency: training runs in a process of its own', async () => {
    await measure(20); // warm-up
    const idle = await measure(100);

    const abort = new AbortController();
    let epochs = 0;
    let firstEpoch!: () => void;
    const started = new Promise<void>((resolve) => (firstEpoch = resolve));
    const training = trainInWorker(records, {
      hyperparameters: resolveHyperparameters({ epochs: 500, patience: 500, batchSize: 16 }),
      signal: abort.signal,
      onEpoch: () => {
        epochs++;
        firstEpoch();
      },
    }).catch((error: unknown) => error);
    await started;
    const epochsBefore = epochs;
    const busyStart = performance.now();
    // Measure across at least two whole epochs so that the window really overlaps training.
    const busy = await measure(300, () => epochs - epochsBefore >= 2);
    const busyMs = performance.now() - busyStart;
    const epochsDuring = epochs - epochsBefore;
    abort.abort();
    expect(await training).toBeInstanceOf(TrainingCancelledError);

    console.log(`predict p99: idle ${p99(idle).toFixed(2)} ms, while training ${p99(busy).toFixed(2)} ms (max ${busy.at(-1)?.toFixed(2)} ms); ${epochsDuring} epochs trained during the ${Math.round(busyMs)} ms measured`);
    expect(epochsDuring).toBeGreaterThanOrEqual(2); // the job really trained while we predicted
    expect(p99(busy)).toBeLessThan(50);
  });
});
