import { createReadStream } from 'node:fs';
import { existsSync } from 'node:fs';
import { Readable } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { LABELS, readFacilityCsv, type FacilityRecord } from '../../../src/ml/index.js';
import type { LoadedModel } from '../../../src/registry/model-source.js';
import { NoActiveModelError, UnknownModelVersionError } from '../../../src/errors.js';
import { Predictor } from '../../../src/serving/predictor.js';
import { syntheticCsv } from '../../fixtures/synthetic.js';
import { loadTestModel, REAL_DATASET, StaticModelSource } from './model-fixture.js';

let v1: LoadedModel;
let v2: LoadedModel;
let records: FacilityRecord[];

function expected(model: LoadedModel, record: FacilityRecord): number[] {
  return Array.from(model.classifier.predictProbabilities([record]));
}

beforeAll(async () => {
  v1 = await loadTestModel(1);
  v2 = await loadTestModel(2, 11);
  const source = existsSync(REAL_DATASET) ? createReadStream(REAL_DATASET) : Readable.from([syntheticCsv({ rows: 600, seed: 3 })]);
  records = (await readFacilityCsv(source)).rows.map((r) => r.record);
});

function predictorOver(active: number | null, opts: Partial<{ microBatchWindowMs: number; microBatchMaxRows: number; microBatchFlushWhenIdle: boolean }> = {}) {
  const source = new StaticModelSource(new Map([[1, v1], [2, v2]]), active);
  const predictor = new Predictor(source, { microBatchWindowMs: 2, microBatchMaxRows: 64, ...opts });
  return { source, predictor };
}

describe('Predictor', () => {
  it('answers one prediction: label = argmax, confidence = its probability, probabilities sum to 1, version', async () => {
    const { predictor } = predictorOver(1);
    const record = records[0] as FacilityRecord;
    const p = await predictor.predict(record);
    expect(p.modelVersion).toBe(1);
    expect(p.probabilities.map((c) => c.label)).toEqual([...LABELS]);
    const probs = p.probabilities.map((c) => c.probability);
    expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    expect(probs).toEqual(expected(v1, record));
    expect(p.confidence).toBe(Math.max(...probs));
    expect(p.label).toBe(LABELS[probs.indexOf(p.confidence)]);
  });

  it('runs concurrent calls within the window as one forward pass, each answered with its own row', async () => {
    const { predictor } = predictorOver(1);
    const batch = records.slice(0, 40);
    const answers = await Promise.all(batch.map((r) => predictor.predict(r)));
    expect(predictor.microBatchStats()).toEqual({ batches: 1, rows: 40, largestBatch: 40 });
    answers.forEach((a, i) => expect(a.probabilities.map((c) => c.probability)).toEqual(expected(v1, batch[i] as FacilityRecord)));
  });

  it('runs a batch as soon as it reaches microBatchMaxRows', async () => {
    const { predictor } = predictorOver(1, { microBatchMaxRows: 16, microBatchWindowMs: 1000 });
    const started = performance.now();
    await Promise.all(records.slice(0, 48).map((r) => predictor.predict(r)));
    expect(performance.now() - started).toBeLessThan(500); // never waited for the 1 s window
    expect(predictor.microBatchStats()).toEqual({ batches: 3, rows: 48, largestBatch: 16 });
  });

  it('with a 0 ms window, batches what arrives in the same turn of the event loop', async () => {
    const { predictor } = predictorOver(1, { microBatchWindowMs: 0 });
    await Promise.all(records.slice(0, 10).map((r) => predictor.predict(r)));
    expect(predictor.microBatchStats().batches).toBe(1);
  });

  it('never mixes model versions in one forward pass', async () => {
    const { predictor, source } = predictorOver(1);
    const batch = records.slice(0, 20);
    const answers = await Promise.all(batch.map((r, i) => predictor.predict(r, i % 2 === 0 ? 1 : 2)));
    expect(source.gets).toEqual(Array(10).fill(2)); // the active version needs no lookup
    answers.forEach((a, i) => {
      const model = i % 2 === 0 ? v1 : v2;
      expect(a.modelVersion).toBe(model.version);
      expect(a.probabilities.map((c) => c.probability)).toEqual(expected(model, batch[i] as FacilityRecord));
    });
    expect(predictor.microBatchStats().batches).toBe(2);
  });

  it('a hot swap inside the window: each request keeps the model it arrived with', async () => {
    const { predictor, source } = predictorOver(1, { microBatchWindowMs: 20 });
    const [a, b] = [records[1] as FacilityRecord, records[2] as FacilityRecord];
    const before = predictor.predict(a);
    source.activate(2);
    const after = predictor.predict(b);
    const [pa, pb] = await Promise.all([before, after]);
    expect(pa.modelVersion).toBe(1);
    expect(pa.probabilities.map((c) => c.probability)).toEqual(expected(v1, a));
    expect(pb.modelVersion).toBe(2);
    expect(pb.probabilities.map((c) => c.probability)).toEqual(expected(v2, b));
    expect(predictor.microBatchStats()).toMatchObject({ batches: 2, rows: 2 });
  });

  it('says when no model is active and when a version is unknown', async () => {
    const { predictor } = predictorOver(null);
    await expect(predictor.predict(records[0] as FacilityRecord)).rejects.toBeInstanceOf(NoActiveModelError);
    await expect(predictor.predict(records[0] as FacilityRecord, 99)).rejects.toBeInstanceOf(UnknownModelVersionError);
    await expect(predictor.predictMany([records[0] as FacilityRecord])).rejects.toBeInstanceOf(NoActiveModelError);
    const other = await predictor.predict(records[0] as FacilityRecord, 2);
    expect(other.modelVersion).toBe(2);
  });

  it('predictMany gives the same probabilities as single predictions', async () => {
    const { predictor } = predictorOver(1);
    const batch = records.slice(0, 100);
    const many = await predictor.predictMany(batch);
    const single = await Promise.all(batch.map((r) => predictor.predict(r)));
    expect(many).toEqual(single);
  });

  it('with flushWhenIdle off, requests arriving a turn apart still share the window', async () => {
    const { predictor } = predictorOver(1, { microBatchWindowMs: 20, microBatchFlushWhenIdle: false });
    const first = predictor.predict(records[0] as FacilityRecord);
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    await Promise.all([first, predictor.predict(records[1] as FacilityRecord)]);
    expect(predictor.microBatchStats()).toMatchObject({ batches: 1, rows: 2 });
  });

  it('with flushWhenIdle on (default), a batch runs once an event-loop turn brings no newcomer', async () => {
    const { predictor } = predictorOver(1, { microBatchWindowMs: 1000 });
    const started = performance.now();
    await Promise.all(records.slice(0, 5).map((r) => predictor.predict(r)));
    expect(performance.now() - started).toBeLessThan(200); // did not wait out the 1 s window
    expect(predictor.microBatchStats()).toMatchObject({ batches: 1, rows: 5 });
  });

  it('encodes one row in microseconds and answers a lone request without waiting out the window', async () => {
    const { classifier } = v1;
    const out = new Float32Array(classifier.featureCount);
    const rows = records.slice(0, 2000);
    for (const r of rows) classifier.encodeInto(r, out, 0); // warm caches and JIT
    const started = process.hrtime.bigint();
    const rounds = 5;
    for (let k = 0; k < rounds; k++) for (const r of rows) classifier.encodeInto(r, out, 0);
    const perRowUs = Number(process.hrtime.bigint() - started) / 1000 / (rounds * rows.length);
    console.log(`encodeInto: ${perRowUs.toFixed(2)} µs per row (${classifier.featureCount} features)`);
    expect(perRowUs).toBeLessThan(50);

    const { predictor } = predictorOver(1, { microBatchWindowMs: 20 });
    const latencies: number[] = [];
    for (const r of rows.slice(0, 200)) {
      const t = performance.now();
      await predictor.predict(r);
      latencies.push(performance.now() - t);
    }
    latencies.sort((a, b) => a - b);
    const p50 = latencies[100] as number;
    console.log(`lone predict: p50 ${p50.toFixed(3)} ms (window 20 ms, idle flush on)`);
    expect(p50).toBeLessThan(10);
  });
});
